"""Ingest throughput and peak memory, side by side in one run.

Builds a large PubMed XML file (default 50,000 PubmedArticle records) by repeating the real
recorded samples in ../shared/fixtures/pubmed with fresh PMIDs, gzips it (the format NCBI
publishes), and measures, each in its own fresh subprocess so peak RSS is separate:

  (a) pubmed_parser.parse_medline_xml  (PyPI pubmed-parser; parse only)
  (b) bare lxml.etree.iterparse        (parse only: the floor)
  (c) scisays ingest_file              (parse + store in SQLite + FTS5 index)

each tool --repeat times, interleaved (the machine's speed drifts; medians are reported), then
(c) again at 1/4, 1/2 and all of the records (or the --grow counts), to show memory stays flat.
scisays parses files of 4 MB and more in a worker process while the main process writes; its
peak RSS is shown for both processes.

    pip install -e '.[bench]'
    python benchmarks/ingest.py [--records 50000] [--repeat 3] [--grow 12500 50000 200000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from lxml import etree

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "pubmed"

CHILD = {
    "pubmed_parser": """
        import pubmed_parser as pp
        n = sum(1 for _ in pp.parse_medline_xml(PATH))
    """,
    "iterparse": """
        import gzip
        from lxml import etree
        n = 0
        with gzip.open(PATH, "rb") as f:
            for _, el in etree.iterparse(f, events=("end",), tag="PubmedArticle"):
                n += 1
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
    """,
    "scisays": """
        import os
        from scisays.corpus import Corpus, ingest_file
        db = PATH + ".sqlite"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        with Corpus.open(db, create=True) as c:
            n = ingest_file(c, PATH).changes.inserted
    """,
}

RUNNER = """
import json, resource, sys, time
PATH = sys.argv[1]
t0 = time.perf_counter()
{body}
dt = time.perf_counter() - t0
print(json.dumps({{"n": n, "seconds": dt,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""


def sample_articles() -> list[etree._Element]:
    arts = []
    for p in sorted(FIXTURES.glob("pubmed*.xml")):
        root = etree.parse(str(p)).getroot()
        arts.extend(root.iter("PubmedArticle"))
    return arts


def build(path: Path, n: int) -> None:
    """Write n PubmedArticle records (repeating the samples, fresh PMIDs) gzip-compressed."""
    arts = sample_articles()
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n')
        for i in range(n):
            art = copy.deepcopy(arts[i % len(arts)])
            pmid = str(40_000_000 + i)
            art.find("MedlineCitation/PMID").text = pmid
            for aid in art.iterfind("PubmedData/ArticleIdList/ArticleId"):
                if aid.get("IdType") == "pubmed":
                    aid.text = pmid
            out.write(etree.tostring(art, encoding="utf-8"))
            out.write(b"\n")
        out.write(b"</PubmedArticleSet>\n")


def measure(tool: str, path: Path) -> dict[str, float]:
    code = RUNNER.format(body=textwrap.dedent(CHILD[tool]))
    p = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    if p.returncode != 0:
        hint = " (pip install -e '.[bench]')" if "pubmed_parser" in p.stderr else ""
        raise SystemExit(f"{tool} failed{hint}:\n{p.stderr[-2000:]}")
    result: dict[str, float] = json.loads(p.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each tool, interleaved; medians are reported (default 3)")
    ap.add_argument("--grow", type=int, nargs="*", default=None,
                    help="record counts for the memory-growth table (default: 1/4, 1/2, all)")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scisays-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.records
    sizes = sorted(set(args.grow or (max(1, n // 4), max(1, n // 2), n)) | {n})
    files = {}
    for k in sizes:
        f = work / f"bench-{k}.xml.gz"
        if not f.exists():
            print(f"building {f} ({k:,} records)…", flush=True)
            build(f, k)
        files[k] = f
    main_file = files[n]
    print(f"\nfile: {main_file} ({main_file.stat().st_size / 1e6:.1f} MB gzip), "
          f"{args.repeat} interleaved runs per tool, medians\n")
    tools = ("pubmed_parser", "iterparse", "scisays")
    runs: dict[str, list[dict[str, float]]] = {t: [] for t in tools}
    for _ in range(args.repeat):
        for tool in tools:
            runs[tool].append(measure(tool, main_file))

    def med(tool: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[tool])

    print("| tool | records | seconds (median) | records/s | all runs, s | peak RSS MB |")
    print("|---|---:|---:|---:|---|---:|")
    for tool in tools:
        secs = med(tool, "seconds")
        count = int(runs[tool][0]["n"])
        rss = f"{med(tool, 'peak_mb'):.0f}"
        if tool == "scisays":
            rss += f" + worker {med(tool, 'worker_peak_mb'):.0f}"
        all_runs = ", ".join(f"{r['seconds']:.1f}" for r in runs[tool])
        print(f"| {tool} | {count:,} | {secs:.1f} | {count / secs:,.0f} | {all_runs} | {rss} |")
    rate = {tool: runs[tool][0]["n"] / med(tool, "seconds") for tool in tools}
    print(f"\nscisays parse+store vs pubmed_parser parse-only: {rate['scisays'] / rate['pubmed_parser']:.2f}x"
          " (target >= 2x)")
    print(f"bare iterparse vs scisays: {rate['iterparse'] / rate['scisays']:.2f}x (target <= 3x)")
    print("\nscisays peak memory as the file grows (one run each):")
    print("| records | seconds | records/s | peak RSS MB | worker peak RSS MB |")
    print("|---:|---:|---:|---:|---:|")
    for k in sizes:
        r = measure("scisays", files[k])
        print(f"| {k:,} | {r['seconds']:.1f} | {r['n'] / r['seconds']:,.0f} | {r['peak_mb']:.0f} "
              f"| {r['worker_peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
