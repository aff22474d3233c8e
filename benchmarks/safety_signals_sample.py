"""Draw a random sample of safety signals for hand-checking their precision.

Every corpus of ``shared/data/verdicts`` (drug-class corpora, kratom-dev and the Cochrane
reviews) is appraised; every (study, topic, sentence) safety mention that counts as a harm is
pooled, and a seeded random sample is written as JSON Lines for a person to judge: is the
sentence a harm of the substance for that topic? Usage:

    python benchmarks/safety_signals_sample.py [--n 120] [--seed 11] > sample.jsonl
    python benchmarks/safety_signals_sample.py --serious > serious.jsonl   # every serious signal
    python benchmarks/safety_signals_sample.py --score judged.jsonl   # precision of a judged sample

A judged line carries ``"correct": true|false`` (and optionally ``"note"``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from scisays.appraise.safety import find_safety
from scisays.appraise.sections import assign_roles
from scisays.corpus.jsonl import object_to_record
from scisays.model import SafetyTopic

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HARMS = [t for t in SafetyTopic if t is not SafetyTopic.TOLERABILITY]
SERIOUS = {"dependence", "withdrawal", "liver", "overdose-death", "seizure"}


def records() -> list[tuple[str, dict]]:
    out = []
    paths = [*sorted((DATA / "verdicts" / "corpora").glob("*.jsonl")), DATA / "kratom-dev" / "records.jsonl"]
    for path in paths:
        out += [(path.stem, json.loads(line)) for line in path.open() if line.strip()]
    for line in (DATA / "verdicts" / "cases.jsonl").open():
        case = json.loads(line)
        out += [("cochrane", r) for r in case.get("records") or ()]
    return out


def signals() -> list[dict]:
    pool = []
    for corpus, obj in records():
        rec = object_to_record(obj, corpus)
        for m in find_safety(rec.title, assign_roles(rec)):
            if m.topic in HARMS:
                pool.append({"corpus": corpus, "record": rec.citation, "topic": m.topic.value,
                             "sentence": m.evidence.text})
    return pool


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--score", type=Path)
    ap.add_argument("--serious", action="store_true",
                    help="every signal of a serious topic (the ones the safety rating rests on)")
    args = ap.parse_args()
    if args.score:
        judged = [json.loads(line) for line in args.score.open() if line.strip()]
        ok = sum(bool(j["correct"]) for j in judged)
        by_topic: dict[str, list[int]] = {}
        for j in judged:
            by_topic.setdefault(j["topic"], [0, 0])
            by_topic[j["topic"]][0] += bool(j["correct"])
            by_topic[j["topic"]][1] += 1
        print(f"precision {ok}/{len(judged)} = {ok / len(judged):.1%}")
        for t, (c, n) in sorted(by_topic.items()):
            print(f"  {t}: {c}/{n}")
        return
    pool = signals()
    if args.serious:
        chosen = [s for s in pool if s["topic"] in SERIOUS]
        print(f"{len(pool)} harm signals in all; {len(chosen)} serious", file=sys.stderr)
        sys.stdout.writelines(json.dumps(s) + "\n" for s in chosen)
        return
    print(f"{len(pool)} harm signals in all; sampling {args.n}", file=sys.stderr)
    for s in random.Random(args.seed).sample(pool, min(args.n, len(pool))):
        sys.stdout.write(json.dumps(s) + "\n")


if __name__ == "__main__":
    main()
