"""ClinicalTrials.gov API v2: registered trials of the substance for the condition(s).

``GET studies?query.intr=…&query.cond=…&fields=…&pageSize=…&countTotal=true``, paged with
``nextPageToken``. The service publishes no rate limit; scisays stays at a polite 3 requests/s
(its robots.txt asks crawlers for one page a second, and a question needs one or two pages).
Only the fields the report shows are requested, which keeps pages small.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..config import Settings
from ..model import Question, Trial
from ..text import clean
from .base import ProgressFn, SourceResult, condition_terms, no_progress, phrases
from .http import BadResponse, HttpClient, Service, each_readable, parse_json

PAGE_SIZE = 200
MAX_TRIALS = 1000
FIELDS = (
    "NCTId,BriefTitle,OverallStatus,Phase,EnrollmentCount,StartDate,CompletionDate,"
    "HasResults,Condition,InterventionName,StudyType"
)


def _or(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def trial_from_study(study: Mapping[str, Any]) -> Trial | None:
    """A Trial from one ``studies[]`` element; None without an NCT id."""
    ps = study.get("protocolSection") or {}

    def section(name: str) -> Mapping[str, Any]:
        value = ps.get(name)
        return value if isinstance(value, Mapping) else {}

    ident, status, design = section("identificationModule"), section("statusModule"), section("designModule")
    nct = clean(str(ident.get("nctId") or "")).upper()
    if not nct.startswith("NCT"):
        return None
    enrollment = (design.get("enrollmentInfo") or {}).get("count")
    phases = design.get("phases") or []
    interventions = (section("armsInterventionsModule").get("interventions")) or []
    return Trial(
        nct_id=nct,
        title=clean(str(ident.get("briefTitle") or ident.get("officialTitle") or "")),
        status=clean(str(status.get("overallStatus") or "")),
        phase="/".join(clean(str(p)) for p in phases if p),
        enrollment=(int(enrollment) if isinstance(enrollment, int | float) and math.isfinite(enrollment)
                    else None),  # not 1e999, which JSON reads as infinity
        start_date=clean(str((status.get("startDateStruct") or {}).get("date") or "")),
        completion_date=clean(str((status.get("completionDateStruct") or {}).get("date") or "")),
        has_results=bool(study.get("hasResults")),
        conditions=tuple(clean(str(c)) for c in section("conditionsModule").get("conditions") or () if c),
        interventions=tuple(
            clean(str(i.get("name"))) for i in interventions if isinstance(i, Mapping) and i.get("name")
        ),
        study_type=clean(str(design.get("studyType") or "")),
    )


def parse_studies(content: bytes, status: int = 200) -> tuple[list[Trial], str, int | None]:
    """(trials, nextPageToken or '', totalCount or None) from a ``studies`` answer."""
    doc = parse_json(content)
    if not isinstance(doc, dict) or not isinstance(doc.get("studies"), list):
        raise BadResponse("returned JSON without a 'studies' list")
    trials = each_readable(doc["studies"], trial_from_study)
    total = doc.get("totalCount")
    return trials, str(doc.get("nextPageToken") or ""), int(total) if isinstance(total, int) else None


class ClinicalTrials:
    """The ClinicalTrials.gov source (``--source clinicaltrials``)."""

    key = "clinicaltrials"
    name = "ClinicalTrials.gov"

    def __init__(self, client: HttpClient, settings: Settings) -> None:
        self.service = Service(self.name, settings.url("clinicaltrials"), rate=3.0)
        self.client = client

    def params(self, question: Question) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "query.intr": _or(phrases(question.substance_terms, limit=12)),
            "fields": FIELDS,
            "pageSize": PAGE_SIZE,
            "countTotal": "true",
            "format": "json",
        }
        conds = phrases(condition_terms(question), limit=20)
        if conds:
            params["query.cond"] = _or(conds)
        return params

    def run(self, question: Question, progress: ProgressFn = no_progress) -> SourceResult:
        """Every registered trial matching the question (up to 1,000)."""
        params = self.params(question)
        trials: dict[str, Trial] = {}
        total: int | None = None
        token = ""
        all_cached = True
        while True:
            page = {**params, "pageToken": token} if token else params
            got = self.client.fetch(self.service, "studies", page, parse=parse_studies)
            batch, token, page_total = got.value
            total = page_total if page_total is not None else total
            all_cached = all_cached and got.from_cache
            for t in batch:
                trials.setdefault(t.nct_id, t)
            progress(len(trials), total)
            if not token or not batch or len(trials) >= MAX_TRIALS:
                break
        notes = []
        if total is not None and total > len(trials):
            notes.append(f"ClinicalTrials.gov lists {total:,} trials; the first {len(trials):,} are shown.")
        return SourceResult(trials=tuple(trials.values()), hits=total or len(trials), notes=tuple(notes),
                            from_cache=all_cached)
