"""Sentence roles of an unlabelled abstract by a trained model (pure; model shipped in the package).

Each sentence gets class probabilities from a logistic regression over its words and position
(``ml.features.role_features``); a Viterbi pass then prefers the usual order of an abstract
(background -> objective -> methods -> results -> conclusions) without forbidding exceptions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from .. import ml
from ..ml.features import role_features
from ..model import SentenceRole
from .sections import role_for_label, split_sentences

ROLE_CLASSES = ("BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS")
_RANK = {r: i for i, r in enumerate(ROLE_CLASSES)}
BACKWARD_PENALTY = 3.0  # log-odds cost of a sentence whose role comes before the previous one's
MODEL = "roles"


def role_training_examples(
    contexts: Sequence[str], labels: Sequence[str], conclusion: str
) -> Iterator[tuple[dict[str, float], str]]:
    """(features, role) for each sentence of a labelled abstract (PubMedQA layout)."""
    parts: list[tuple[str | None, str]] = []
    for text, label in zip(contexts, labels, strict=False):
        role = role_for_label(label)
        gold = role.value if role is not None and role.value in _RANK else None
        for s in split_sentences(text):
            parts.append((gold, s))
    for s in split_sentences(conclusion):
        parts.append(("CONCLUSIONS", s))
    n = len(parts)
    for i, (gold_role, s) in enumerate(parts):
        if gold_role is not None:
            yield role_features(s, i, n), gold_role


def viterbi(probs: Sequence[Sequence[float]], penalty: float = BACKWARD_PENALTY) -> list[int]:
    """Best class sequence given per-sentence class probabilities and the order prior."""
    k = len(ROLE_CLASSES)
    if not probs:
        return []
    logp = [[math.log(max(p, 1e-9)) for p in row] for row in probs]
    score = list(logp[0])
    back: list[list[int]] = []
    for row in logp[1:]:
        new, ptr = [], []
        for j in range(k):
            best_i, best = 0, -math.inf
            for i in range(k):
                s = score[i] - penalty if j < i else score[i]
                if s > best:
                    best_i, best = i, s
            new.append(best + row[j])
            ptr.append(best_i)
        score = new
        back.append(ptr)
    j = max(range(k), key=score.__getitem__)
    path = [j]
    for ptr in reversed(back):
        j = ptr[j]
        path.append(j)
    return path[::-1]


def predict_roles(sentences: Sequence[str]) -> list[tuple[SentenceRole, float]]:
    """Role and its probability for each sentence of one unlabelled abstract, in order."""
    model = ml.load(MODEL)
    n = len(sentences)
    probs = []
    for i, s in enumerate(sentences):
        p = model.predict_proba(role_features(s, i, n))
        probs.append([p[c] for c in ROLE_CLASSES])
    path = viterbi(probs)
    return [(SentenceRole(ROLE_CLASSES[j]), probs[i][j]) for i, j in enumerate(path)]
