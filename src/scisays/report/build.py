"""Build a Report from a question and its appraised studies (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from ..appraise import READER_METHOD
from ..appraise.finding import is_perceived
from ..model import AdverseEvents, Finding, Question, Report, SourceStatus, Study, Trial
from ..synthesize import DESIGN_ORDER, grade, safety_profile
from ..synthesize.dose import dose_summary
from ..synthesize.gaps import evidence_gaps
from ..synthesize.regulatory import regulation_for


def finding_qualifier(finding: Finding) -> str:
    """What every format says beside a finding so it is not taken for more than it is:
    'compared with nifedipine', 'as users perceive it, not a measured outcome', how the learned
    reader read the conclusions quoted below it (or that it could not read them with
    confidence), or ''."""
    if finding.comparator:
        return f"compared with {finding.comparator}"
    if is_perceived(finding):
        return "as users perceive it, not a measured outcome"
    reader, _, label = finding.method.partition(":")
    if reader != READER_METHOD:
        return ""
    if label == "uncertain":
        return (f"its conclusions could not be read with confidence (the reader's probability "
                f"{finding.confidence:.2f} is below its threshold): read them below")
    if label == "unread":
        return "it has no abstract to read"
    return f"as the learned reader read its conclusions, probability {finding.confidence:.2f}"


DISCLAIMER = (
    "scisays reads conclusions with a learned reader and abstracts with rules, and can misread "
    "them; where it cannot read a conclusion with confidence it says so instead of guessing. Check "
    "the quoted sentences and the studies themselves. This is a summary of published research, "
    "not medical advice."
)


def order_studies(studies: Sequence[Study]) -> tuple[Study, ...]:
    """Strongest design first, then newest, then most relevant."""
    return tuple(
        sorted(
            studies,
            key=lambda s: (
                DESIGN_ORDER.index(s.appraisal.design),
                -(s.record.year or 0),
                -s.score,
                s.record.key,
            ),
        )
    )


def build_report(
    question: Question,
    studies: Sequence[Study],
    sources: Sequence[str],
    notes: Sequence[str] = (),
    *,
    trials: Sequence[Trial] = (),
    adverse_events: Sequence[AdverseEvents] = (),
    source_status: Sequence[SourceStatus] = (),
) -> Report:
    """The whole report: verdict and certainty per condition, safety profile and rating,
    regulatory facts, doses, evidence gaps, ordered studies, notes. Trials, adverse-event
    counts and source status (from live sources) feed the gaps and the safety rating; trials
    are listed ongoing and unreported first."""
    ordered = order_studies(studies)
    all_notes = list(notes)
    if not ordered:
        all_notes.insert(
            0,
            f"No study in the searched sources mentions {question.substance} "
            f"(searched for: {', '.join(question.substance_terms)}).",
        )
    retracted = [s for s in ordered if s.appraisal.retracted]
    if retracted:
        all_notes.append(
            f"{len(retracted)} retracted publication{'s are' if len(retracted) > 1 else ' is'} "
            "listed but left out of the grade and the safety rating: "
            + ", ".join(s.record.citation for s in retracted) + "."
        )
    all_notes.append(DISCLAIMER)
    graded = [s for s in ordered if not s.appraisal.retracted]
    regulation = regulation_for(question.substance_terms or (question.substance,))
    verdicts = grade(question.conditions, graded)
    return Report(
        question=question,
        verdicts=verdicts,
        safety=safety_profile(graded, adverse_events, regulation),
        studies=ordered,
        sources=tuple(sources),
        notes=tuple(all_notes),
        generator=f"scisays {__version__}",
        trials=order_trials(trials),
        adverse_events=tuple(adverse_events),
        source_status=tuple(source_status),
        regulation=regulation,
        dose=dose_summary(ordered),
        gaps=evidence_gaps(question, verdicts, ordered, trials, source_status),
    )


ONGOING_STATUSES = frozenset(
    {"NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING"}
)


def trial_gap(trial: Trial) -> str:
    """'ongoing', 'completed, no results posted', 'ended early, no results posted' or ''."""
    if trial.status in ONGOING_STATUSES:
        return "ongoing"
    if trial.has_results:
        return ""
    if trial.status == "COMPLETED":
        return "completed, no results posted"
    if trial.status in ("TERMINATED", "WITHDRAWN", "SUSPENDED"):
        return f"{trial.status.lower()}, no results posted"
    return "no results posted"


def order_trials(trials: Sequence[Trial]) -> tuple[Trial, ...]:
    """Ongoing first, then finished without results (the gaps), then with results; newest first."""

    def rank(t: Trial) -> int:
        gap = trial_gap(t)
        return 0 if gap == "ongoing" else 1 if gap else 2

    newest = sorted(trials, key=lambda t: (t.start_date, t.nct_id), reverse=True)
    return tuple(sorted(newest, key=rank))
