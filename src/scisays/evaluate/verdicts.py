"""``scisays eval verdicts``: real questions, each answered from the studies given with it,
scored against the range of answers a methodologist accepts.

The cases file is JSON Lines laid out as ``shared/data/verdicts/cases.jsonl`` (fields and
scoring rules in that folder's README). Every case runs through the real pipeline: its corpus
is ingested into an empty temporary corpus (a corpus file shared by several cases is ingested
once) and the question is asked offline, local corpus only. Every line is validated before
anything runs, so a bad line costs nothing but one sentence naming it.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..appraise import DEFAULT_APPRAISER, Appraiser
from ..appraise.reader import LABELS, default_reader, text_key
from ..appraise.reading import reader_input, reader_sentences
from ..appraise.sections import Sentence
from ..corpus import Corpus, ingest_file
from ..corpus.jsonl import json_lines
from ..errors import InputFileError
from ..model import Evidence, Reading, SafetyTopic
from ..pipeline import ask

__all__ = ["VerdictCase", "eval_verdicts", "load_cases", "score_case", "with_readings"]

Progress = Callable[[int, int], None] | None

EXPECT_DIRECTIONS = ("benefit", "no-benefit", "harm", "insufficient")
#: certainty order, weakest first (the README's "none < very low < low < moderate < high")
CERTAINTY_ORDER = ("none", "very low", "low", "moderate", "high")
SAFETY_RATINGS = (
    "likely safe", "possibly safe", "possibly unsafe", "likely unsafe", "insufficient evidence to rate",
)
LABEL_DIRECTION = {
    "evidence of benefit": "benefit",
    "probably benefits": "benefit",
    "may benefit": "benefit",
    "probably no benefit": "no-benefit",
    "evidence of harm": "harm",
    "insufficient evidence": "insufficient",
    "uncertain (conflicting)": "insufficient",
}


@dataclass(frozen=True, slots=True)
class Expectation:
    direction: str
    min_certainty: str = "none"
    max_certainty: str = "high"


@dataclass(frozen=True, slots=True)
class VerdictCase:
    """One question, the studies to answer it from, and the answers accepted."""

    id: str
    line: int
    substance: str
    conditions: tuple[str, ...]
    expect: Mapping[str, Expectation]
    corpus: Path | None = None
    records: tuple[Mapping[str, Any], ...] = ()
    safety_ratings: tuple[str, ...] = ()
    safety_topics: tuple[str, ...] = ()
    has_safety: bool = False
    kind: str = ""


def _fail(where: str, what: str) -> InputFileError:
    return InputFileError(f"{where}: {what}; fix the line and re-run.")


def _string(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"field {key!r} must be a non-empty string")
    return value


def _certainty(value: Any, key: str, where: str, default: str) -> str:
    if value is None:
        return default
    if value not in CERTAINTY_ORDER:
        raise _fail(where, f"{key} {value!r} is not one of {', '.join(CERTAINTY_ORDER)}")
    return str(value)


def _expect(raw: Any, conditions: Sequence[str], where: str) -> dict[str, Expectation]:
    if not isinstance(raw, dict):
        raise _fail(where, "field 'expect' must be an object with one entry per condition")
    out: dict[str, Expectation] = {}
    for cond in conditions:
        e = raw.get(cond)
        if not isinstance(e, dict):
            raise _fail(where, f"'expect' has no entry for the condition {cond!r}")
        direction = e.get("direction")
        if direction not in EXPECT_DIRECTIONS:
            raise _fail(where, f"direction {direction!r} for {cond!r} is not one of "
                               f"{', '.join(EXPECT_DIRECTIONS)}")
        lo = _certainty(e.get("min_certainty"), "min_certainty", where, "none")
        hi = _certainty(e.get("max_certainty"), "max_certainty", where, "high")
        if CERTAINTY_ORDER.index(lo) > CERTAINTY_ORDER.index(hi):
            raise _fail(where, f"min_certainty {lo!r} is above max_certainty {hi!r} for {cond!r}")
        out[cond] = Expectation(str(direction), lo, hi)
    extra = set(raw) - set(conditions)
    if extra:
        raise _fail(where, f"'expect' names {sorted(extra)[0]!r}, which is not one of the case's conditions")
    return out


def _case(obj: Any, where: str, line: int, base: Path) -> VerdictCase:
    if not isinstance(obj, dict):
        raise _fail(where, "expected one JSON object per line")
    case_id = _string(obj, "id", where)
    substance = _string(obj, "substance", where)
    conditions = obj.get("conditions")
    if (not isinstance(conditions, list) or not conditions
            or not all(isinstance(c, str) and c.strip() for c in conditions)):
        raise _fail(where, "field 'conditions' must be a non-empty list of strings")
    expect = _expect(obj.get("expect"), conditions, where)
    corpus: Path | None = None
    records: tuple[Mapping[str, Any], ...] = ()
    if "corpus" in obj and "records" in obj:
        raise _fail(where, "give either 'corpus' or 'records', not both")
    if "corpus" in obj:
        corpus = (base / _string(obj, "corpus", where)).resolve()
        if not corpus.is_file():
            raise _fail(where, f"the corpus {obj['corpus']!r} does not exist (looked for {corpus})")
    elif "records" in obj:
        raw = obj["records"]
        if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
            raise _fail(where, "field 'records' must be a non-empty list of record objects")
        records = tuple(raw)
    else:
        raise _fail(where, "the case needs a 'corpus' path or inline 'records'")
    ratings: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    safety = obj.get("expect_safety")
    if safety is not None:
        if not isinstance(safety, dict):
            raise _fail(where, "field 'expect_safety' must be an object")
        ratings = tuple(safety.get("ratings") or ())
        topics = tuple(safety.get("topics") or ())
        bad = [r for r in ratings if r not in SAFETY_RATINGS]
        if bad:
            raise _fail(where, f"safety rating {bad[0]!r} is not one of {', '.join(SAFETY_RATINGS)}")
        known = [t.value for t in SafetyTopic]
        bad = [t for t in topics if t not in known]
        if bad:
            raise _fail(where, f"safety topic {bad[0]!r} is not one of {', '.join(known)}")
    kind = "cochrane" if case_id.startswith("cochrane") else (
        "kratom" if "kratom" in substance.lower() else "topic")
    return VerdictCase(
        id=case_id, line=line, substance=substance, conditions=tuple(conditions), expect=expect,
        corpus=corpus, records=records, safety_ratings=ratings, safety_topics=topics,
        has_safety=safety is not None, kind=kind,
    )


def load_cases(path: Path) -> list[VerdictCase]:
    """Every case of a cases file, validated; InputFileError names the first bad line."""
    if not path.is_file():
        raise InputFileError(f"{path} does not exist; give the path of a verdict cases file (JSON Lines).")
    cases: list[VerdictCase] = []
    seen: set[str] = set()
    with path.open("rb") as f:
        for where, lineno, obj in json_lines(f, str(path)):
            case = _case(obj, where, lineno, path.parent)
            if case.id in seen:
                raise _fail(where, f"the id {case.id!r} is used by an earlier line")
            seen.add(case.id)
            cases.append(case)
    if not cases:
        raise InputFileError(f"{path} holds no cases; add one JSON object per line.")
    return cases


def _score_condition(expect: Expectation, label: str, certainty: str) -> dict[str, Any]:
    got = LABEL_DIRECTION.get(label, "insufficient")
    rank = CERTAINTY_ORDER.index
    c = certainty if certainty in CERTAINTY_ORDER else "none"
    agreed = (got == expect.direction
              and rank(expect.min_certainty) <= rank(c) <= rank(expect.max_certainty))
    overstated = (
        rank(c) > rank(expect.max_certainty)
        or (expect.direction == "insufficient" and got != "insufficient")
        or (got == "benefit" and expect.direction in ("no-benefit", "harm"))
    )
    return {"direction": got, "agreed": agreed, "overstated": overstated}


def score_case(case: VerdictCase, report: Mapping[str, Any]) -> dict[str, Any]:
    """The case's result from a report's JSON document (``Report.to_dict()``)."""
    verdicts = {v["condition"]: v for v in report["verdicts"]}
    conditions = []
    for cond in case.conditions:
        v = verdicts[cond]
        e = case.expect[cond]
        s = _score_condition(e, v["verdict"], v["certainty"])
        conditions.append({
            "condition": cond,
            "expected": {"direction": e.direction, "min_certainty": e.min_certainty,
                         "max_certainty": e.max_certainty},
            "verdict": v["verdict"],
            "certainty": v["certainty"],
            **s,
            "reasons": [r["text"] for r in v["reasons"]],
        })
    out: dict[str, Any] = {"id": case.id, "kind": case.kind, "line": case.line,
                           "conditions": conditions}
    if case.has_safety:
        rating = report["safety"]["rating"]
        reported = [t["topic"] for t in report["safety"]["topics"]]
        missing = [t for t in case.safety_topics if t not in reported]
        out["safety"] = {
            "expected_ratings": list(case.safety_ratings),
            "expected_topics": list(case.safety_topics),
            "rating": rating,
            "missing_topics": missing,
            "agreed": (not case.safety_ratings or rating in case.safety_ratings) and not missing,
            "reasons": [r["text"] for r in report["safety"]["rating_reasons"]],
        }
    return out


def _tally(results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    conds = [c for r in results for c in r["conditions"]]
    safety = [r["safety"] for r in results if "safety" in r]
    return {
        "conditions": len(conds),
        "agreed": sum(c["agreed"] for c in conds),
        "overstated": sum(c["overstated"] for c in conds),
        "safety_cases": len(safety),
        "safety_agreed": sum(s["agreed"] for s in safety),
    }


def _summary(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The tally of all results, and the same tally for each kind of case."""
    kinds = dict.fromkeys(r["kind"] for r in results)
    return {**_tally(results),
            "by_kind": {k: _tally([r for r in results if r["kind"] == k]) for k in kinds}}


