"""Regulatory facts: the curated, versioned file ``data/regulatory.json`` and the facts for one
substance. Loading validates every entry; a bad entry raises RegulatoryDataError naming it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from ..errors import ScisaysError
from ..model import Regulation, RegulatoryFact
from ..question import synonym_table
from ..text import clean, fold

FIELDS = ("id", "substance", "body", "jurisdiction", "date", "kind", "statement", "source_url")
_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")


class RegulatoryDataError(ScisaysError):
    """The regulatory data file is malformed."""


def _norm(name: str) -> str:
    return fold(clean(name).replace("’", "'"))


def parse_regulatory(doc: Mapping[str, Any], substances: Sequence[str]) -> Regulation:
    """All facts of a regulatory data document, checked: every field present and non-empty,
    an ISO date (YYYY, YYYY-MM or YYYY-MM-DD), an https source URL, a known substance and a
    unique id. Raises RegulatoryDataError naming the first bad entry."""
    if not isinstance(doc.get("version"), int) or not _DATE.match(str(doc.get("as_of", ""))):
        raise RegulatoryDataError(
            "The regulatory data file needs an integer 'version' and an ISO 'as_of' date."
        )
    known = {_norm(s) for s in substances}
    facts: list[RegulatoryFact] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc.get("facts") or ()):
        name = str(entry["id"]) if isinstance(entry, Mapping) and entry.get("id") else f"#{i + 1}"
        if not isinstance(entry, Mapping):
            raise RegulatoryDataError(f"Regulatory entry {name} is not an object.")
        for f in FIELDS:
            if not isinstance(entry.get(f), str) or not entry[f].strip():
                raise RegulatoryDataError(f"Regulatory entry {name} has no {f}; every entry needs one.")
        extra = set(entry) - set(FIELDS)
        if extra:
            raise RegulatoryDataError(
                f"Regulatory entry {name} has unknown fields: {', '.join(sorted(extra))}."
            )
        if name in seen:
            raise RegulatoryDataError(f"Regulatory entry {name} appears twice; ids must be unique.")
        seen.add(name)
        if not _DATE.match(entry["date"]):
            raise RegulatoryDataError(
                f"Regulatory entry {name} has date {entry['date']!r}; use YYYY-MM-DD, YYYY-MM or YYYY."
            )
        url = urlsplit(entry["source_url"])
        if url.scheme != "https" or not url.netloc:
            raise RegulatoryDataError(f"Regulatory entry {name} needs an https source_url.")
        if _norm(entry["substance"]) not in known:
            raise RegulatoryDataError(
                f"Regulatory entry {name} names substance {entry['substance']!r}, which is not in "
                "data/synonyms.json."
            )
        facts.append(RegulatoryFact(**{f: entry[f].strip() for f in FIELDS}))
    return Regulation(substance=None, as_of=doc["as_of"], version=doc["version"], facts=tuple(facts))


@lru_cache(maxsize=1)
def regulatory_data() -> Regulation:
    """Every fact of the file shipped in the package (cached)."""
    text = resources.files("scisays").joinpath("data/regulatory.json").read_text("utf-8")
    return parse_regulatory(json.loads(text), list(synonym_table()["substances"]))


def canonical_substance(substance_terms: Sequence[str]) -> str | None:
    """The canonical name (a key of data/synonyms.json) the question's terms belong to, if any."""
    terms = {_norm(t) for t in substance_terms}
    for name, synonyms in synonym_table()["substances"].items():
        if _norm(name) in terms or any(_norm(s) in terms for s in synonyms):
            return str(name)
    return None


def regulation_for(substance_terms: Sequence[str], data: Regulation | None = None) -> Regulation:
    """The facts about the substance, newest first, with the data file's as-of date and version
    (``substance`` is None when the substance is not in the curated table)."""
    data = data or regulatory_data()
    name = canonical_substance(substance_terms)
    facts = sorted(
        (f for f in data.facts if name is not None and _norm(f.substance) == _norm(name)),
        key=lambda f: (f.date, f.id),
        reverse=True,
    )
    return Regulation(substance=name, as_of=data.as_of, version=data.version, facts=tuple(facts))
