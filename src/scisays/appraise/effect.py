"""Effect of an intervention versus a comparator on an outcome (Evidence Inference style).

``classify_effect`` reads one evidence text (the 'oracle' setting); ``infer_effect`` first
finds the evidence in a whole article: candidate sentences are pre-scored by how much of the
outcome, intervention and comparator they name and whether they report statistics, a trained
evidence finder re-ranks them, and the effect model classifies the best ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import ml
from ..ml.features import effect_features, stat_features, tokens
from .sections import split_sentences

LABELS = ("significantly decreased", "no significant difference", "significantly increased")
MAX_CHARS = 400_000
_STOP = frozenset(  # the evidence finder was trained with exactly these
    "a an the of in on at to for and or with by from as is was were be vs versus group groups".split()
)
_HEADING = re.compile(r"^[A-Z][A-Z .&/-]{2,80}:\s*$")


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    section: str
    prescore: float
    features: dict[str, float]


@dataclass(frozen=True, slots=True)
class EffectCall:
    label: str
    confidence: float
    evidence: str  # the sentence(s) it was read from
    reason: str = ""


def _words(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in _STOP and t != "<num>" and len(t) > 1}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def article_sentences(text: str) -> list[tuple[str, str]]:
    """(section heading, sentence) for every sentence of an article's plain text."""
    out: list[tuple[str, str]] = []
    section = ""
    for block in text[:MAX_CHARS].split("\n"):
        block = block.strip()
        if not block:
            continue
        if _HEADING.match(block) or block.startswith(("TITLE:", "ABSTRACT.")):
            section = block.split(":")[0].split(".")[-1].lower()[:30]
            rest = block.split(":", 1)[1].strip() if ":" in block else ""
            if not rest:
                continue
            block = rest
        for s in split_sentences(block):
            if len(s) > 1000:
                s = s[:1000]
            out.append((section, s))
    return out


def candidate_features(
    sentence: str, section: str, i_words: set[str], c_words: set[str], o_words: set[str]
) -> tuple[float, dict[str, float]]:
    words = _words(sentence)
    o, i, c = _overlap(o_words, words), _overlap(i_words, words), _overlap(c_words, words)
    stats = dict(stat_features(sentence))
    f: dict[str, float] = {"o": o, "i": i, "c": c, "oi": o * i, "o2": o * o}
    f.update(stats)
    if o == 1.0:
        f["o:all"] = 1.0
    if not o:
        f["o:none"] = 1.0
    f["sec:" + (section or "none")] = 1.0
    if re.search(r"\bsignifican", sentence, re.IGNORECASE):
        f["significan"] = 1.0
    if re.search(r"\b(?:compared|versus|vs\.?|than|between)\b", sentence, re.IGNORECASE):
        f["compare"] = 1.0
    f[f"len:{min(len(sentence) // 80, 5)}"] = 1.0
    prescore = 2 * o + i + 0.5 * c + (0.5 if stats else 0.0)
    return prescore, f


def evidence_candidates(
    text: str, intervention: str, comparator: str, outcome: str, limit: int = 30
) -> list[Candidate]:
    """The ``limit`` article sentences most likely to report the outcome, best first."""
    i_words, c_words, o_words = _words(intervention), _words(comparator), _words(outcome)
    scored = []
    for section, s in article_sentences(text):
        pre, feats = candidate_features(s, section, i_words, c_words, o_words)
        if pre > 0:
            scored.append(Candidate(s, section, pre, feats))
    scored.sort(key=lambda c: -c.prescore)
    return scored[:limit]


def classify_effect(intervention: str, comparator: str, outcome: str, evidence: str) -> EffectCall:
    """The effect stated by ``evidence`` (oracle setting)."""
    evidence = evidence[:MAX_CHARS]
    if len(evidence.split()) < 2:
        return EffectCall(LABELS[1], 0.34, evidence, reason="no evidence text to read")
    label, p = ml.load("effect").predict(effect_features(intervention, comparator, outcome, evidence))
    return EffectCall(label, round(p, 4), evidence)


TOP_CANDIDATES = 3  # sentences whose effect calls are pooled (chosen on the validation split)


def infer_effect(
    intervention: str, comparator: str, outcome: str, article: str, top: int = TOP_CANDIDATES
) -> EffectCall:
    """Find the evidence for the prompt in ``article`` and classify it (pipeline setting).

    The ``top`` sentences the evidence finder ranks highest each get an effect call; the calls
    are pooled, weighted by the finder's probability that the sentence is the evidence. The
    answer quotes the highest-ranked sentence that supports the pooled label.
    """
    cands = evidence_candidates(article, intervention, comparator, outcome)
    if not cands:
        return EffectCall(LABELS[1], 0.34, "", reason="no sentence names the outcome or the treatments")
    finder = ml.load("evidence-finder")
    effect = ml.load("effect")
    ranked = sorted(((finder.predict_proba(c.features)["evidence"], c) for c in cands), key=lambda t: -t[0])
    pooled = dict.fromkeys(LABELS, 0.0)
    calls = []
    for weight, cand in ranked[:top]:
        p = effect.predict_proba(effect_features(intervention, comparator, outcome, cand.text))
        calls.append((p, cand))
        for label in LABELS:
            pooled[label] += weight * p[label]
    label = max(pooled, key=pooled.__getitem__)
    total = sum(pooled.values())
    confidence = pooled[label] / total if total else 0.34
    quote = next((c.text for p, c in calls if max(p, key=p.__getitem__) == label), calls[0][1].text)
    reason = "" if ranked[0][0] >= 0.2 else "no sentence looks much like the evidence for this outcome"
    return EffectCall(label, round(confidence, 4), quote, reason)
