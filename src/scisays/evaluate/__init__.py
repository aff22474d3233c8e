"""``scisays eval``: score scisays' appraisal on public benchmarks in their published formats.

Each ``eval_*`` function reads a data set, runs the shipped appraisal on every item and returns
one JSON-able dict with at least ``n``, ``accuracy`` and ``macro_f1`` at the top level, plus
per-class scores, the confusion matrix (rows gold, columns predicted) and throughput.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import ml
from ..appraise.design import classify_design
from ..appraise.effect import LABELS as EFFECT_LABELS
from ..appraise.effect import classify_effect, infer_effect
from ..appraise.qa import ANSWERS, answer, rr_text
from ..appraise.roles import ROLE_CLASSES, predict_roles
from ..appraise.sections import role_for_label, split_sentences
from ..errors import InputFileError
from ..model import Design
from .datasets import load_evidence_inference, load_gold, load_pubmedqa, load_study_design, read_article
from .metrics import score

__all__ = [
    "eval_evidence_inference",
    "eval_pubmedqa",
    "eval_sentence_roles",
    "eval_study_design",
]

Progress = Callable[[int, int], None] | None


def _finish(result: dict[str, Any], task: str, started: float, extra: dict[str, Any]) -> dict[str, Any]:
    seconds = time.perf_counter() - started
    return {
        "task": task,
        **extra,
        "n": result["n"],
        "accuracy": result["accuracy"],
        "macro_f1": result["macro_f1"],
        "per_class": result["per_class"],
        "labels": result["labels"],
        "confusion": result["confusion"],
        "seconds": round(seconds, 2),
        "items_per_second": round(result["n"] / seconds, 1) if seconds else None,
    }


def _model_info(*names: str) -> dict[str, Any]:
    return {n: dict(ml.load(n).meta or {}) for n in names}


def eval_pubmedqa(
    path: Path, setting: str = "reasoning-free", progress: Progress = None, gold_file: Path | None = None
) -> dict[str, Any]:
    """PubMedQA-L: QUESTION + LONG_ANSWER (reasoning-free) or + CONTEXTS (reasoning-required).

    Labels are each item's final_decision, or come from ``gold_file`` (test_ground_truth.json layout).
    """
    items = load_pubmedqa(path, load_gold(gold_file) if gold_file is not None else None)
    started = time.perf_counter()
    gold, pred = [], []
    for k, item in enumerate(items):
        text = item.long_answer if setting == "reasoning-free" else rr_text(item.contexts, item.labels)
        pred.append(answer(item.question, text, setting=setting).label)
        gold.append(item.decision)
        if progress:
            progress(k + 1, len(items))
    model = "pubmedqa-rf" if setting == "reasoning-free" else "pubmedqa-rr"
    return _finish(
        score(gold, pred, ANSWERS),
        "pubmedqa",
        started,
        {"setting": setting, "file": str(path), "model": _model_info(model)},
    )


def eval_evidence_inference(
    directory: Path, oracle: bool = False, progress: Progress = None, only_ids: Path | None = None
) -> dict[str, Any]:
    """Evidence Inference 2.0: every prompt against the majority label of its annotations.

    ``only_ids``: a file of PMCIDs (like validation_article_ids.txt) to score only those articles.
    """
    items = load_evidence_inference(directory)
    if only_ids is not None:
        try:
            keep = set(only_ids.read_text(encoding="utf-8").split())
        except (OSError, UnicodeDecodeError) as e:
            raise InputFileError(
                f"{only_ids} is not a readable list of PMCIDs; give a text file, one per line."
            ) from e
        items = [i for i in items if i.pmcid in keep]
        if not items:
            raise InputFileError(f"No prompt in {directory} belongs to an article listed in {only_ids}.")
    started = time.perf_counter()
    gold, pred = [], []
    articles: dict[str, str] = {}
    for k, item in enumerate(items):
        if oracle:
            calls = [
                classify_effect(item.intervention, item.comparator, item.outcome, ev) for ev in item.evidence
            ] or [classify_effect(item.intervention, item.comparator, item.outcome, "")]
            label = max(calls, key=lambda c: c.confidence).label
        else:
            if item.pmcid not in articles:
                articles.clear()
                articles[item.pmcid] = read_article(item)
            label = infer_effect(item.intervention, item.comparator, item.outcome, articles[item.pmcid]).label
        pred.append(label)
        gold.append(item.label)
        if progress:
            progress(k + 1, len(items))
    return _finish(
        score(gold, pred, EFFECT_LABELS),
        "evidence-inference",
        started,
        {
            "setting": "oracle" if oracle else "pipeline",
            "directory": str(directory),
            "articles": str(only_ids) if only_ids else "all",
            "model": _model_info("effect", "evidence-finder"),
        },
    )


def eval_study_design(path: Path, text_only: bool = False, progress: Progress = None) -> dict[str, Any]:
    """Study design from publication types, MeSH and text (``text_only``: title and abstract only)."""
    items = load_study_design(path)
    started = time.perf_counter()
    gold, pred = [], []
    for k, item in enumerate(items):
        record = item.record
        if text_only:
            record = dataclasses.replace(record, publication_types=(), mesh_headings=(), keywords=())
        pred.append(classify_design(record).design.value)
        gold.append(item.design.value)
        if progress:
            progress(k + 1, len(items))
    return _finish(
        score(gold, pred, [d.value for d in Design]),
        "study-design",
        started,
        {"setting": "text-only" if text_only else "all-fields", "file": str(path)},
    )


def _role_items(path: Path) -> list[tuple[list[str], list[str | None]]]:
    """(sentences, gold roles or None) per abstract, from PubMedQA JSON or PubMed XML."""
    head = path.read_bytes()[:64] if path.is_file() else b""
    if not path.is_file():
        raise InputFileError(f"{path} is not a file; give a PubMedQA-L JSON file or a PubMed XML file.")
    out: list[tuple[list[str], list[str | None]]] = []
    if head.lstrip().startswith(b"{"):
        for item in load_pubmedqa(path):
            sents: list[str] = []
            roles: list[str | None] = []
            for text, label in zip(item.contexts, item.labels, strict=False):
                r = role_for_label(label)
                for s in split_sentences(text):
                    sents.append(s)
                    roles.append(r.value if r and r.value in ROLE_CLASSES else None)
            for s in split_sentences(item.long_answer):
                sents.append(s)
                roles.append("CONCLUSIONS")
            out.append((sents, roles))
        return out
    from ..corpus.ingest import iter_file  # local import: I/O module
    from ..model import Record

    items_iter, _raw, _fmt = iter_file(path)
    for record in items_iter:
        if not isinstance(record, Record) or not any(sec.label or sec.category for sec in record.sections):
            continue
        sents, roles = [], []
        for sec in record.sections:
            r = role_for_label(sec.label, sec.category)
            for s in split_sentences(sec.text):
                sents.append(s)
                roles.append(r.value if r and r.value in ROLE_CLASSES else None)
        out.append((sents, roles))
    return out


def eval_sentence_roles(path: Path, progress: Progress = None) -> dict[str, Any]:
    """Sentence roles of labelled abstracts with their labels hidden."""
    items = _role_items(path)
    if not items:
        raise InputFileError(
            f"{path} has no abstract with labelled sections; give a structured-abstract file."
        )
    started = time.perf_counter()
    gold, pred = [], []
    for k, (sents, roles) in enumerate(items):
        for (role, _p), g in zip(predict_roles(sents), roles, strict=True):
            if g is not None:
                gold.append(g)
                pred.append(role.value)
        if progress:
            progress(k + 1, len(items))
    result = _finish(
        score(gold, pred, ROLE_CLASSES),
        "sentence-roles",
        started,
        {"file": str(path), "abstracts": len(items), "model": _model_info("roles")},
    )
    return result
