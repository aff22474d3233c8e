"""Parse and expand a question: the substance's names and constituents, condition synonyms.

The curated table (``data/synonyms.json``) covers common supplements and conditions; an
unknown name is searched as typed. With live sources, ``scisays.sources.synonyms`` adds MeSH
entry terms and PubChem synonyms (:func:`extend_question`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import UsageError
from .model import Question
from .text import clean, fold

MAX_TERM_LENGTH = 200


def _norm(name: str) -> str:
    return fold(clean(name).replace("’", "'").replace("‘", "'"))


@lru_cache(maxsize=1)
def synonym_table() -> dict[str, Any]:
    """The curated synonym table shipped with the package."""
    text = resources.files("scisays").joinpath("data/synonyms.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _index(entries: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every name and synonym -> (entry, its terms). An entry's own name wins over the same word
    listed in another entry ("ischaemic stroke" is its own entry, not a narrower "stroke")."""
    index: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, terms in entries.items():
        index[_norm(name)] = (name, tuple(terms))
    for name, terms in entries.items():
        for t in terms:
            index.setdefault(_norm(t), (name, tuple(terms)))
    return index


@lru_cache(maxsize=1)
def _substance_index() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Substances by name and synonym, and drug classes by their names only: asking for a class
    searches its members too, but a member asked for is never widened to its class."""
    table = synonym_table()
    index = _index(table["substances"])
    for name, c in table.get("classes", {}).items():
        terms = (*c["names"], *c["members"])
        for t in (name, *c["names"]):
            index.setdefault(_norm(t), (name, terms))
    return index


@lru_cache(maxsize=1)
def _condition_index() -> dict[str, tuple[str, tuple[str, ...]]]:
    return _index(synonym_table()["conditions"])


def _check(kind: str, value: str) -> str:
    value = clean(value)
    if not value or not any(c.isalnum() for c in value):
        raise UsageError(
            f"The {kind} is empty; name one, e.g. `scisays ask kratom anxiety`."
        )
    if len(value) > MAX_TERM_LENGTH:
        raise UsageError(
            f"The {kind} is {len(value):,} characters long; use a name of at most "
            f"{MAX_TERM_LENGTH} characters."
        )
    return value


def build_question(substance: str, conditions: Sequence[str] = ()) -> Question:
    """A Question with search terms expanded from the curated table.

    Raises UsageError for an empty or absurdly long substance or condition."""
    substance = _check("substance", substance)
    hit = _substance_index().get(_norm(substance))
    substance_terms = dedupe_terms((substance, *combination_terms(substance), *(hit[1] if hit else ())))
    conds: list[str] = []
    condition_terms: dict[str, tuple[str, ...]] = {}
    for raw in conditions:
        c = _check("condition", raw)
        if c in conds:
            continue
        conds.append(c)
        chit = _condition_index().get(_norm(c))
        condition_terms[c] = dedupe_terms((c, *(chit[1] if chit else ())))
    return Question(
        substance=substance,
        conditions=tuple(conds),
        substance_terms=substance_terms,
        condition_terms=condition_terms,
    )


_COMBINATION = re.compile(r"\s+(?:and|plus|with|\+|&)\s+|\s*/\s*", re.IGNORECASE)


def combination_terms(substance: str) -> tuple[str, ...]:
    """The other ways a combination of two substances is written ("sumatriptan and naproxen":
    "sumatriptan plus naproxen", "sumatriptan/naproxen", "naproxen and sumatriptan" ...)."""
    parts = [p for p in _COMBINATION.split(substance) if p.strip()]
    if len(parts) != 2:
        return ()
    a, b = parts
    return tuple(f"{x}{j}{y}" for x, y in ((a, b), (b, a))
                 for j in (" and ", " plus ", " with ", "/", "-", " + "))


def extend_question(
    question: Question,
    substance_terms: Sequence[str] = (),
    condition_terms: Mapping[str, Sequence[str]] | None = None,
) -> Question:
    """The question with more search terms (from MeSH, PubChem...) appended after its own,
    duplicates (by folded form) dropped."""
    extra = condition_terms or {}
    return Question(
        substance=question.substance,
        conditions=question.conditions,
        substance_terms=dedupe_terms((*question.substance_terms, *substance_terms)),
        condition_terms={
            c: dedupe_terms((*question.terms_for(c), *extra.get(c, ()))) for c in question.conditions
        },
    )


def dedupe_terms(terms: Sequence[str]) -> tuple[str, ...]:
    """``terms`` in order without repeats, comparing case-, accent- and quote-folded forms."""
    seen: set[str] = set()
    out = []
    for t in terms:
        k = _norm(t)
        if k and k not in seen:
            seen.add(k)
            out.append(t)
    return tuple(out)
