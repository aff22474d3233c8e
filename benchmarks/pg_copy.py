"""Copy a SQLite corpus (records and stored appraisals) into a PostgreSQL database through the
real write path (``Corpus.write_batch``, ``Corpus.store_appraisals``), timing each part.

Used to put the 1M-record benchmark corpus of ask_latency.py into PostgreSQL, so that
ask_stored.py can time ``ask`` on both backends over the same records:

    python benchmarks/pg_copy.py --from /tmp/askbench/corpus.sqlite \
        --to postgresql://postgres@127.0.0.1:55432/askbench [--batch 2000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from scisays.config import DatabaseUrl
from scisays.corpus import Corpus
from scisays.corpus.store import _COLUMNS, SqliteCorpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="src", type=Path, required=True)
    ap.add_argument("--to", required=True, help="postgresql:// URL of an empty database")
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--appraisals-only", action="store_true", help="the records are copied already")
    args = ap.parse_args()
    src = Corpus.open(args.src)
    assert isinstance(src, SqliteCorpus)
    with src, Corpus.open(DatabaseUrl(args.to), create=True) as dst:
        total = 0 if args.appraisals_only else src.count()
        t0 = time.perf_counter()
        batch: list[tuple[object, ...]] = []
        done = 0
        for row in src.sqlite.execute(f"SELECT {_COLUMNS} FROM records ORDER BY rowid LIMIT ?", (total,)):
            batch.append(tuple(row))
            if len(batch) == args.batch:
                dst.write_batch(batch)
                done += len(batch)
                batch = []
                if done % 100_000 == 0:
                    print(f"  {done:,} / {total:,} records, {done / (time.perf_counter() - t0):,.0f}/s",
                          flush=True)
        if batch:
            dst.write_batch(batch)
        took = time.perf_counter() - t0
        if total:
            print(f"records: {dst.count():,} in {took:.0f} s ({dst.count() / took:,.0f}/s)", flush=True)

        t0 = time.perf_counter()
        n = 0
        cur = src.sqlite.execute("SELECT r.key, a.content_hash, a.version, a.data FROM appraisals a "
                                 "JOIN records r ON r.rowid = a.record_id ORDER BY a.record_id")
        while rows := cur.fetchmany(args.batch):
            ids = dict(dst.conn.execute("SELECT key, rowid FROM records WHERE key = ANY(?)",
                                        ([r[0] for r in rows],)).fetchall())
            # older corpora stored some appraisals as JSON text (store_appraisals compresses it)
            dst.store_appraisals([(ids[k], h, v, d if isinstance(d, str) else bytes(d))
                                  for k, h, v, d in rows if k in ids])
            n += len(rows)
        took = time.perf_counter() - t0
        print(f"appraisals: {n:,} in {took:.0f} s ({n / max(took, 1e-9):,.0f}/s)", flush=True)


if __name__ == "__main__":
    main()
