"""Read a versioned JSON report document back into a Report (the inverse of ``Report.to_dict``).

The web app keeps built reports as JSON (its history) and renders them again from here.
``tests/test_schema.py`` checks that ``report_from_dict(r.to_dict()).to_dict() == r.to_dict()``,
so a field added to the model without a reader here fails the tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import ScisaysError
from ..model import (
    REPORT_SCHEMA,
    REPORT_SCHEMA_VERSION,
    AdverseEvents,
    Appraisal,
    CertaintyStatement,
    CitedDose,
    CitedSentence,
    Design,
    Direction,
    DoseMention,
    DoseRange,
    DoseSummary,
    Downgrade,
    Evidence,
    Finding,
    Gap,
    Pooled,
    Question,
    Reading,
    Reason,
    Record,
    Regulation,
    RegulatoryFact,
    Report,
    SafetyMention,
    SafetyProfile,
    SafetyTopic,
    SafetyTopicSummary,
    SentenceRole,
    SourceStatus,
    Species,
    Study,
    Trial,
    Verdict,
)


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of report documents, shipped in ``scisays/schemas/``."""
    text = resources.files("scisays").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


class ReportFormatError(ScisaysError):
    """A JSON document is not a scisays report this version can read."""


ROLES = {r.value: r for r in SentenceRole}  # a dict lookup: far cheaper than SentenceRole(value)


def _evidence(d: Mapping[str, Any]) -> Evidence:
    role = d.get("role") or "UNLABELLED"
    return Evidence(text=d["text"], role=ROLES.get(role) or SentenceRole(role))


def appraisal_from_dict(d: Mapping[str, Any]) -> Appraisal:
    return Appraisal(
        record_key=d["record_key"],
        design=Design(d["design"]),
        design_basis=d["design_basis"],
        species=Species(d["species"]),
        sample_size=d["sample_size"],
        sample_size_evidence=d["sample_size_evidence"],
        conclusion=tuple(_evidence(e) for e in d["conclusion"]),
        findings=tuple(
            Finding(
                condition=f["condition"],
                direction=Direction(f["direction"]),
                evidence=tuple(_evidence(e) for e in f["evidence"]),
                confidence=f["confidence"],
                method=f["method"],
                comparator=f.get("comparator", ""),
                addressed_by=f.get("addressed_by", ""),
            )
            for f in d["findings"]
        ),
        safety=tuple(
            SafetyMention(topic=SafetyTopic(m["topic"]), evidence=_evidence(m["evidence"]))
            for m in d["safety"]
        ),
        doses=tuple(_dose(x) for x in d.get("doses", ())),
        dose_effects=tuple(_evidence(e) for e in d.get("dose_effects", ())),
        pooled=Pooled(d["pooled"]["kind"], d["pooled"]["basis"]) if d.get("pooled") else None,
        certainty_statements=tuple(
            CertaintyStatement(c["level"], c["text"], SentenceRole(c.get("role") or "UNLABELLED"),
                               c.get("index", 0), explicit=c.get("explicit", True))
            for c in d.get("certainty_statements", ())
        ),
        retracted=d.get("retracted", ""),
        reading=_reading(d["reading"]) if d.get("reading") else None,
    )


def _reading(d: Mapping[str, Any]) -> Reading:
    return Reading(label=d["label"], probability=d["probability"],
                   probabilities=tuple((k, float(v)) for k, v in d["probabilities"].items()),
                   evidence=tuple(_evidence(e) for e in d["evidence"]), reader=d["reader"],
                   top=d.get("top", ""))


def _dose(d: Mapping[str, Any]) -> DoseMention:
    return DoseMention(
        low=d["low"], high=d["high"], unit=d["unit"], frequency=d["frequency"], route=d["route"],
        evidence=_evidence(d["evidence"]),
    )


def _dose_summary(d: Mapping[str, Any]) -> DoseSummary:
    return DoseSummary(
        doses=tuple(
            CitedDose(x["citation"], Design(x["design"]), Species(x["species"]), _dose(x["dose"]))
            for x in d["doses"]
        ),
        ranges=tuple(
            DoseRange(x["unit"], Species(x["species"]), x["low"], x["high"], tuple(x["citations"]))
            for x in d["ranges"]
        ),
        effects=tuple(
            CitedSentence(x["citation"], Design(x["design"]), _evidence(x)) for x in d["effects"]
        ),
    )


def _regulation(d: Mapping[str, Any]) -> Regulation:
    return Regulation(
        substance=d["substance"],
        as_of=d["as_of"],
        version=d["version"],
        facts=tuple(RegulatoryFact(**f) for f in d["facts"]),
    )


