"""Appraisal: pure functions that read one record against a question.

``Appraiser`` bundles the steps; each is a plain function, so a trained model can replace
one step (``Appraiser(find_direction=my_model)``) without touching the rest.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model import (
    Appraisal,
    Design,
    Direction,
    DoseMention,
    Evidence,
    Finding,
    Question,
    Record,
    SafetyMention,
    SentenceRole,
    Species,
)
from .design import DesignCall, classify_design, classify_species
from .details import extract_sample_size
from .dose import find_dose_effects, find_doses
from .finding import active_comparator, find_direction, placebo_controlled
from .review import certainty_statements, pooled_designs
from .safety import find_safety
from .sections import Sentence, assign_roles, conclusion_sentences

__all__ = ["Appraiser", "appraise"]


@dataclass(frozen=True)
class Appraiser:
    """The appraisal steps. Every field is a pure function and may be swapped."""

    split: Callable[[Record], list[Sentence]] = assign_roles
    design: Callable[[Record], DesignCall] = classify_design
    species: Callable[[Record], Species] = classify_species
    sample_size: Callable[[list[Sentence], Design], tuple[int | None, str | None]] = (
        extract_sample_size
    )
    finding: Callable[..., Finding] = find_direction  # (sentences, condition, terms, question=)
    safety: Callable[[str, Sequence[Sentence]], tuple[SafetyMention, ...]] = find_safety
    doses: Callable[[Sequence[Sentence], Sequence[str]], tuple[DoseMention, ...]] = find_doses
    dose_effects: Callable[[str, Sequence[Sentence], Design], tuple[Evidence, ...]] = find_dose_effects

    def __call__(self, record: Record, question: Question) -> Appraisal:
        """Appraise ``record`` for every condition of ``question``."""
        sentences = self.split(record)
        call = self.design(record)
        n, n_sentence = self.sample_size(sentences, call.design)
        review = call.design in (Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW)
        question_text = ""
        if review:
            question_text = " ".join(
                [record.title, *(s.text for s in sentences if s.role is SentenceRole.OBJECTIVE)])
        findings = tuple(
            _head_to_head(record, sentences,
                          self.finding(sentences, c, question.terms_for(c), question=question_text,
                                       substance=question.substance_terms))
            for c in question.conditions
        )
        return Appraisal(
            record_key=record.key,
            design=call.design,
            design_basis=call.basis,
            species=call.species if self.species is classify_species else self.species(record),
            sample_size=n,
            sample_size_evidence=n_sentence,
            conclusion=tuple(Evidence(s.text, s.role) for s in conclusion_sentences(sentences)),
            findings=findings,
            safety=self.safety(record.title, sentences),
            doses=self.doses(sentences, question.substance_terms or (question.substance,)),
            dose_effects=self.dose_effects(record.title, sentences, call.design),
            pooled=pooled_designs(record.title, sentences) if review else None,
            certainty_statements=certainty_statements(sentences) if review else (),
            retracted=retraction(record),
        )


_RETRACTED_TITLE = re.compile(r"^\W*(?:retracted|retraction)\b", re.IGNORECASE)


def retraction(record: Record) -> str:
    """Why the record counts as retracted ('' if it does not): PubMed's publication type
    "Retracted Publication" (set also from a "Retraction in" notice) or a title so marked."""
    if any(p.casefold() == "retracted publication" for p in record.publication_types):
        return 'publication type "Retracted Publication"'
    if _RETRACTED_TITLE.search(record.title):
        return "the title marks it retracted"
    return ""


def _head_to_head(record: Record, sentences: Sequence[Sentence], finding: Finding) -> Finding:
    """A "no difference" finding of a study that compared the substance with another active
    treatment and no placebo ("enalapril versus nifedipine") is a comparison, not no effect."""
    if finding.direction not in (Direction.NO_EFFECT, Direction.MIXED):
        return finding
    quoted = {e.text for e in finding.evidence}
    comparator = active_comparator(record.title) or next(
        (c for s in sentences if (s.role is SentenceRole.METHODS or s.text in quoted)
         and (c := active_comparator(s.text))), "")
    if not comparator or placebo_controlled(record.title, sentences):
        return finding
    return dataclasses.replace(finding, direction=Direction.COMPARISON, comparator=comparator)


DEFAULT_APPRAISER = Appraiser()


def appraise(record: Record, question: Question) -> Appraisal:
    """Appraise one record with the default (rules v1) appraiser."""
    return DEFAULT_APPRAISER(record, question)
