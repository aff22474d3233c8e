"""Text-only study design on real trial reports: the 835 Evidence Inference 2.0 articles.

Every Evidence Inference article is a report of a randomised controlled trial (the data set was
built from such reports), so this measures how often the text cues alone (title and abstract,
no publication types or MeSH, as for Europe PMC records and preprints) call a real RCT an RCT.
A development check, not a held-out score: the rules were looked at against these reports.

    python benchmarks/design_trials.py [DIR]   # DIR defaults to ../shared/data/evidence-inference
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from scisays.appraise.design import classify_design
from scisays.model import Record, Section

SHARED = Path(__file__).resolve().parents[2] / "shared"
_SECTION = re.compile(r"ABSTRACT\.[A-Z &]+:\s*\n(.*?)(?=\n\s*\n[A-Z]|\Z)", re.S)


def title_and_abstract(text: str) -> tuple[str, str]:
    lines = [line.strip() for line in text.splitlines()]
    body = [line for line in lines if line]
    title = ""
    if body and body[0].startswith("TITLE:"):
        title = body[0][6:].strip() or (body[1] if len(body) > 1 else "")
    parts = _SECTION.findall(text)
    if parts:
        abstract = " ".join(" ".join(p.split()) for p in parts)
    else:  # no labelled abstract: the opening of the text stands in for it
        start = 2 if body and body[0].startswith("TITLE:") and not body[0][6:].strip() else 1
        abstract = " ".join(" ".join(body[start:]).split())[:2000]
    return title, abstract


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED / "data" / "evidence-inference"
    counts: Counter[str] = Counter()
    for path in sorted((directory / "txt_files").glob("PMC*.txt")):
        title, abstract = title_and_abstract(path.read_text(encoding="utf-8", errors="replace"))
        record = Record(title=title, sections=(Section(abstract),), local_id=path.stem)
        counts[classify_design(record).design.value] += 1
    n = sum(counts.values())
    calls = ", ".join(f"{k} {v}" for k, v in counts.most_common())
    print(f"{n} trial reports; text-only design calls: {calls}")
    print(f"called rct: {counts['rct'] / n:.1%}; called a trial (rct or non-randomised): "
          f"{(counts['rct'] + counts['non-randomized-trial']) / n:.1%}")


if __name__ == "__main__":
    main()
