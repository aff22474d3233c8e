"""Readers for the public benchmark data sets, each in its ORIGINAL published format.

- PubMedQA-L: one JSON object keyed by PMID (``ori_pqal.json`` / ``test_set.json`` layout).
- Evidence Inference 2.0: a directory with ``prompts.csv``, ``annotations.csv`` and ``txt_files/``.
- Study design: JSON Lines records with an abstract, publication types and a gold ``design``.

A file in the wrong format gets one sentence naming the format expected (InputFileError).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus.jsonl import object_to_record
from ..errors import InputFileError
from ..model import Design, Record

PUBMEDQA_FORMAT = (
    "a PubMedQA-L JSON file: one object keyed by PMID whose values have QUESTION, CONTEXTS, "
    "LABELS, LONG_ANSWER and final_decision (yes/no/maybe), like ori_pqal.json"
)
EVIDENCE_INFERENCE_FORMAT = (
    "an Evidence Inference 2.0 directory holding prompts.csv (PromptID, PMCID, Outcome, "
    "Intervention, Comparator), annotations.csv (PromptID, Label Code, Annotations, ...) and "
    "txt_files/PMC<PMCID>.txt"
)
STUDY_DESIGN_FORMAT = (
    "a JSON Lines file with one record per line: title/abstract, publication_types and a gold "
    "'design' (one of " + ", ".join(d.value for d in Design) + ")"
)

EFFECT_LABELS = ("significantly decreased", "no significant difference", "significantly increased")
_CODE_LABEL = {"-1": EFFECT_LABELS[0], "0": EFFECT_LABELS[1], "1": EFFECT_LABELS[2]}


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    contexts: tuple[str, ...]
    labels: tuple[str, ...]
    long_answer: str
    decision: str


@dataclass(frozen=True)
class EffectPrompt:
    prompt_id: str
    pmcid: str
    intervention: str
    comparator: str
    outcome: str
    label: str  # majority label of the annotations
    evidence: tuple[str, ...]  # the annotators' evidence spans (distinct, in order)
    article: Path
    span_labels: tuple[tuple[str, str], ...] = ()  # (span, that annotator's label), distinct


@dataclass(frozen=True)
class DesignItem:
    record: Record
    design: Design


def _bad(path: Path, expected: str, detail: str = "") -> InputFileError:
    extra = f" ({detail})" if detail else ""
    return InputFileError(f"{path} is not {expected}{extra}; give a file in that format.")


def load_gold(path: Path) -> dict[str, str]:
    """A ground-truth file as the PubMedQA repository writes it: {"PMID": "yes", ...}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputFileError(
            f"{path} is not a readable ground-truth JSON file; give one like test_ground_truth.json "
            '({"PMID": "yes", ...}).'
        ) from e
    if not isinstance(data, dict) or not all(v in ("yes", "no", "maybe") for v in data.values()):
        raise InputFileError(
            f'{path} is not a ground-truth file; expected {{"PMID": "yes" | "no" | "maybe", ...}}.'
        )
    return {str(k): str(v) for k, v in data.items()}


