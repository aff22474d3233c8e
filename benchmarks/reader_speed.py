"""``corpus appraise`` throughput per core with and without the learned reader, and the reader alone.

Corpus: the 2,409 real PubMed records of the drug-class corpora (shared/data/verdicts/corpora),
ingested into a fresh SQLite corpus, then appraised with one worker process (one core), first
with ``--reader rules`` (no reading stored), then, in a second fresh corpus, with the reader.

    python benchmarks/reader_speed.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from scisays.appraise.reader import default_reader
from scisays.appraise.reading import reader_sentences
from scisays.appraise.sections import assign_roles
from scisays.corpus import Corpus, ingest_file
from scisays.corpus.appraise import appraise_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPORA = sorted((SHARED / "data" / "verdicts" / "corpora").glob("*.jsonl"))


def appraise_rate(read: bool) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp, Corpus.open(Path(tmp) / "c.sqlite", create=True) as corpus:
        for f in CORPORA:
            ingest_file(corpus, f, parallel=False)
        started = time.perf_counter()
        n = appraise_corpus(corpus, workers=1, read=read).appraised
        return n, time.perf_counter() - started


def reader_rate() -> tuple[int, float]:
    from scisays.corpus.jsonl import iter_jsonl

    records = [r for f in CORPORA for r in iter_jsonl(f.open("rb"), f.name)]
    split = [(r.title, assign_roles(r)) for r in records]
    reader = default_reader()
    started = time.perf_counter()
    n = 0
    for title, sentences in split:
        if reader_sentences(sentences):
            reader(title, sentences)
            n += 1
    return n, time.perf_counter() - started


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    for name, fn in (("corpus appraise, rules only", lambda: appraise_rate(False)),
                     ("corpus appraise, with the reader", lambda: appraise_rate(True)),
                     ("the reader alone (records with an abstract)", reader_rate)):
        rates = []
        for _ in range(args.repeat):
            n, seconds = fn()
            rates.append(n / seconds)
        print(f"{name}: {n:,} records, median {statistics.median(rates):.1f} records/s on one core "
              f"(runs: {', '.join(f'{r:.1f}' for r in rates)})")


if __name__ == "__main__":
    main()
