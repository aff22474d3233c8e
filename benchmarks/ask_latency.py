"""`ask` latency on a large corpus (default 1,000,000 records), warm.

Builds (or reuses, with --db) a corpus of N records: JSON Lines made from the sentences of the
real kratom-dev abstracts and the real PubMed samples, shuffled into new abstracts with fresh ids
so the FTS index is not degenerate; the 9 real kratom records are repeated 50 times each with
fresh ids (450 kratom hits). Then times `ask` (the pipeline function, as the CLI calls it) after
one warm-up run: median and p95 over --runs runs, per question.

    python benchmarks/ask_latency.py [--records 1000000] [--db PATH] [--runs 10] [--appraise]

With --appraise, the table is printed twice: before, then after ``corpus appraise`` stored the
question-independent appraisal of every record (the time that takes is printed too).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from lxml import etree

from scisays.appraise.sections import split_sentences
from scisays.corpus import Corpus, ingest_file
from scisays.corpus.appraise import appraise_corpus
from scisays.pipeline import ask

SHARED = Path(__file__).resolve().parents[2] / "shared"
QUESTIONS = (("kratom", ("anxiety", "depression")), ("vitamin D", ("depression",)),
             ("asthma", ("budesonide",)))


def sentence_pool() -> list[str]:
    pool: list[str] = []
    for p in sorted((SHARED / "fixtures" / "pubmed").glob("pubmed*.xml")):
        for at in etree.parse(str(p)).getroot().iter("AbstractText"):
            pool.extend(split_sentences("".join(at.itertext())))
    for line in (SHARED / "data" / "kratom-dev" / "records.jsonl").open():
        # Kratom sentences only inside the repeated real records below, not the filler.
        pool.extend(s for s in split_sentences(json.loads(line)["abstract"])
                    if "kratom" not in s.lower() and "mitragyn" not in s.lower())
    return pool


def build(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    pool = sentence_pool()
    vocab = sorted({w for s in pool for w in s.split() if w.isalpha() and len(w) > 3})
    real = [json.loads(line) for line in (SHARED / "data" / "kratom-dev" / "records.jsonl").open()]
    types = (["Journal Article"], ["Journal Article", "Randomized Controlled Trial"],
             ["Journal Article", "Review"], ["Case Reports"], ["Journal Article", "Observational Study"])
    with path.open("w") as out:
        for i in range(n):
            if i % 2000 < 9 and i // 2000 < 50:
                rec = dict(real[i % 2000])
                rec["id"] = f"kr{i}"
                rec["doi"] = None
            else:
                words = rng.sample(vocab, 8)
                rec = {
                    "pmid": str(50_000_000 + i),
                    "title": " ".join(words).capitalize(),
                    "abstract": " ".join(rng.sample(pool, 6)),
                    "year": rng.randint(1970, 2025),
                    "publication_types": rng.choice(types),
                    "mesh_headings": ["Humans"] if rng.random() < 0.7 else ["Animals", "Mice"],
                }
            out.write(json.dumps(rec) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--appraise", action="store_true", help="Also time ask after `corpus appraise`.")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scisays-ask-"))
    db = args.db or work / "corpus.sqlite"
    if not db.exists():
        src = work / "records.jsonl"
        t = time.perf_counter()
        build(src, args.records)
        print(f"generated {args.records:,} records in {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        with Corpus.open(db, create=True) as c:
            ingest_file(c, src)
        print(f"ingested in {time.perf_counter() - t:.0f} s", flush=True)
        src.unlink()
    with Corpus.open(db) as c:
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1e9
        print(f"corpus {db}: {c.count():,} records, {size:.2f} GB\n")
        table(c, args.runs)
        if args.appraise:
            t = time.perf_counter()
            r = appraise_corpus(c)
            print(f"\ncorpus appraise: {r.appraised:,} records in {time.perf_counter() - t:.0f} s "
                  f"({r.already:,} already current)\n", flush=True)
            table(c, args.runs)


def table(c: Corpus, runs: int) -> None:
    print("| question | studies read | median s | p95 s |")
    print("|---|---:|---:|---:|")
    for substance, conditions in QUESTIONS:
        report = ask(c, substance, conditions)  # warm-up
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            ask(c, substance, conditions)
            times.append(time.perf_counter() - t)
        median, p95 = median_p95(times)
        print(f"| {substance} / {', '.join(conditions)} | {len(report.studies)} "
              f"| {median:.3f} | {p95:.3f} |", flush=True)


def median_p95(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) of the timings."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

if __name__ == "__main__":
    main()
