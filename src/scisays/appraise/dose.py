"""Doses a study states for the substance (amount, unit, frequency, route, with the sentence)
and sentences reporting effects that differ by dose (v1 rules, pure).

A dose counts only when the substance (any of its search terms) is named close to it: "kratom
at a high dose of 30 g per day", "mitragynine (10 mg/kg, i.p.)". Amounts of other drugs in the
same sentence ("the CYP3A probe midazolam (2.5 mg)") and concentrations ("34.3 mg/dL") are not
doses of the substance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..model import Design, DoseMention, Evidence, SentenceRole
from .finding import may_contain, may_name, term_pattern
from .sections import Sentence

_UNITS = {
    "mg/kg": "mg/kg", "g/kg": "g/kg", "µg/kg": "µg/kg", "ug/kg": "µg/kg", "mcg/kg": "µg/kg",
    "mg": "mg", "milligrams": "mg", "milligram": "mg", "g": "g", "grams": "g", "gram": "g",
    "gm": "g", "µg": "µg", "ug": "µg", "mcg": "µg", "micrograms": "µg", "microgram": "µg",
    "iu": "IU", "international units": "IU", "ml": "ml", "mL": "ml", "milliliters": "ml",
    "millilitres": "ml", "cups": "cups", "cup": "cups", "glasses": "glasses", "glass": "glasses",
    "capsules": "capsules", "capsule": "capsules", "tablets": "tablets", "tablet": "tablets",
}
_UNIT_RX = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?"
_DOSE = re.compile(
    rf"(?<![\w.])(?P<low>{_NUM})(?:\s*(?:-|–|to)\s*(?P<high>{_NUM}))?\s*(?P<unit>{_UNIT_RX})"
    r"(?![\w/])(?!\s*/\s*(?:dl|l|ml|h|hr|min)\b)",
    re.IGNORECASE,
)
_FREQUENCY = (  # most specific first
    (re.compile(r"\btwice (?:a |per )?day\b|\btwice daily\b|\bb\.?i\.?d\b", re.I),
     "twice a day"),
    (re.compile(r"\b(?:three|3) times (?:a |per )?day\b|\bt\.?i\.?d\b", re.I),
     "three times a day"),
    (re.compile(r"(?:\bper|\ba|/)\s*week\b|\bweekly\b", re.I), "per week"),
    (re.compile(r"(?:\bper|\ba|/)\s*(?:day|d)\b|\bdaily\b|\beach day\b|"
                r"\bonce (?:a |per )?day\b|\bonce daily\b", re.I), "per day"),
    (re.compile(r"\b(?:at bedtime|before bed\w*|nightly|at night)\b", re.I), "at bedtime"),
)
_DAILY_BEFORE = re.compile(r"\bdaily\s+(?:dose|doses|intake|consumption)?\s*(?:of\s+)?$", re.I)
_ROUTES = (
    (re.compile(r"\bi\.?p\.?\b|\bintraperitoneal\w*", re.I), "intraperitoneal"),
    (re.compile(r"\bi\.?v\.?\b|\bintravenous\w*", re.I), "intravenous"),
    (re.compile(r"\borally\b|\boral\b|\bp\.?o\.?\b|\bingest\w*|\btea\b|\bcapsules?\b|\bpowder\b", re.I),
     "oral"),
    (re.compile(r"\btopical\w*|\bcream\b", re.I), "topical"),
    (re.compile(r"\binhal\w*|\bsmok\w*|\bvapori[sz]\w*", re.I), "inhaled"),
)
# Words that may sit between the substance and "(dose)": "kratom tea (2 g)".
_VEHICLE = re.compile(r"^(?:\W*(?:tea|extract|powder|leaf|leaves|juice|capsules?|tablets?|oil|"
                      r"supplement\w*|preparation\w*|product\w*|dry|dried|standardi[sz]ed|"
                      r"aqueous|ethanolic|alkaloid\w*)\b)*\W*$", re.IGNORECASE)
_SKIP_ROLES = frozenset({SentenceRole.BACKGROUND, SentenceRole.OBJECTIVE})

_DOSE_EFFECT = re.compile(
    r"\bdose[- ](?:dependent\w*|related|response|relationship)\b|\bdependent on (?:the )?dose\b|"
    r"\bin a dose[- ]\w+ (?:manner|fashion)\b|"
    r"\b(?:low|lower|small|smaller)(?:er)? doses?\b.{0,120}\b(?:high|higher|large|larger) doses?\b|"
    r"\b(?:high|higher|large|larger) doses?\b.{0,120}\b(?:low|lower|small|smaller) doses?\b|"
    r"\b(?:higher|greater|increasing|larger|heavier) (?:\w+ )?(?:doses?|quantit\w+|amounts?|consumption|"
    r"intake|frequency of use|daily use)\b.{0,120}\b(?:associated|predict\w*|increas\w*|"
    r"linked|correlat\w*|related|more)\b",
    re.IGNORECASE,
)
_EFFECT_WORD = re.compile(
    r"\beffects?\b|\bstimula\w*|\bsedat\w*|\brelax\w*|\beuphori\w*|\banalges\w*|\benerg\w*|"
    r"\btoxic\w*|\bdependen\w*|\bwithdrawal\b|\bassociated\b|\bsymptoms?\b|\brisk\b|\bincreas\w*|"
    r"\breduc\w*|\bdecreas\w*|\bimprov\w*|\bopioid-like\b|\bsevere\b",
    re.IGNORECASE,
)
_NOT_A_RESULT = re.compile(
    r"\bnot (?:well )?(?:documented|known|understood|established)\b|\bunknown\b|\bunclear\b|"
    r"\bwe (?:aimed|sought)\b|\b(?:our|the) (?:aim|goal|objective)\b|\bremains? to be\b",
    re.IGNORECASE,
)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _frequency(after: str, before: str) -> str:
    clause = re.split(r"[,;:]|\band\b|\bbut\b", after[:45])[0]
    for rx, label in _FREQUENCY:
        if rx.search(clause):
            return label
    if _DAILY_BEFORE.search(before[-40:]):
        return "per day"
    return ""


def _route(sentence: str) -> str:
    for rx, label in _ROUTES:
        if rx.search(sentence):
            return label
    return ""


_OPEN_PAREN_END = re.compile(r"\(\s*$")
_CLAUSE_MARK = re.compile(r"[;()]")
_OF_AFTER = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:of|per day of|daily of)\s+(?:\w+\s+){0,2}?")


def _is_substance_dose(sentence: str, start: int, end: int, substance: re.Pattern[str]) -> bool:
    before = sentence[:start]
    # "<name> (2 g)": the words just before the parenthesis must be the substance (or a vehicle of it).
    paren = _OPEN_PAREN_END.search(before)
    if paren:
        head = before[: paren.start()]
        last = None
        for m in substance.finditer(head):
            last = m
        return last is not None and bool(_VEHICLE.match(head[last.end():]))
    window_before = before[-70:]
    clause_before = _CLAUSE_MARK.split(window_before)[-1]
    if substance.search(clause_before):
        # no other parenthesised dose between the substance and this amount
        return True
    after = sentence[end : end + 40]
    return bool(_OF_AFTER.match(after) and substance.search(after))


class Amount(NamedTuple):
    """An amount with a unit as a sentence states it, read whatever the substance: where it
    stands (sentence index, offsets) and what it says. Whose dose it is depends on the question."""

    sentence: int
    start: int
    end: int
    low: float
    high: float
    unit: str
    frequency: str
    route: str


def amounts(sentences: Sequence[Sentence]) -> tuple[Amount, ...]:
    """Every amount with a unit the sentences state (background and aims skipped; ranges that
    run backwards and zero amounts dropped): what :func:`find_doses` reads, found once per
    record whatever the substance."""
    out = []
    for s in sentences:
        if s.role in _SKIP_ROLES:
            continue
        route = None
        for m in _DOSE.finditer(s.text):
            low = _num(m.group("low"))
            high = _num(m.group("high")) if m.group("high") else low
            if high < low or low <= 0:
                continue
            if route is None:
                route = _route(s.text)
            out.append(Amount(
                s.index, m.start(), m.end(), low, high,
                _UNITS.get(m.group("unit"), _UNITS.get(m.group("unit").lower(), m.group("unit"))),
                _frequency(s.text[m.end():], s.text[: m.start()]), route))
    return tuple(out)


def find_doses(
    sentences: Sequence[Sentence], substance_terms: Sequence[str], *,
    at: Sequence[Amount] | None = None,
) -> tuple[DoseMention, ...]:
    """Each dose of the substance the study states, in order (background and aims skipped):
    the amounts (:func:`amounts`; ``at``, if computed before) that the substance is named
    close to."""
    substance = term_pattern(substance_terms)
    named: list[tuple[Sentence, Sequence[Amount]]]
    if at is None:
        named = [(s, amounts([s])) for s in may_name(sentences, substance) if substance.search(s.text)]
    else:
        by_sentence: dict[int, list[Amount]] = {}
        for a in at:
            by_sentence.setdefault(a.sentence, []).append(a)
        named = [(s, here) for s in sentences if (here := by_sentence.get(s.index))
                 and may_contain(s.text, substance, low=s.lower) and substance.search(s.text)]
    out: list[DoseMention] = []
    seen: set[tuple[float, float, str, str]] = set()
    for s, found in named:
        for a in found:
            key = (a.low, a.high, a.unit, s.text)
            if key in seen or not _is_substance_dose(s.text, a.start, a.end, substance):
                continue
            seen.add(key)
            out.append(DoseMention(low=a.low, high=a.high, unit=a.unit, frequency=a.frequency,
                                   route=a.route, evidence=Evidence(s.text, s.role)))
    return tuple(out)


def find_dose_effects(
    title: str, sentences: Sequence[Sentence], design: Design
) -> tuple[Evidence, ...]:
    """Sentences reporting that effects differ by dose ("dose-dependent", "low doses …
    stimulant, high doses … sedative", "higher consumption … associated with …"). Background
    sentences count only for reviews, which report others' findings there."""
    reviews = design in (Design.NARRATIVE_REVIEW, Design.SYSTEMATIC_REVIEW, Design.META_ANALYSIS)
    out: list[Evidence] = []
    candidates = [Sentence(title, SentenceRole.TITLE, -1), *sentences] if title else list(sentences)
    for s in candidates:
        if s.role is SentenceRole.OBJECTIVE or (s.role is SentenceRole.BACKGROUND and not reviews):
            continue
        if _DOSE_EFFECT.search(s.text) and _EFFECT_WORD.search(s.text) and not _NOT_A_RESULT.search(s.text):
            out.append(Evidence(s.text, s.role))
    return tuple(out)
