"""Benchmarks of the audit, read from their original formats: a web page's stance on a treatment
question (TREC 2019 Health Misinformation pages, as golden-gaze lays them out) and a passage's
stance on a health claim (HealthVer's CSV; Check-COVID's JSON Lines with its corpus.json)."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from . import _finish
from .datasets import read_csv
from .metrics import score

Progress = Callable[[int, int], None] | None
CLAIM_LABELS = ("Supports", "Refutes", "Neutral")
_CHECK_COVID = {"SUPPORT": "Supports", "REFUTE": "Refutes", "NOTENOUGHINFO": "Neutral"}


def _csv(path: Path, required: tuple[str, ...], expected: str) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)  # whole web pages in one field
    rows = read_csv(path, required, expected, encoding="utf-8-sig")
    if not rows:
        raise InputFileError(f"{path} has no rows; expected {expected}.")
    return rows


def eval_article_stance(path: Path, progress: Progress = None) -> dict[str, Any]:
    """Accuracy of each page's stance (1 helps / 0 does not) on its question's treatment."""
    from ..audit.stance import page_stance, parse_topic

    expected = "a CSV with columns query, description, text, stance (like trec2019_webpages.csv)"
    rows = _csv(path, ("query", "description", "text", "stance"), expected)
    started = time.perf_counter()
    gold, pred = [], []
    for i, row in enumerate(rows, 2):
        if row["stance"].strip() not in ("0", "1"):
            raise InputFileError(f"{path}, line {i}: stance is {row['stance']!r}; expected 0 or 1.")
        gold.append(row["stance"].strip())
        p, _ = page_stance(row["text"], parse_topic(row["description"], row["query"]))
        pred.append(str(p))
        if progress:
            progress(len(gold), len(rows))
    return _finish(score(gold, pred, ["1", "0"]), "article-stance", started, {"method": "rules"})


def _check_covid(path: Path) -> list[tuple[str, str, str]]:
    corpus_file = next((p / "corpus.json" for p in (path.parent, path.parent.parent)
                        if (p / "corpus.json").is_file()), None)
    if corpus_file is None:
        raise InputFileError(f"No corpus.json beside {path} or in its parent folder; Check-COVID claims "
                             "need the corpus of abstracts they cite.")
    abstracts: dict[str, list[str]] = {}
    for n, line in enumerate(corpus_file.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                doc = json.loads(line)
                abstracts[str(doc["cord_id"])] = [str(s) for s in doc["abstract"]]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputFileError(f"{corpus_file}, line {n}: expected a JSON object with cord_id and "
                                     "abstract (a list of sentences).") from None
    items = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            sents = abstracts[str(obj["cord_id"])]
            evidence = " ".join(sents[e["sent_index"]] for e in obj["evidence_set"]
                                if 0 <= e["sent_index"] < len(sents))
            items.append((str(obj["claim"]), evidence, _CHECK_COVID[obj["label"]]))
        except (json.JSONDecodeError, KeyError, TypeError, IndexError):
            raise InputFileError(f"{path}, line {n}: expected a Check-COVID claim (claim, cord_id, label "
                                 "SUPPORT/REFUTE/NOTENOUGHINFO, evidence_set) whose cord_id is in "
                                 f"{corpus_file.name}.") from None
    if not items:
        raise InputFileError(f"{path} has no claims; expected Check-COVID JSON Lines.")
    return items


def load_claim_evidence(path: Path) -> list[tuple[str, str, str]]:
    """(claim, evidence, label) from HealthVer's CSV or Check-COVID's JSON Lines."""
    if not path.exists():
        raise InputFileError(f"{path} is missing; expected HealthVer's CSV (claim, evidence, label) "
                             "or Check-COVID's JSON Lines.")
    if path.suffix.lower() in (".json", ".jsonl"):
        return _check_covid(path)
    rows = _csv(path, ("claim", "evidence", "label"),
                "HealthVer's CSV layout: claim, evidence, label (Supports/Refutes/Neutral)")
    out = []
    for i, row in enumerate(rows, 2):
        label = row["label"].strip()
        if label not in CLAIM_LABELS:
            raise InputFileError(f"{path}, line {i}: label is {label!r}; expected Supports, Refutes "
                                 "or Neutral.")
        out.append((row["claim"], row["evidence"], label))
    return out


def eval_claim_evidence(path: Path, progress: Progress = None) -> dict[str, Any]:
    """Macro-F1 of the evidence's stance on each claim (trained model; see docs/audit.md)."""
    from .. import ml
    from ..audit.stance import evidence_stance_model

    items = load_claim_evidence(path)
    started = time.perf_counter()
    gold, pred = [], []
    for claim, evidence, label in items:
        gold.append(label)
        pred.append(evidence_stance_model(claim, evidence))
        if progress:
            progress(len(gold), len(items))
    meta = dict(ml.load("claim-evidence").meta or {})
    return _finish(score(gold, pred, list(CLAIM_LABELS)), "claim-evidence", started,
                   {"method": "linear model", "model": meta})