def _reasons(items: Any) -> tuple[Reason, ...]:
    return tuple(Reason(r["text"], tuple(r["citations"])) for r in items)


def _question(d: Mapping[str, Any]) -> Question:
    return Question(
        substance=d["substance"],
        conditions=tuple(d["conditions"]),
        substance_terms=tuple(d["substance_terms"]),
        condition_terms={c: tuple(t) for c, t in d["condition_terms"].items()},
    )


def _verdict(d: Mapping[str, Any]) -> Verdict:
    return Verdict(
        condition=d["condition"],
        label=d["verdict"],
        certainty=d["certainty"],
        reasons=_reasons(d["reasons"]),
        counts={k: dict(v) for k, v in d["counts"].items()},
        studies_addressing=d["studies_addressing"],
        total_participants=d["total_participants"],
        start_certainty=d.get("start_certainty", "none"),
        downgrades=tuple(
            Downgrade(x["domain"], x["levels"], x["text"], tuple(x["citations"]))
            for x in d.get("downgrades", ())
        ),
        basis=tuple(d.get("basis", ())),
    )


def _topic(d: Mapping[str, Any]) -> SafetyTopicSummary:
    return SafetyTopicSummary(
        topic=SafetyTopic(d["topic"]),
        mentions=tuple((m["citation"], _evidence(m)) for m in d["mentions"]),
        designs=dict(d["designs"]),
    )


def _trial(d: Mapping[str, Any]) -> Trial:
    return Trial(
        nct_id=d["nct_id"],
        title=d["title"],
        status=d["status"],
        phase=d["phase"],
        enrollment=d["enrollment"],
        start_date=d["start_date"],
        completion_date=d["completion_date"],
        has_results=d["has_results"],
        conditions=tuple(d["conditions"]),
        interventions=tuple(d["interventions"]),
        study_type=d["study_type"],
    )


def _adverse(d: Mapping[str, Any]) -> AdverseEvents:
    return AdverseEvents(
        database=d["database"],
        query=d["query"],
        total_reports=d["total_reports"],
        serious_reports=d["serious_reports"],
        hospitalisations=d["hospitalisations"],
        deaths=d["deaths"],
        top_reactions=tuple((x["term"], x["reports"]) for x in d["top_reactions"]),
        outcomes=tuple((x["outcome"], x["reports"]) for x in d["outcomes"]),
        by_year=tuple((x["year"], x["reports"]) for x in d["by_year"]),
        retrieved=d["retrieved"],
        caveat=d["caveat"],
    )


def report_from_dict(d: Mapping[str, Any]) -> Report:
    """The Report a ``Report.to_dict()`` document describes.

    Raises ReportFormatError if the document is not a scisays report of this schema version
    or lacks a required field."""
    if d.get("schema") != REPORT_SCHEMA or d.get("schema_version") != REPORT_SCHEMA_VERSION:
        raise ReportFormatError(
            f"This is not a {REPORT_SCHEMA} document of schema version {REPORT_SCHEMA_VERSION}; "
            "rebuild the report with this version of scisays."
        )
    try:
        return Report(
            question=_question(d["question"]),
            verdicts=tuple(_verdict(v) for v in d["verdicts"]),
            safety=SafetyProfile(
                topics=tuple(_topic(t) for t in d["safety"]["topics"]),
                rating=d["safety"].get("rating", "insufficient evidence to rate"),
                rating_reasons=_reasons(d["safety"].get("rating_reasons", ())),
            ),
            studies=tuple(
                Study(
                    record=Record.from_dict(s["record"]),
                    appraisal=appraisal_from_dict(s["appraisal"]),
                    score=s["relevance"],
                )
                for s in d["studies"]
            ),
            sources=tuple(d["sources"]),
            notes=tuple(d["notes"]),
            generator=d["generator"],
            trials=tuple(_trial(t) for t in d.get("trials", ())),
            adverse_events=tuple(_adverse(a) for a in d.get("adverse_events", ())),
            source_status=tuple(SourceStatus(**s) for s in d.get("source_status", ())),
            regulation=_regulation(d["regulation"]) if "regulation" in d else Regulation(),
            dose=_dose_summary(d["dose"]) if "dose" in d else DoseSummary(),
            gaps=tuple(
                Gap(g["condition"], g["kind"], g["text"], tuple(g["citations"])) for g in d.get("gaps", ())
            ),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ReportFormatError(
            f"The report document is incomplete or malformed ({type(e).__name__}: {e}); "
            "rebuild the report with this version of scisays."
        ) from None
