"""Evidence gaps: what kind of study is missing, per condition and for safety (pure).

"0 registered trials" is said only when ClinicalTrials.gov was actually queried
(``Report.source_status`` has an entry named "ClinicalTrials.gov" with ok=True)."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import (
    Design,
    Direction,
    Gap,
    Question,
    SafetyTopic,
    SourceStatus,
    Species,
    Study,
    Trial,
    Verdict,
)
from .grade import INDIRECT, POOLED, RANDOMISED, REVIEWS

REGISTRY = "ClinicalTrials.gov"
_OPEN = ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION")


def _addresses(s: Study, condition: str) -> bool:
    f = s.appraisal.finding_for(condition)
    return f is not None and f.direction is not Direction.NOT_ADDRESSED


def _human(s: Study) -> bool:
    return s.appraisal.design not in (*INDIRECT, *REVIEWS) and s.appraisal.species not in (
        Species.ANIMAL, Species.IN_VITRO)


def _trials_for(trials: Sequence[Trial], terms: Sequence[str]) -> list[Trial]:
    words = [t.casefold() for t in terms if t.strip()]
    return [t for t in trials
            if any(w in " ".join((t.title, *t.conditions)).casefold() for w in words)]


def evidence_gaps(
    question: Question,
    verdicts: Sequence[Verdict],
    studies: Sequence[Study],
    trials: Sequence[Trial] = (),
    source_status: Sequence[SourceStatus] = (),
) -> tuple[Gap, ...]:
    """The missing kinds of evidence, most important first within each condition."""
    registry = any(s.name == REGISTRY and s.ok for s in source_status)
    sub = question.substance
    gaps: list[Gap] = []
    for v in verdicts:
        c = v.condition
        addressing = [s for s in studies if _addresses(s, c)]
        rand = [s for s in addressing if s.appraisal.design in RANDOMISED]
        human = [s for s in addressing if _human(s)]
        controlled = [s for s in human if s.appraisal.design in (
            *RANDOMISED, Design.NON_RANDOMIZED_TRIAL, Design.COHORT, Design.CASE_CONTROL)]
        if not addressing:
            gaps.append(Gap(c, "no-studies", f"No study of {sub} for {c} was found in the searched sources."))
        elif not human:
            gaps.append(Gap(c, "no-human-studies",
                            f"No study of {sub} for {c} in people was found: the only evidence is from "
                            "animals, cells or reviews.", tuple(s.record.citation for s in addressing)))
        elif not controlled:
            gaps.append(Gap(c, "no-controlled-studies",
                            f"No study of {sub} for {c} compares users with non-users (no trial, cohort "
                            "or case-control study): all human evidence is uncontrolled.",
                            tuple(s.record.citation for s in human)))
        if not rand:
            text = (f"No randomised controlled trial of {sub} for {c} has been published in the "
                    "searched sources")
            if registry:
                reg = _trials_for(trials, question.terms_for(c))
                interventional = [t for t in reg if t.study_type.upper() != "OBSERVATIONAL"]
                open_ = [t for t in reg if t.status.upper() in _OPEN]
                text += (f"; {len(reg)} registered {'trial' if len(reg) == 1 else 'trials'} on "
                         f"ClinicalTrials.gov ({len(interventional)} interventional, "
                         f"{len(open_)} ongoing or about to start).")
                gaps.append(Gap(c, "no-rct", text, tuple(t.nct_id for t in reg)))
            else:
                text += "; registered trials were not searched (ClinicalTrials.gov was not queried)."
                gaps.append(Gap(c, "no-rct", text))
        else:
            primary = [s for s in rand if s.appraisal.design not in POOLED]
            n = sum(s.appraisal.sample_size or 0 for s in primary)
            if any(d.domain == "imprecision" and d.levels for d in v.downgrades):
                gaps.append(Gap(c, "small-trials",
                                f"The randomised evidence is small ({n:,} participants in the trials read): "
                                "a large, pre-registered trial is needed.",
                                tuple(s.record.citation for s in rand)))
            if v.label == "uncertain (conflicting)":
                gaps.append(Gap(c, "conflicting",
                                "Trials disagree: a larger trial, or a meta-analysis explaining the "
                                "disagreement, is needed.", v.basis))
    human_all = [s for s in studies if _human(s)]
    topics = {m.topic for s in human_all for m in s.appraisal.safety}
    if studies and SafetyTopic.DRUG_INTERACTION not in topics:
        gaps.append(Gap("", "no-interaction-studies",
                        f"No human study found reports on drug interactions of {sub}."))
    long_term = [s for s in human_all if s.appraisal.design in (Design.COHORT, Design.RCT, *POOLED)]
    if studies and not long_term:
        gaps.append(Gap("", "no-long-term-safety",
                        f"No cohort study or randomised trial reports on the safety of {sub} over time: "
                        "harms are known only from surveys, case reports and poison-centre data."))
    return tuple(gaps)
