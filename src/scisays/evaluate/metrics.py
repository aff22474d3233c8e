"""Classification scores: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def score(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Scores of ``pred`` against ``gold``; ``labels`` fixes the class order (default: sorted)."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    classes = list(labels) if labels is not None else sorted(set(gold) | set(pred))
    for extra in sorted((set(gold) | set(pred)) - set(classes)):
        classes.append(extra)
    idx = {c: i for i, c in enumerate(classes)}
    k = len(classes)
    confusion = [[0] * k for _ in range(k)]
    for g, p in zip(gold, pred, strict=True):
        confusion[idx[g]][idx[p]] += 1
    n = len(gold)
    correct = sum(confusion[i][i] for i in range(k))
    per_class = {}
    f1s = []
    for c, i in idx.items():
        tp = confusion[i][i]
        predicted = sum(confusion[r][i] for r in range(k))
        support = sum(confusion[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
        if support or predicted:
            f1s.append(f1)
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "per_class": per_class,
        "labels": classes,
        "confusion": confusion,
    }
