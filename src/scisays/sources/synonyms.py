"""Question expansion from MeSH (entry terms) and PubChem (synonyms), cached like every answer.

- MeSH (https://id.nlm.nih.gov/mesh/): ``lookup/descriptor?label=…&match=exact`` finds the
  descriptor named exactly like the substance or condition; ``lookup/details?descriptor=…``
  gives its terms (preferred and entry terms). Inverted headings ("Stress, Psychological") are
  searched in reading order ("Psychological Stress"); other inverted forms are left out.
- PubChem PUG REST: ``compound/name/<name>/synonyms/JSON`` (at most 5 requests/second); only
  name-like synonyms are kept (no registry numbers, codes or InChIKeys).

The curated table in the package comes first; services only add. A service that fails costs a
note, never the report.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import quote

from ..config import Settings
from ..errors import SourceError
from ..model import Question
from ..question import dedupe_terms, extend_question
from ..text import clean
from .http import BadResponse, HttpClient, Service, parse_json

T = TypeVar("T")
MAX_MESH_TERMS = 8
MAX_PUBCHEM_TERMS = 5
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-_.,:;/ ]*$")  # all caps + digits: registry codes, not names
_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
_NOT_NAMES = re.compile(
    r"(UNII|CHEMBL|DTXSID|DTXCID|SCHEMBL|NSC|MLS|SMR|ZINC|AKOS|BDBM|HMS|CAS-|EINECS|InChI|"
    r"\[|\]|\{|\}|<|>)",
    re.IGNORECASE,
)
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")


_WORDS = re.compile(r"^[^\W\d_][\w' -]*$")


def uninvert(term: str) -> str | None:
    """'Stress, Psychological' -> 'Psychological Stress'; a term without a comma unchanged;
    None for other inverted forms ('Melatonin, (E)-isomer'), which no abstract would contain."""
    if "," not in term:
        return term
    parts = [p.strip() for p in term.split(",")]
    if len(parts) == 2 and all(_WORDS.match(p) for p in parts):
        return f"{parts[1]} {parts[0]}"
    return None


def parse_descriptor_lookup(content: bytes, status: int = 200) -> list[tuple[str, str]]:
    """[(descriptor UI, label)] from ``lookup/descriptor`` ([{"resource", "label"}])."""
    doc = parse_json(content)
    if not isinstance(doc, list):
        raise BadResponse("returned a descriptor lookup that is not a list")
    out = []
    for item in doc:
        if isinstance(item, dict) and item.get("resource") and item.get("label"):
            ui = str(item["resource"]).rstrip("/").rsplit("/", 1)[-1]
            if re.fullmatch(r"D\d+", ui):
                out.append((ui, clean(str(item["label"]))))
    return out


def parse_descriptor_details(content: bytes, status: int = 200) -> list[str]:
    """The descriptor's terms, preferred first, from ``lookup/details``."""
    doc = parse_json(content)
    if not isinstance(doc, dict) or not isinstance(doc.get("terms"), list):
        raise BadResponse("returned descriptor details without a 'terms' list")
    terms = [t for t in doc["terms"] if isinstance(t, dict) and t.get("label")]
    terms.sort(key=lambda t: not t.get("preferred"))
    return [clean(str(t["label"])) for t in terms]


def parse_pubchem_synonyms(content: bytes, status: int = 200) -> list[str]:
    """Synonyms from PUG REST (``InformationList.Information[0].Synonym``); [] for its 404."""
    doc = parse_json(content)
    if status == 404:
        fault = doc.get("Fault") if isinstance(doc, dict) else None
        if isinstance(fault, dict) and "NotFound" in str(fault.get("Code")):
            return []
        raise BadResponse("answered 404 without PubChem's NotFound fault", retry=False)
    info = (doc.get("InformationList") or {}).get("Information") if isinstance(doc, dict) else None
    if not isinstance(info, list):
        raise BadResponse("returned JSON without InformationList.Information")
    synonyms = (info[0].get("Synonym") if info and isinstance(info[0], dict) else None) or []
    if not isinstance(synonyms, list):  # a string would give one synonym per character
        raise BadResponse("returned Synonym that is not a list", retry=False)
    return [clean(str(s)) for s in synonyms if s]