def with_readings(appraiser: Appraiser, path: Path) -> Appraiser:
    """``appraiser`` reading each record whose (title, conclusions) key is in ``path`` (JSON Lines
    of ``{"key", "label", "probabilities"}``, written by ``training/reader.py export``: the reading
    of the fold's model, decided with the temperature and thresholds chosen on the other folds)
    from there; every other record with the shipped reader."""
    table: dict[str, tuple[str, list[float]]] = {}
    line_no = 0
    try:
        with path.open(encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):  # noqa: B007 (named in the error)
                d = json.loads(line)
                table[d["key"]] = (str(d["label"]), [float(d["probabilities"][k]) for k in LABELS])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputFileError(f"{path} is not a readings file ({type(e).__name__} at line {line_no}); "
                             "give the oof-readings.jsonl that training/reader.py export writes.") from e
    model = default_reader()

    def read(title: str, sentences: Sequence[Sentence]) -> Reading:
        got = reader_sentences(sentences)
        found = table.get(text_key(*reader_input(title, got))) if got else None
        if found is None:
            return model(title, sentences)
        label, p = found
        top = LABELS[max(range(len(LABELS)), key=lambda i: p[i])]
        if label == "insufficient" and top != "insufficient":
            label = "uncertain"  # a direction below the fold's threshold
        prob = max(p)
        return Reading(label, prob, tuple(zip(LABELS, p, strict=True)),
                       tuple(Evidence(s.text, s.role) for s in got), model.version + "-oof", top)

    return dataclasses.replace(appraiser, reader=read)


