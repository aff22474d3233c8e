"""JSON Lines records: one JSON object per line (schema in docs/jsonl.md and the README).

Recognised fields (all optional except a title or abstract, and at least one identifier):
``id``, ``pmid``, ``doi``, ``pmcid``, ``nct_id``, ``title``, ``abstract`` (a string) or
``sections`` (a list of ``{"label", "category", "text"}``), ``journal``, ``year``,
``publication_types``, ``mesh_headings``, ``keywords``, ``languages``, ``source``,
``version``, ``revised``. Unknown fields are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from ..errors import InputFileError
from ..model import Record, Section
from ..text import LONE_SURROGATE, clean

_ID_FIELDS = ("pmid", "doi", "pmcid", "nct_id", "id")


def _str_or_none(value: Any, field: str, where: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputFileError(f"{where}: field {field!r} must be a string; fix the line and re-run.")
    return clean(str(value)) or None


def _str_list(value: Any, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputFileError(
            f"{where}: field {field!r} must be a list of strings; fix the line and re-run."
        )
    return tuple(c for c in (clean(v) for v in value) if c)


def _sections(obj: dict[str, Any], where: str) -> tuple[Section, ...]:
    raw = obj.get("sections")
    if raw is not None:
        if not isinstance(raw, list):
            raise InputFileError(f"{where}: field 'sections' must be a list; fix the line and re-run.")
        out = []
        for s in raw:
            if not isinstance(s, dict) or not isinstance(s.get("text"), str):
                raise InputFileError(
                    f"{where}: each section needs a 'text' string; fix the line and re-run."
                )
            text = clean(s["text"])
            if text:
                out.append(
                    Section(
                        text=text,
                        label=clean(str(s.get("label") or "")),
                        category=clean(str(s.get("category") or "")).upper(),
                    )
                )
        return tuple(out)
    abstract = obj.get("abstract")
    if abstract is None:
        return ()
    if not isinstance(abstract, str):
        raise InputFileError(f"{where}: field 'abstract' must be a string; fix the line and re-run.")
    text = clean(abstract)
    return (Section(text=text),) if text else ()


def _year(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999:
        return value
    # ASCII digits only: '²' is a digit to str.isdigit() but not to int()
    if isinstance(value, str) and (year := value.strip()[:4]).isascii() and year.isdigit():
        return int(year)
    raise InputFileError(f"{where}: field 'year' must be a year such as 2021; fix the line and re-run.")


_INT64 = range(-(2**63), 2**63)  # what the corpus can store in an INTEGER column


def _version(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        return 1
    if value not in _INT64:
        raise InputFileError(
            f"{where}: field 'version' is too large; give a version number such as 2 and re-run."
        )
    return value


def object_to_record(obj: Any, where: str, default_source: str = "jsonl") -> Record:
    """Validate one decoded JSON value and build a Record from it."""
    if not isinstance(obj, dict):
        raise InputFileError(f"{where}: expected a JSON object per line; fix the line and re-run.")
    ids = {f: _str_or_none(obj.get(f), f, where) for f in _ID_FIELDS}
    if not any(ids.values()):
        raise InputFileError(
            f"{where}: the record has no identifier (pmid, doi, pmcid, nct_id or id); "
            "add one and re-run."
        )
    title = _str_or_none(obj.get("title"), "title", where) or ""
    sections = _sections(obj, where)
    if not title and not sections:
        raise InputFileError(f"{where}: the record has neither a title nor an abstract; add one.")
    version = obj.get("version", 1)
    return Record(
        title=title,
        sections=sections,
        pmid=ids["pmid"],
        doi=ids["doi"],
        pmcid=ids["pmcid"],
        nct_id=ids["nct_id"],
        local_id=ids["id"],
        journal=_str_or_none(obj.get("journal"), "journal", where),
        year=_year(obj.get("year"), where),
        publication_types=_str_list(obj.get("publication_types"), "publication_types", where),
        mesh_headings=_str_list(
            obj.get("mesh_headings", obj.get("mesh")), "mesh_headings", where
        ),
        keywords=_str_list(obj.get("keywords"), "keywords", where),
        languages=_str_list(obj.get("languages"), "languages", where),
        source=_str_or_none(obj.get("source"), "source", where) or default_source,
        version=_version(version, where),
        revised=_str_or_none(obj.get("revised"), "revised", where) or "",
    )


def json_lines(stream: IO[bytes], name: str) -> Iterator[tuple[str, int, Any]]:
    """(where, line number, decoded value) for each non-blank line; InputFileError names the
    line that is not UTF-8 or not JSON."""
    for lineno, raw in enumerate(stream, 1):
        where = f"{name} line {lineno}"
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InputFileError(f"{where}: not valid UTF-8; save the file as UTF-8.") from None
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputFileError(
                f"{where}: not valid JSON ({e.msg} at column {e.colno}); fix the line and re-run."
            ) from None
        except ValueError:  # json reads integers of at most 4,300 digits
            raise InputFileError(
                f"{where}: a number is too long to read; fix the line and re-run."
            ) from None
        except RecursionError:
            raise InputFileError(
                f"{where}: the JSON is nested too deeply; fix the line and re-run."
            ) from None
        if "\\u" in line and _ESCAPED_SURROGATE.search(line) and _has_lone_surrogate(obj):
            raise InputFileError(
                f"{where}: a string holds an unpaired surrogate escape (\\ud800-\\udfff), which is not "
                "a character; fix the line and re-run."
            )
        yield where, lineno, obj


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_lone_surrogate(obj: Any) -> bool:
    """Whether a string in ``obj`` (a key or a value, at any depth) holds a lone surrogate, which
    json.loads makes of an escape like ``\\ud800`` that pairs with nothing (it cannot be stored)."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if LONE_SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def iter_jsonl(stream: IO[bytes], name: str, source: str = "jsonl") -> Iterator[Record]:
    """Yield a Record per non-blank line; raise InputFileError naming the line on bad input."""
    for where, _lineno, obj in json_lines(stream, name):
        yield object_to_record(obj, where, source)
