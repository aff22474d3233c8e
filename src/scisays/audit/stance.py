"""Stance of a text on a treatment question, and of evidence on a claim (pure rules).

``page_stance``: does a web page say the treatment helps? Its sentences that name the treatment
(or the condition) are read with the same rules that read study conclusions
(appraise/finding.py): helps, does not help, uncertain, harms; the page leans to the side with
more weight. ``evidence_stance``: does a passage support, refute, or not speak to a claim? Both
directions are read and compared where the passage shares the claim's content words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..appraise.finding import read_sentence
from ..appraise.sections import split_sentences
from ..model import Direction

_QUESTION = re.compile(
    r"^(?:can|does|do|is|are|will|should|could)\s+(?:taking\s+|using\s+)?(?P<t>.+?)\s+(?:be used|be use|"
    r"help|prevent|treat|cure|improve|reduce|relieve|ease|alleviate|work|speed|shorten|lower|heal|stop|"
    r"an? (?:effective|safe|good|useful)|effective|beneficial|cause)\b(?P<rest>.*)$", re.IGNORECASE)
_DISCUSS = re.compile(r"\busing\s+(?P<t>.+?)\s+(?:for|to|in)\b(?P<rest>.*)$", re.IGNORECASE)
_LESS_OF = re.compile(r"\b(?:reduc|decreas|lower|prevent|alleviat|reliev|cure[sd]?\b|heal)\w*",
                      re.IGNORECASE)
_STOP = frozenset("the a an of for to in with and or be use used as can does do is are help helping "
                  "treatment treat effective find documents that discuss manage relieve".split())


@dataclass(frozen=True)
class Topic:
    treatment: tuple[str, ...]  # words or stems that name the treatment
    condition: tuple[str, ...]


def _stems(words: Sequence[str]) -> tuple[str, ...]:
    """Word stems long enough to name a thing: "benzos" ~ "benzodiazepines", "exercises" ~ "exercise"."""
    out = []
    for w in words:
        w = w.lower().strip("()?,.")
        if len(w) < 3 or w in _STOP:
            continue
        out.append(w[:5] if len(w) > 5 else w.rstrip("s") or w)
    return tuple(dict.fromkeys(out))


def parse_topic(description: str, query: str = "") -> Topic:
    """The treatment and condition of a question such as "Can magnesium prevent muscle cramps?"."""
    text = description.strip().rstrip("?.")
    m = _QUESTION.match(text) or _DISCUSS.search(text)
    if m:
        treatment = re.findall(r"[\w-]+", m.group("t"))
        condition = re.findall(r"[\w-]+", m.group("rest"))
    else:
        words = query.split()
        treatment, condition = words[:1], words[1:]
    t = _stems(treatment)
    c = tuple(x for x in _stems(condition + query.split()) if x not in t)
    return Topic(t, c)


def _mentions(sentence: str, stems: Sequence[str]) -> bool:
    low = sentence.lower()
    return any(re.search(r"\b" + re.escape(s), low) for s in stems)


def page_stance(text: str, topic: Topic) -> tuple[int, dict[str, float]]:
    """1 if the page says the treatment helps, 0 if it says it does not; with the weights read."""
    weights = {"helps": 0.0, "does not help": 0.0}
    for line in text.splitlines():
        if len(line.split()) < 6:  # navigation, headings, boilerplate
            continue
        for s in split_sentences(line):
            treat = _mentions(s, topic.treatment)
            cond = _mentions(s, topic.condition)
            if not (treat or cond):
                continue
            d = read_sentence(s)
            if d is None and treat and cond and _LESS_OF.search(s):
                d = Direction.BENEFIT  # "magnesium reduced muscle cramps": less of the condition
            # a sentence about the condition alone is about other treatments; one about the
            # treatment alone may be about other uses of it
            w = 1.0 if treat and cond else 0.3 if treat else 0.0
            if d is Direction.BENEFIT:
                weights["helps"] += w
            elif d in (Direction.NO_EFFECT, Direction.HARM, Direction.UNCERTAIN):
                weights["does not help"] += w
            elif d is Direction.MIXED:
                weights["helps"] += w / 2
                weights["does not help"] += w / 2
    return (1 if weights["helps"] > weights["does not help"] else 0), weights


_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_CLAIM_STOP = frozenset(
    "the and for with that this from are was were have has been can could may might not does did its "
    "their there which who will would than more less into about also covid covid-19 sars-cov-2 "
    "coronavirus virus patients people".split())


def _content(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _CLAIM_STOP}


def _polarity(text: str) -> int:
    """+1 a claim or passage that asserts an effect, -1 one that denies it, 0 neither."""
    d = read_sentence(text)
    if d in (Direction.BENEFIT, Direction.HARM):
        return 1
    if d is Direction.NO_EFFECT:
        return -1
    if re.search(r"\b(?:not|no|never|cannot|can't|doesn't|don't|isn't|aren't|won't|false|myth|hoax)\b",
                 text, re.IGNORECASE):
        return -1
    return 1 if re.search(r"\b(?:increas|decreas|reduc|caus|prevent|cure|kill|protect|help|improv|"
                          r"lower|rais|associat|link|lead|effective)\w*", text, re.IGNORECASE) else 0


def claim_features(claim: str, evidence: str, sentences: Sequence[str]) -> dict[str, float]:
    """The claim-evidence model's features (ml/features.py) with the rules' polarity."""
    from ..ml.features import claim_evidence_features

    return claim_evidence_features(claim, evidence, _polarity, sentences)


def evidence_stance_model(claim: str, evidence: str) -> str:
    """Supports, Refutes or Neutral from the trained claim-evidence model (training/train.py)."""
    from .. import ml

    label, _ = ml.load("claim-evidence").predict(claim_features(claim, evidence, split_sentences(evidence)))
    return label


def evidence_stance(claim: str, evidence: str) -> str:
    """Supports, Refutes or Neutral: the passage's stance on the claim."""
    words = _content(claim)
    best: tuple[float, str] | None = None
    for s in split_sentences(evidence) or [evidence]:
        shared = len(words & _content(s)) / max(1, len(words))
        if best is None or shared > best[0]:
            best = (shared, s)
    if best is None or best[0] < 0.34:
        return "Neutral"
    c, e = _polarity(claim), _polarity(best[1])
    if c == 0 or e == 0:
        return "Neutral"
    return "Supports" if c == e else "Refutes"
