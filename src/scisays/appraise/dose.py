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


def _is_substance_dose(sentence: str, start: int, end: int, substance: re.Pattern[str]) -> bool:
    before = sentence[:start]
    # "<name> (2 g)": the words just before the parenthesis must be the substance (or a vehicle of it).
    paren = re.search(r"\(\s*$", before)
    if paren:
        head = before[: paren.start()]
        last = None
        for m in substance.finditer(head):
            last = m
        return last is not None and bool(_VEHICLE.match(head[last.end():]))
    window_before = before[-70:]
    clause_before = re.split(r"[;()]", window_before)[-1]
    if substance.search(clause_before):
        # no other parenthesised dose between the substance and this amount
        return True
    after = sentence[end : end + 40]
    return bool(re.match(r"^\s*(?:\([^)]*\)\s*)?(?:of|per day of|daily of)\s+(?:\w+\s+){0,2}?", after)
                and substance.search(after))


def amounts(sentences: Sequence[Sentence]) -> tuple[tuple[int, int], ...]:
    """Where each amount with a unit stands, as (sentence index, offset), background and aims
    skipped: what :func:`find_doses` reads, found once per record whatever the substance."""
    return tuple((s.index, m.start()) for s in sentences if s.role not in _SKIP_ROLES
                 for m in _DOSE.finditer(s.text))


def find_doses(
    sentences: Sequence[Sentence], substance_terms: Sequence[str], *,
    at: Sequence[tuple[int, int]] | None = None,
) -> tuple[DoseMention, ...]:
    """Each dose of the substance the study states, in order (background and aims skipped).
    ``at``: the record's :func:`amounts`, if computed before (the same doses, found faster)."""
    substance = term_pattern(substance_terms)
    out: list[DoseMention] = []
    seen: set[tuple[float, float, str, str]] = set()
    starts: dict[int, list[int]] | None = None
    if at is not None:
        starts = {}
        for i, start in at:
            starts.setdefault(i, []).append(start)
    # with ``at``, only the sentences holding an amount (few) are searched for the substance
    candidates = (may_name(sentences, substance) if starts is None else
                  [s for s in sentences if s.index in starts and may_contain(s.text, substance, low=s.lower)])
    for s in candidates:
        if s.role in _SKIP_ROLES or not substance.search(s.text):
            continue
        found = (_DOSE.finditer(s.text) if starts is None
                 else (m for start in starts[s.index] if (m := _DOSE.match(s.text, start))))
        for m in found:
            if not _is_substance_dose(s.text, m.start(), m.end(), substance):
                continue
            low = _num(m.group("low"))
            high = _num(m.group("high")) if m.group("high") else low
            if high < low or low <= 0:
                continue
            unit = _UNITS.get(m.group("unit"), _UNITS.get(m.group("unit").lower(), m.group("unit")))
            key = (low, high, unit, s.text)
            if key in seen:
                continue
            seen.add(key)
            out.append(DoseMention(
                low=low, high=high, unit=unit,
                frequency=_frequency(s.text[m.end():], s.text[: m.start()]),
                route=_route(s.text),
                evidence=Evidence(s.text, s.role),
            ))
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
