"""Appraisal throughput on one core and model load time.

Abstracts: the 500 real PubMedQA-L abstracts (contexts + conclusion) given WITHOUT their section
labels, so every one goes through the trained sentence-role model, plus the 9 kratom-dev records.
Full appraisal = ``scisays.appraise.appraise`` (roles, design, species, sample size, findings
for two conditions, safety), then the reasoning-free yes/no/maybe answer and the effect call on
the conclusion. Model load is timed in a fresh interpreter (cold import + load of every model).

    python benchmarks/appraise_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scisays.appraise import appraise
from scisays.appraise.effect import classify_effect
from scisays.appraise.qa import answer
from scisays.corpus.jsonl import object_to_record
from scisays.model import Record, Section
from scisays.question import build_question

SHARED = Path(__file__).resolve().parents[2] / "shared"

LOAD = (
    "import time; t=time.perf_counter(); from scisays import ml; "
    "[ml.load(n) for n in ('roles','pubmedqa-rf','pubmedqa-rr','effect','evidence-finder')]; "
    "print(time.perf_counter()-t)"
)


def records() -> list[Record]:
    data = json.loads((SHARED / "data" / "pubmedqa" / "train_dev.json").read_text())
    out = [
        Record(title=v["QUESTION"], sections=(Section(" ".join([*v["CONTEXTS"], v["LONG_ANSWER"]])),),
               local_id=k)
        for k, v in data.items()
    ]
    with (SHARED / "data" / "kratom-dev" / "records.jsonl").open() as f:
        out += [object_to_record(json.loads(line), "kratom-dev") for line in f if line.strip()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    loads = [float(subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(3)]
    print(f"model load (cold, all 5 models): median {statistics.median(loads):.2f} s")
    recs = records()
    q = build_question("kratom", ["anxiety", "depression"])
    appraise(recs[0], q)  # warm
    rates = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for r in recs:
            a = appraise(r, q)
            conclusion = " ".join(e.text for e in a.conclusion)
            answer(r.title, conclusion)
            classify_effect("kratom", "placebo", "anxiety", conclusion)
        rates.append(len(recs) / (time.perf_counter() - t0))
    print(f"full appraisal: {len(recs)} abstracts, median {statistics.median(rates):.0f} abstracts/s "
          f"(runs: {', '.join(f'{x:.0f}' for x in rates)}) on one core")


if __name__ == "__main__":
    main()
