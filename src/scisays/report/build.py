"""Build a Report from a question and its appraised studies (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from ..model import AdverseEvents, Question, Report, SourceStatus, Study, Trial
from ..synthesize import DESIGN_ORDER, grade, safety_profile
from ..synthesize.dose import dose_summary
from ..synthesize.gaps import evidence_gaps
from ..synthesize.regulatory import regulation_for

DISCLAIMER = (
    "scisays reads abstracts with rules (appraisal v1) and can misread them: check the quoted "
    "sentences and the studies themselves. This is a summary of published research, "
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
    counts and source status (from live sources) feed the gaps and the safety rating."""
    ordered = order_studies(studies)
    all_notes = list(notes)
    if not ordered:
        all_notes.insert(
            0,
            f"No study in the searched sources mentions {question.substance} "
            f"(searched for: {', '.join(question.substance_terms)}).",
        )
    all_notes.append(DISCLAIMER)
    regulation = regulation_for(question.substance_terms or (question.substance,))
    verdicts = grade(question.conditions, ordered)
    return Report(
        question=question,
        verdicts=verdicts,
        safety=safety_profile(ordered, adverse_events, regulation),
        studies=ordered,
        sources=tuple(sources),
        notes=tuple(all_notes),
        generator=f"scisays {__version__}",
        trials=tuple(trials),
        adverse_events=tuple(adverse_events),
        source_status=tuple(source_status),
        regulation=regulation,
        dose=dose_summary(ordered),
        gaps=evidence_gaps(question, verdicts, ordered, trials, source_status),
    )
