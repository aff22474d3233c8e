"""Study details read from the abstract: sample size (v1 rules), with the sentence used."""

from __future__ import annotations

import re

from ..model import Design
from .sections import Sentence

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100,
}
_UNITS = (
    r"participants|patients|subjects|respondents|volunteers|adults|individuals|persons|people|"
    r"users|women|men|children|adolescents|students|veterans|cases|smokers|drinkers|consumers|"
    r"infants|employees|workers|nurses|physicians|residents|survivors|pregnancies|"
    r"surveys|questionnaires|responses|exposures|calls|reports"
)
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
_COUNT_PATTERNS = (
    re.compile(rf"\b[nN]\s*=\s*{_NUM}\b"),
    re.compile(rf"\btotal of {_NUM}\b", re.IGNORECASE),
    re.compile(rf"\b{_NUM}\s+(?:[\w-]+\s+){{0,3}}?(?:{_UNITS})\b", re.IGNORECASE),
    re.compile(rf"\b(?:enrolled|recruited|included|randomi[sz]ed|surveyed)\s+{_NUM}\b", re.IGNORECASE),
)
_WORD_COUNT = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + rf")\s+(?:[\w-]+\s+){{0,2}}?(?:{_UNITS})\b", re.IGNORECASE
)
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|during|since|from|between|through|until|to|and|of|year|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|spring|summer|autumn|"
    r"fall|winter)|[-–/])\s*$",
    re.IGNORECASE,
)
_NOT_A_SAMPLE = re.compile(r"^\s*(?:%|percent|years?|months?|weeks?|days?|hours?|mg|g\b|kg)", re.I)


_DIGIT = re.compile(r"\d")
_NNT = re.compile(r"^.{0,60}?\bneed(?:ed)? (?:to be )?treat", re.IGNORECASE)


def _candidates(sentence: str) -> list[int]:
    out: list[int] = []
    for pattern in _COUNT_PATTERNS if _DIGIT.search(sentence) else ():
        for m in pattern.finditer(sentence):
            after = sentence[m.end(1) :]
            if _NOT_A_SAMPLE.match(after):
                continue
            if _NNT.match(sentence[m.end():]):
                continue  # "3 individuals needed treatment for 1 to improve": a number needed to treat
            value = int(m.group(1).replace(",", ""))
            if (
                1900 <= value <= 2030
                and "," not in m.group(1)
                and pattern is not _COUNT_PATTERNS[0]
                and _YEAR_CONTEXT.search(sentence[: m.start(1)])
            ):
                continue  # "between April-May 2021 …", "in 2019 …": a year, not a count
            out.append(value)
    for m in _WORD_COUNT.finditer(sentence):
        out.append(_NUMBER_WORDS[m.group(1).lower()])
    return out


def extract_sample_size(sentences: list[Sentence], design: Design) -> tuple[int | None, str | None]:
    """(largest plausible participant count, the sentence it came from), or (None, None).

    Case reports count 1. Animal and in vitro studies report no human sample size here.
    v1 takes the largest count in the methods/results; a trained extractor can replace it."""
    if design is Design.CASE_REPORT:
        return 1, None
    if design in (Design.ANIMAL, Design.IN_VITRO, Design.NARRATIVE_REVIEW):
        return None, None
    best: tuple[int, str] | None = None
    for s in sentences:
        if s.role.value in ("BACKGROUND",):
            continue
        for value in _candidates(s.text):
            if 0 < value < 10_000_000 and (best is None or value > best[0]):
                best = (value, s.text)
    return best if best else (None, None)
