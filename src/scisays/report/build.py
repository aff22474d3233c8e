"""Build a Report from a question and its appraised studies (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from ..model import Question, Report, Study
from ..synthesize import DESIGN_ORDER, safety_profile, synthesize

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
) -> Report:
    """The whole report: verdict per condition, safety profile, ordered studies, notes."""
    ordered = order_studies(studies)
    all_notes = list(notes)
    if not ordered:
        all_notes.insert(
            0,
            f"No study in the searched sources mentions {question.substance} "
            f"(searched for: {', '.join(question.substance_terms)}).",
        )
    all_notes.append(DISCLAIMER)
    return Report(
        question=question,
        verdicts=synthesize(question.conditions, ordered),
        safety=safety_profile(ordered),
        studies=ordered,
        sources=tuple(sources),
        notes=tuple(all_notes),
        generator=f"scisays {__version__}",
    )
