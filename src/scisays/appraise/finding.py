"""What a study concluded about the substance for one condition (v1 rules).

The finding is read only from sentences that name the condition: conclusions first, then
results, then the rest (background and aims never count, they state what others found or
what the authors meant to do). Each finding quotes the sentences it rests on.
A trained classifier can replace ``classify_sentence`` or ``find_direction`` as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Direction, Evidence, Finding, SentenceRole
from .sections import Sentence

METHOD = "rules-v1"

_NO_EFFECT = re.compile(
    r"\bno (?:statistically )?significant\b|\bnot (?:statistically )?significant(?:ly)?\b|"
    r"\bdid not (?:significantly )?(?:improve|reduce|decrease|differ|change|alter|affect|"
    r"relieve|alleviate|show|lead|result)\b|\bdoes not (?:improve|reduce|relieve|affect)\b|"
    r"\bno (?:clear |measurable |meaningful )?(?:effect|difference|improvement|benefit|change|"
    r"evidence of (?:benefit|efficacy|effect))s?\b|\bnot (?:effective|efficacious|superior|"
    r"better)\b|\bfailed to\b|\bineffective\b|\b(?:comparable|similar) to placebo\b|"
    r"\bno better than placebo\b|\bnot supported\b|\bnot consistently\b|"
    # "no evidence that X reduced Y": the whole clause is negated, so the match takes it all.
    r"\b(?:no|little|insufficient) (?:\w+ ){0,2}evidence (?:that|of|for|to suggest)\b[^.;:,]*|"
    r"\bnot (?:significantly )?(?:associated|related|correlated) with\b[^.;:,]*",
    re.IGNORECASE,
)
_HARM = re.compile(
    r"\bworsen\w*|\bexacerbat\w*|\baggravat\w*|\banxiogenic\b|\bdepressogenic\b|"
    r"\b(?:induc|provok|precipitat|trigger)\w* (?:\w+ ){0,2}(?:anxiety|depress\w*|panic|"
    r"insomnia|psychosis|symptoms)\b|\bincreased (?:risk|odds|rates?|levels?|severity|"
    r"symptoms?) of\b|\bassociated with (?:an? )?(?:increased|higher|greater|elevated) "
    r"(?:risk|odds|rates?|levels?|severity|scores?|symptoms?)\b|\bhigher (?:risk|odds|rates|"
    r"prevalence) of\b|\bpredicted (?:more|greater|higher)\b",
    re.IGNORECASE,
)
_BENEFIT = re.compile(
    r"\bimprov\w*|\breliev\w*|\brelief\b|\balleviat\w*|\bameliorat\w*|\battenuat\w*|"
    r"\beffective(?:ness)?\b|\befficacy\b|\befficacious\b|\bbeneficial\b|\bbenefits?\b|"
    r"\b(?:antidepressant|anxiolytic|antianxiety|anti-anxiety|sedative|hypnotic|"
    r"mood[- ]elevating)(?:-like)? (?:effects?|activity|actions?|properties|potential)\b|"
    r"\b(?:reduc|decreas|lower)\w* (?:\w+ ){0,4}?(?:symptoms?|scores?|severity|immobility|"
    r"anxiety|depress\w*|stress|insomnia|latency|levels)\b|\bsignificantly (?:lower|reduced|"
    r"decreased|fewer|less)\b|\bhelp(?:ed|s|ful)?\b|\bmood[- ](?:elevat|enhanc|improv|lift)\w*|"
    r"\beased\b|\bease\b|\bpromising\b|\bprotective\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\bmay\b|\bmight\b|\bcould\b|\bpotential(?:ly)?\b|\bsuggest\w*|\bpossibl\w*|"
    r"\bperceived\b|\bself-reported\b|\bappear\w*",
    re.IGNORECASE,
)
# Uses of the condition's words that are not the condition (opioid CNS depression etc.).
_FALSE_MENTIONS = re.compile(
    r"\b(?:respiratory|cns|central nervous system|cardiac|myocardial|bone marrow|st[- ]segment|"
    r"immune|ventilatory|spreading|cortical) depression\b",
    re.IGNORECASE,
)

_TIERS: tuple[tuple[frozenset[SentenceRole], float], ...] = (
    (frozenset({SentenceRole.CONCLUSIONS}), 0.8),
    (frozenset({SentenceRole.RESULTS}), 0.65),
    (frozenset({SentenceRole.UNLABELLED, SentenceRole.METHODS}), 0.5),
)


def term_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """A pattern matching any of ``terms`` as whole words (plural/hyphen variants allowed)."""
    parts = []
    for t in sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True):
        words = [re.escape(w) for w in re.split(r"[\s-]+", t)]
        parts.append(r"[\s-]+".join(words) + r"(?:s|es)?")
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)


def mentions(sentence: str, condition: re.Pattern[str]) -> bool:
    """True if the sentence names the condition (not a look-alike such as CNS depression)."""
    cleaned = _FALSE_MENTIONS.sub(" ", sentence)
    return condition.search(cleaned) is not None


def classify_sentence(sentence: str) -> Direction | None:
    """The direction a sentence states, or None if it states none."""
    no_effect = bool(_NO_EFFECT.search(sentence))
    harm = bool(_HARM.search(sentence))
    benefit = bool(_BENEFIT.search(_NO_EFFECT.sub(" ", sentence)))
    if harm and (benefit or no_effect):
        return Direction.MIXED
    if harm:
        return Direction.HARM
    if no_effect and benefit:
        # "did not improve X but reduced Y" — both a null and a positive result.
        return Direction.MIXED
    if no_effect:
        return Direction.NO_EFFECT
    if benefit:
        return Direction.BENEFIT
    return None


def _combine(directions: list[Direction]) -> Direction:
    kinds = set(directions)
    if len(kinds) == 1:
        return directions[0]
    return Direction.MIXED


def find_direction(sentences: Sequence[Sentence], condition: str, terms: Sequence[str]) -> Finding:
    """The study's finding for ``condition``, quoting the sentences that carry it."""
    pattern = term_pattern([condition, *terms])
    named = [s for s in sentences if mentions(s.text, pattern)]
    for roles, base in _TIERS:
        calls = [
            (s, d)
            for s in named
            if s.role in roles and (d := classify_sentence(s.text)) is not None
        ]
        if not calls:
            continue
        direction = _combine([d for _, d in calls])
        hedged = all(_HEDGE.search(s.text) for s, _ in calls)
        confidence = base - (0.15 if hedged else 0.0) - (0.1 if direction is Direction.MIXED else 0)
        return Finding(
            condition=condition,
            direction=direction,
            evidence=tuple(Evidence(s.text, s.role) for s, _ in calls[:3]),
            confidence=max(0.2, confidence),
            method=METHOD,
        )
    return Finding(
        condition=condition,
        direction=Direction.NOT_ADDRESSED,
        evidence=(),
        confidence=0.7 if not named else 0.4,
        method=METHOD,
    )
