"""Appraisal: pure functions that read one record against a question.

``Appraiser`` bundles the steps; each is a plain function, so a trained model can replace
one step (``Appraiser(find_direction=my_model)``) without touching the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model import (
    Appraisal,
    Design,
    DoseMention,
    Evidence,
    Finding,
    Question,
    Record,
    SafetyMention,
    Species,
)
from .design import DesignCall, classify_design, classify_species
from .details import extract_sample_size
from .dose import find_dose_effects, find_doses
from .finding import find_direction
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
    finding: Callable[[Sequence[Sentence], str, Sequence[str]], Finding] = find_direction
    safety: Callable[[str, Sequence[Sentence]], tuple[SafetyMention, ...]] = find_safety
    doses: Callable[[Sequence[Sentence], Sequence[str]], tuple[DoseMention, ...]] = find_doses
    dose_effects: Callable[[str, Sequence[Sentence], Design], tuple[Evidence, ...]] = find_dose_effects

    def __call__(self, record: Record, question: Question) -> Appraisal:
        """Appraise ``record`` for every condition of ``question``."""
        sentences = self.split(record)
        call = self.design(record)
        n, n_sentence = self.sample_size(sentences, call.design)
        return Appraisal(
            record_key=record.key,
            design=call.design,
            design_basis=call.basis,
            species=call.species if self.species is classify_species else self.species(record),
            sample_size=n,
            sample_size_evidence=n_sentence,
            conclusion=tuple(Evidence(s.text, s.role) for s in conclusion_sentences(sentences)),
            findings=tuple(
                self.finding(sentences, c, question.terms_for(c)) for c in question.conditions
            ),
            safety=self.safety(record.title, sentences),
            doses=self.doses(sentences, question.substance_terms or (question.substance,)),
            dose_effects=self.dose_effects(record.title, sentences, call.design),
        )


DEFAULT_APPRAISER = Appraiser()


def appraise(record: Record, question: Question) -> Appraisal:
    """Appraise one record with the default (rules v1) appraiser."""
    return DEFAULT_APPRAISER(record, question)