def name_like(synonym: str) -> bool:
    """Whether a PubChem synonym reads like a name people write (not a code or identifier)."""
    s = synonym.strip()
    if not 3 <= len(s) <= 40 or not any(c.isalpha() for c in s):
        return False
    if _CAS.match(s) or _INCHIKEY.match(s) or _NOT_NAMES.search(s):
        return False
    return not (_CODE.match(s) and any(c.isdigit() for c in s))


class Expander:
    """Expands a question's terms with MeSH entry terms and PubChem synonyms."""

    def __init__(self, client: HttpClient, settings: Settings) -> None:
        self.client = client
        self.mesh = Service("MeSH", settings.url("mesh"), rate=3.0)
        self.pubchem = Service("PubChem", settings.url("pubchem"), rate=5.0)

    def mesh_terms(self, name: str) -> tuple[list[str], list[str]]:
        """(terms, descriptor labels) of the MeSH descriptor named exactly ``name``."""
        found = self.client.fetch(
            self.mesh, "lookup/descriptor", {"label": name, "match": "exact", "limit": 3},
            parse=parse_descriptor_lookup,
        ).value
        terms: list[str] = []
        for ui, _label in found[:2]:
            details = self.client.fetch(
                self.mesh, "lookup/details", {"descriptor": ui}, parse=parse_descriptor_details
            ).value
            terms.extend(u for t in details if (u := uninvert(t)))
        return list(dedupe_terms([name, *terms])[1:MAX_MESH_TERMS + 1]), [label for _ui, label in found]

    def pubchem_terms(self, name: str) -> list[str]:
        """Name-like PubChem synonyms of the compound called ``name`` ([] if none)."""
        synonyms = self.client.fetch(
            self.pubchem,
            f"compound/name/{quote(name, safe='')}/synonyms/JSON",
            parse=parse_pubchem_synonyms,
            accept=frozenset({200, 404}),
        ).value
        return list(dedupe_terms([name, *(s for s in synonyms if name_like(s))])[1:MAX_PUBCHEM_TERMS + 1])

    def __call__(self, question: Question) -> tuple[Question, list[str]]:
        """The question with added terms, and notes: which synonyms were searched, from where,
        and which service could not be asked."""
        failed: dict[str, SourceError] = {}

        def get(fut: Future[T], default: T) -> T:
            try:
                return fut.result()
            except SourceError as e:
                failed.setdefault(e.service, e)
                return default

        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="expand") as pool:
            sub_f = pool.submit(self.mesh_terms, question.substance)
            chem_f = pool.submit(self.pubchem_terms, question.substance)
            cond_f = {c: pool.submit(self.mesh_terms, c) for c in question.conditions}
            sub_mesh, headings = get(sub_f, ([], []))
            pubchem = get(chem_f, [])
            cond_terms = {c: get(f, ([], []))[0] for c, f in cond_f.items()}
        notes: list[str] = []
        expanded = extend_question(question, [*sub_mesh, *pubchem], cond_terms)
        added = [t for t in expanded.substance_terms if t not in question.substance_terms]
        if added:
            origin = []
            if sub_mesh:
                origin.append("MeSH " + "; ".join(f"'{h}'" for h in headings))
            if pubchem:
                origin.append("PubChem")
            notes.append(
                f"Searched {question.substance} as: {', '.join(expanded.substance_terms)} "
                f"(curated table, {' and '.join(origin)})."
            )
        if len(headings) > 1:
            notes.append(
                f"'{question.substance}' names several MeSH headings ({'; '.join(headings)}); "
                "the terms of each were searched."
            )
        for service, e in failed.items():
            if e.offline_miss:
                continue
            notes.append(f"{service} {e.problem}: searched the curated synonyms only.")
        return expanded, notes
