"""Answer a yes/no question about a study from its text (PubMedQA-style), with the sentences.

Two settings, as real abstracts come: from the conclusion (reasoning-free) or, when there is
none, from the rest of the abstract, mostly its results (reasoning-required). The models are
logistic regressions shipped in the package; probabilities are temperature-calibrated by
cross-validation, and very short or empty text is answered 'maybe' with low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import ml
from ..ml.features import answer_features
from .sections import role_for_label, split_sentences

_ASCII_LETTERS = re.compile(r"[A-Za-z]")
MAX_CHARS = 20_000  # longer text is cut (an abstract is ~2,000 characters)
ANSWERS = ("yes", "no", "maybe")


@dataclass(frozen=True, slots=True)
class Answer:
    label: str  # yes / no / maybe
    confidence: float
    sentences: tuple[str, ...]  # the sentences the answer was read from
    reason: str = ""  # set when the answer rests on too little text


RR_SENTENCES = 3  # chosen by 10-fold cross-validation on PubMedQA-L train_dev (1, 2, 3, all)


def rr_text(contexts: Sequence[str], labels: Sequence[str]) -> str:
    """The text read in the reasoning-required setting: the closing sentences of the results.

    The last results sentences carry the main comparison; earlier ones (and methods) mostly
    add noise for a bag-of-words model. Without labelled results, the whole context is used.
    """
    results = [
        c
        for c, label in zip(contexts, labels, strict=False)
        if (r := role_for_label(label)) is not None and r.value == "RESULTS"
    ]
    sentences = split_sentences(" ".join(results or contexts))
    return " ".join(sentences[-RR_SENTENCES:])


def answer(question: str, text: str, *, setting: str = "reasoning-free") -> Answer:
    """Answer ``question`` from ``text`` (a conclusion, or results when ``reasoning-required``)."""
    if setting not in ("reasoning-free", "reasoning-required"):
        raise ValueError(f"unknown setting {setting!r}")
    text = text[:MAX_CHARS]
    sentences = tuple(split_sentences(text))
    if setting == "reasoning-required":  # the model reads the closing results sentences
        sentences = sentences[-RR_SENTENCES:]
        text = " ".join(sentences)
    words = sum(len(s.split()) for s in sentences)
    if words < 3:
        return Answer("maybe", 0.34, sentences, reason="too little text to answer from")
    model = ml.load("pubmedqa-rf" if setting == "reasoning-free" else "pubmedqa-rr")
    label, p = model.predict(answer_features(question, text))
    reason = ""
    letters = len(_ASCII_LETTERS.findall(text))
    if letters < 0.5 * len(text.replace(" ", "")):
        p, reason = min(p, 0.4), "the text is mostly not English words"
    return Answer(label, round(p, 4), sentences, reason)