def eval_verdicts(path: Path, progress: Progress = None,
                  appraiser: Appraiser = DEFAULT_APPRAISER) -> dict[str, Any]:
    """Run every case of ``path`` through ingest + offline ask and score it.

    Returns ``{"task", "file", "summary": {conditions, agreed, overstated, safety_cases,
    safety_agreed, by_kind}, "results": [...], "seconds"}``."""
    cases = load_cases(path)
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="scisays-verdicts-") as tmp:
        shared: dict[Path, Path] = {}
        for i, case in enumerate(cases):
            if case.corpus is not None:
                db = shared.get(case.corpus)
                if db is None:
                    db = Path(tmp) / f"corpus-{len(shared)}.sqlite"
                    with Corpus.open(db, create=True) as corpus:
                        ingest_file(corpus, case.corpus, parallel=False)
                    shared[case.corpus] = db
            else:
                src = Path(tmp) / f"case-{i}.jsonl"
                src.write_text("".join(json.dumps(r) + "\n" for r in case.records), "utf-8")
                db = Path(tmp) / f"case-{i}.sqlite"
                with Corpus.open(db, create=True) as corpus:
                    ingest_file(corpus, src, parallel=False)
            with Corpus.open(db) as corpus:
                report = ask(corpus, case.substance, case.conditions, offline=True, appraiser=appraiser)
            results.append(score_case(case, report.to_dict()))
            if case.corpus is None:
                db.unlink(missing_ok=True)
            if progress:
                progress(i + 1, len(cases))
    return {
        "task": "verdicts",
        "file": str(path),
        "summary": _summary(results),
        "results": results,
        "seconds": round(time.perf_counter() - started, 2),
    }