def load_pubmedqa(path: Path, gold: dict[str, str] | None = None) -> list[QAItem]:
    """Read a PubMedQA-L file; items in file order. ``gold`` overrides/supplies final_decision."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputFileError(f"{path} does not exist; give the path of a PubMedQA-L JSON file.") from e
    except IsADirectoryError as e:
        raise _bad(path, PUBMEDQA_FORMAT, "it is a directory") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(path, PUBMEDQA_FORMAT, "it is not valid JSON") from e
    if not isinstance(data, dict) or not data:
        raise _bad(path, PUBMEDQA_FORMAT, "the top level is not a non-empty JSON object")
    items = []
    for pmid, v in data.items():
        if not isinstance(v, dict) or not isinstance(v.get("QUESTION"), str):
            raise _bad(path, PUBMEDQA_FORMAT, f"item {pmid!r} has no QUESTION")
        ctx = v.get("CONTEXTS")
        if not isinstance(ctx, list) or not all(isinstance(c, str) for c in ctx):
            raise _bad(path, PUBMEDQA_FORMAT, f"item {pmid!r} has no CONTEXTS list")
        labels = v.get("LABELS") or [""] * len(ctx)
        decision = gold.get(str(pmid)) if gold is not None else v.get("final_decision")
        if decision not in ("yes", "no", "maybe"):
            if gold is not None:
                raise InputFileError(f"The ground-truth file has no yes/no/maybe label for item {pmid!r}.")
            raise _bad(path, PUBMEDQA_FORMAT, f"item {pmid!r} has no final_decision yes/no/maybe")
        items.append(
            QAItem(
                id=str(pmid),
                question=v["QUESTION"],
                contexts=tuple(ctx),
                labels=tuple(str(x) for x in labels),
                long_answer=str(v.get("LONG_ANSWER") or ""),
                decision=decision,
            )
        )
    return items


def read_csv(path: Path, required: tuple[str, ...], expected: str,
             encoding: str = "utf-8") -> list[dict[str, str]]:
    """The rows of a CSV file that must have the ``required`` columns; InputFileError (one
    sentence saying what was ``expected``) when it is missing, a folder, unreadable or lacks one."""
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            fields = reader.fieldnames or []
    except FileNotFoundError as e:
        raise InputFileError(f"{path} is missing; expected {expected}.") from e
    except IsADirectoryError as e:
        raise InputFileError(f"{path} is a folder; expected {expected}.") from e
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputFileError(f"{path} is not a readable CSV file; expected {expected}.") from e
    missing = [c for c in required if c not in fields]
    if missing:
        raise InputFileError(f"{path} lacks the column(s) {', '.join(missing)}; expected {expected}.")
    return rows


def majority_label(codes: list[tuple[str, bool]]) -> str:
    """The majority label code of a prompt's annotations (valid ones when there are any).

    Ties go to the label first given, as annotators are listed in the file's order.
    """
    valid = [c for c, ok in codes if ok] or [c for c, _ in codes]
    return Counter(valid).most_common(1)[0][0]


def load_evidence_inference(directory: Path) -> list[EffectPrompt]:
    """Read an Evidence Inference 2.0 directory; one item per prompt that has annotations."""
    if not directory.is_dir():
        raise _bad(directory, EVIDENCE_INFERENCE_FORMAT, "it is not a directory")
    prompts = read_csv(
        directory / "prompts.csv",
        ("PromptID", "PMCID", "Outcome", "Intervention", "Comparator"),
        EVIDENCE_INFERENCE_FORMAT,
    )
    annotations = read_csv(
        directory / "annotations.csv", ("PromptID", "Label Code"), EVIDENCE_INFERENCE_FORMAT
    )
    codes: dict[str, list[tuple[str, bool]]] = {}
    spans: dict[str, list[str]] = {}
    span_labels: dict[str, list[tuple[str, str]]] = {}
    for a in annotations:
        code = a["Label Code"].strip()
        if code not in _CODE_LABEL:
            raise InputFileError(
                f"{directory / 'annotations.csv'}: Label Code {code!r} is not -1, 0 or 1; "
                f"expected {EVIDENCE_INFERENCE_FORMAT}."
            )
        pid = a["PromptID"].strip()
        codes.setdefault(pid, []).append((code, a.get("Valid Label", "True").strip() != "False"))
        ev = " ".join((a.get("Annotations") or "").split())
        if ev and ev not in spans.setdefault(pid, []):
            spans[pid].append(ev)
        if ev and (ev, _CODE_LABEL[code]) not in span_labels.setdefault(pid, []):
            span_labels[pid].append((ev, _CODE_LABEL[code]))
    txt = directory / "txt_files"
    out = []
    for p in prompts:
        pid = p["PromptID"].strip()
        if pid not in codes:
            continue
        pmcid = p["PMCID"].strip()
        out.append(
            EffectPrompt(
                prompt_id=pid,
                pmcid=pmcid,
                intervention=p["Intervention"].strip(),
                comparator=p["Comparator"].strip(),
                outcome=p["Outcome"].strip(),
                label=_CODE_LABEL[majority_label(codes[pid])],
                evidence=tuple(spans.get(pid, ())),
                article=txt / f"PMC{pmcid}.txt",
                span_labels=tuple(span_labels.get(pid, ())),
            )
        )
    if not out:
        raise _bad(directory, EVIDENCE_INFERENCE_FORMAT, "no prompt has an annotation")
    return out


def read_article(item: EffectPrompt) -> str:
    try:
        return item.article.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError as e:
        raise InputFileError(
            f"{item.article} is missing (prompt {item.prompt_id}); expected {EVIDENCE_INFERENCE_FORMAT}."
        ) from e


def load_study_design(path: Path) -> list[DesignItem]:
    """Read JSON Lines records with a gold ``design`` field."""
    valid = {d.value for d in Design}
    items = []
    try:
        f = path.open(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputFileError(f"{path} does not exist; give {STUDY_DESIGN_FORMAT}.") from e
    except IsADirectoryError as e:
        raise _bad(path, STUDY_DESIGN_FORMAT, "it is a directory") from e
    with f:
        try:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path}, line {n}"
                try:
                    obj: Any = json.loads(line)
                except json.JSONDecodeError as e:
                    raise _bad(path, STUDY_DESIGN_FORMAT, f"line {n} is not JSON") from e
                if not isinstance(obj, dict) or obj.get("design") not in valid:
                    raise _bad(path, STUDY_DESIGN_FORMAT, f"line {n} has no valid 'design'")
                items.append(DesignItem(object_to_record(obj, where, "eval"), Design(obj["design"])))
        except UnicodeDecodeError as e:
            raise _bad(path, STUDY_DESIGN_FORMAT, "it is not UTF-8 text") from e
    if not items:
        raise _bad(path, STUDY_DESIGN_FORMAT, "it has no records")
    return items
