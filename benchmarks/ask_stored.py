"""`ask` latency with stored appraisals against recomputing them, interleaved run by run.

On a corpus built by ask_latency.py (``--db``), first stores the current appraiser's appraisals
for the records the questions retrieve (the same code path as ``corpus appraise``; latency depends
only on those records), then times each question alternately with the default appraiser (which
reads the stored appraisals) and with an appraiser whose steps are the same functions but which
never uses stored appraisals (the path of a corpus never appraised). Interleaving keeps a busy
machine from favouring one side.

    python benchmarks/ask_stored.py --db /tmp/askbench/corpus.sqlite [--runs 10] [--stored-only]
    python benchmarks/ask_stored.py --db postgresql://postgres@127.0.0.1:55432/askbench   # pg_copy.py
"""

from __future__ import annotations

import argparse
import time

from ask_latency import median_p95
from scisays.appraise import DEFAULT_APPRAISER, Appraiser
from scisays.appraise.dose import find_dose_effects
from scisays.config import DbLocation, parse_location
from scisays.corpus import Corpus
from scisays.corpus.appraise import appraise_batch
from scisays.pipeline import ask, retrieve
from scisays.question import build_question

QUESTIONS = (("kratom", ("anxiety", "depression")), ("asthma", ("budesonide",)))


def store_hits(c: Corpus) -> None:
    for substance, conditions in QUESTIONS:
        hits = retrieve(c, build_question(substance, conditions), 300).hits
        rows = []
        for r, _ in hits:
            rid, digest = c.conn.execute("SELECT rowid, content_hash FROM records WHERE key = ?",
                                         (r.key,)).fetchone()
            rows.append((rid, digest, r))
        c.store_appraisals(appraise_batch(rows))


def parse_db(value: str) -> DbLocation:
    return parse_location(value, "--db")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=parse_db, required=True, help="a SQLite file or a postgresql:// URL")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--stored-only", action="store_true",
                    help="time only the stored path, runs back to back (no recomputed runs between)")
    args = ap.parse_args()
    fresh = Appraiser(dose_effects=lambda *a: find_dose_effects(*a))  # same steps, never stored
    assert fresh.version is None
    print("| question | appraisal | median s | p95 s |\n|---|---|---:|---:|")
    with Corpus.open(args.db) as c:
        store_hits(c)
        for substance, conditions in QUESTIONS:
            for appraiser in (DEFAULT_APPRAISER, fresh):
                ask(c, substance, conditions, appraiser=appraiser)  # warm-up
            stored: list[float] = []
            recomputed: list[float] = []
            sides = ((DEFAULT_APPRAISER, stored),) if args.stored_only else (
                (DEFAULT_APPRAISER, stored), (fresh, recomputed))
            for _ in range(args.runs):
                for appraiser, out in sides:
                    t = time.perf_counter()
                    ask(c, substance, conditions, appraiser=appraiser)
                    out.append(time.perf_counter() - t)
            for name, times in (("stored", stored), ("recomputed", recomputed)):
                if not times:
                    continue
                median, p95 = median_p95(times)
                print(f"| {substance} / {', '.join(conditions)} | {name} | {median:.3f} | {p95:.3f} |",
                      flush=True)


if __name__ == "__main__":
    main()
