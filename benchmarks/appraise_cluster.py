"""`corpus appraise` throughput — or, with ``--ingest``, ingest + appraise — with local processes
(1 and 2) and a Dask cluster (1 and 2 workers).

Builds N records with ask_latency.py's generator (shuffled real abstract sentences, unlabelled, so
every record goes through the sentence-role model). Without ``--ingest``: ingests them once, copies
the corpus per setting and times `appraise_corpus` on each copy. With ``--ingest``: splits them into
``--files`` JSON Lines files and times, per setting, an ingest into an empty corpus followed by
`appraise_corpus` (locally: one file after another, parsed in this process for 1, in a parsing
process for 2; on Dask: `ingest_on_cluster`, files parsed on the workers). Dask runs on a
LocalCluster of worker processes on this machine (the same code path as a remote
`--scheduler tcp://HOST:8786`).

    python benchmarks/appraise_cluster.py [--records 20000] [--ingest --files 8]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from ask_latency import build
from scisays.corpus import Corpus, ingest_file
from scisays.corpus.appraise import appraise_corpus
from scisays.corpus.ingest import ingest_on_cluster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--ingest", action="store_true", help="time ingest + appraise from files")
    ap.add_argument("--files", type=int, default=8)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scisays-appraise-"))
    src, base = work / "records.jsonl", work / "base.sqlite"
    build(src, args.records)
    lines = src.read_text().splitlines(keepends=True)
    parts = []
    for i in range(args.files):
        part = work / f"part{i}.jsonl"
        part.write_text("".join(lines[i::args.files]))
        parts.append(part)
    with Corpus.open(base, create=True) as c:
        ingest_file(c, src)
    print("| setting | records | seconds | records/s | vs 1 |\n|---|---:|---:|---:|---:|")
    one: dict[str, float] = {}
    for name, kind, n in (("local processes", "local", 1), ("local processes", "local", 2),
                          ("Dask LocalCluster workers", "dask", 1), ("Dask LocalCluster workers", "dask", 2)):
        db = work / f"{kind}-{n}.sqlite"
        if not args.ingest:
            shutil.copy(base, db)
        cluster = None
        if kind == "dask":
            from distributed import LocalCluster
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
        try:
            with Corpus.open(db, create=args.ingest) as c:
                t = time.perf_counter()
                if args.ingest and cluster:
                    list(ingest_on_cluster(c, parts, cluster.scheduler_address))
                elif args.ingest:
                    for part in parts:
                        ingest_file(c, part, parallel=n > 1)
                r = appraise_corpus(c, workers=n, scheduler=cluster.scheduler_address if cluster else None)
                dt = time.perf_counter() - t
        finally:
            if cluster:
                cluster.close()
        rate = r.appraised / dt
        one.setdefault(kind, rate)
        print(f"| {name}: {n} | {r.appraised:,} | {dt:.1f} | {rate:.0f} | {rate / one[kind]:.2f}× |",
              flush=True)
        db.unlink()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
