"""Appraisal: pure functions that read one record against a question.

``Appraiser`` bundles the steps; each is a plain function, so a trained model can replace
one step (``Appraiser(find_direction=my_model)``) without touching the rest.

What a study concluded is read by the learned reader of conclusions (``appraise.reader``) when the
appraiser has one (the default): the rules decide whether the study addresses the question's
condition, the reader what its conclusions say about its intervention — or that they could not be
read with confidence. ``RULES_APPRAISER`` reads with the rules alone (``--reader rules``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .. import __version__
from ..errors import UsageError
from ..model import (
    Appraisal,
    Design,
    Direction,
    DoseMention,
    Evidence,
    Finding,
    Question,
    Reading,
    Record,
    SafetyMention,
    SentenceRole,
    Species,
)
from .design import DesignCall, classify_design, classify_species
from .details import extract_sample_size
from .dose import Amount, amounts, find_dose_effects, find_doses
from .finding import active_comparator, addresses, find_direction, placebo_controlled, read_sentence
from .reader import default_reader
from .review import certainty_statements, pooled_designs
from .safety import find_safety
from .sections import Sentence, assign_roles, conclusion_sentences

__all__ = ["APPRAISAL_VERSION", "READERS", "RULES_APPRAISER", "Appraiser", "Base", "appraise",
           "appraiser_for", "read_conclusions"]

Reader = Callable[[str, Sequence[Sentence]], Reading]


def read_conclusions(title: str, sentences: Sequence[Sentence]) -> Reading:
    """The shipped reader's reading (loaded at first use; ReaderError if it cannot be)."""
    return default_reader()(title, sentences)


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
    reader: Reader | None = read_conclusions  # None: what a study concluded is read by the rules

    @property
    def version(self) -> str | None:
        """The version of the question-independent appraisal this appraiser computes, under
        which it may be stored and reused (``APPRAISAL_VERSION``); None for an appraiser with a
        step swapped, whose results are never stored."""
        return APPRAISAL_VERSION if self.base_steps() == DEFAULT_BASE_STEPS else None

    def base_steps(self) -> tuple[Callable[..., Any], ...]:
        return (self.split, self.design, self.species, self.sample_size, self.safety, self.dose_effects)

    def base(self, record: Record, *, readings: bool = False) -> Base:
        """The question-independent part: sentences and roles, design, species, sample size,
        conclusion, safety mentions, dose effects, what a review pooled and the certainty it
        states, retraction. Computed once per record and version (``corpus appraise``), which
        also reads what every sentence states and what the conclusions say (``readings``): worth
        it when stored for every later question, wasted for one question (``ask`` reads only the
        sentences it needs, and the conclusions only of a study that addresses the question)."""
        sentences = self.split(record)
        call = self.design(record)
        n, n_sentence = self.sample_size(sentences, call.design)
        review = call.design in (Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW)
        # what each sentence states does not depend on the question (a review's conclusions
        # are read with their main clause leading): read once, here
        said = (tuple(read_sentence(x.text, conclusion=review) for x in sentences)
                if readings and self.finding is find_direction else None)
        at = amounts(sentences) if readings and self.doses is find_doses else None
        return Base(tuple(sentences), Appraisal(
            record_key=record.key,
            design=call.design,
            design_basis=call.basis,
            species=call.species if self.species is classify_species else self.species(record),
            sample_size=n,
            sample_size_evidence=n_sentence,
            conclusion=tuple(Evidence(s.text, s.role) for s in conclusion_sentences(sentences)),
            findings=(),
            safety=self.safety(record.title, sentences),
            dose_effects=self.dose_effects(record.title, sentences, call.design),
            pooled=pooled_designs(record.title, sentences) if review else None,
            certainty_statements=certainty_statements(sentences) if review else (),
            retracted=retraction(record),
            reading=self.reader(record.title, sentences) if readings and self.reader else None,
        ), said, at)

    def for_question(self, record: Record, base: Base, question: Question) -> Appraisal:
        """The whole appraisal: ``base`` with the findings for every condition of ``question``
        and the doses of its substance."""
        sentences = list(base.sentences)
        a = base.appraisal
        question_text = ""
        if a.design in (Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW):
            question_text = _own_question(record, sentences)
        extra = ({"readings": base.readings}
                 if base.readings is not None and self.finding is find_direction else {})
        found = [self.finding(sentences, c, question.terms_for(c), question=question_text,
                              substance=question.substance_terms, **extra)
                 for c in question.conditions]
        reading = None
        if self.reader is not None:
            # the reader reads every study that addresses a condition, also where the rules
            # found no sentence to read a direction from
            own = question_text or _own_question(record, sentences)
            about = [f.direction is not Direction.NOT_ADDRESSED
                     or addresses(sentences, c, question.terms_for(c), own_question=own)
                     for f, c in zip(found, question.conditions, strict=True)]
            if any(about):
                reading = a.reading if a.reading is not None else self.reader(record.title, sentences)
                found = [as_read(f, reading) if on else f for f, on in zip(found, about, strict=True)]
        findings = tuple(_head_to_head(record, sentences, f) for f in found)
        terms = question.substance_terms or (question.substance,)
        doses = (find_doses(sentences, terms, at=base.amounts)
                 if base.amounts is not None and self.doses is find_doses else self.doses(sentences, terms))
        return a.answering(findings, doses, reading)

    def __call__(self, record: Record, question: Question) -> Appraisal:
        """Appraise ``record`` for every condition of ``question``."""
        return self.for_question(record, self.base(record), question)


@dataclass(frozen=True)
class Base:
    """The question-independent part of an appraisal, as stored in the corpus."""

    sentences: tuple[Sentence, ...]
    appraisal: Appraisal  # without findings and doses
    readings: tuple[Direction | None, ...] | None = None  # each sentence's read_sentence
    amounts: tuple[Amount, ...] | None = None  # the amounts its sentences state (dose.amounts)

    def to_json(self) -> str:
        d = self.appraisal.to_dict()
        for st, c in zip(d["certainty_statements"], self.appraisal.certainty_statements, strict=True):
            st["index"] = c.index  # not in the report, but part of what was computed
        readings = None if self.readings is None else [x.value if x else "" for x in self.readings]
        return json.dumps({"sentences": [[x.text, x.role.value] for x in self.sentences],
                           "readings": readings, "appraisal": d,
                           "amounts": None if self.amounts is None else [list(x) for x in self.amounts]},
                          ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Base:
        from ..report.load import ROLES, appraisal_from_dict

        d = json.loads(text)
        sentences = tuple(Sentence(t, ROLES.get(r) or SentenceRole(r), i)
                          for i, (t, r) in enumerate(d["sentences"]))
        raw = d.get("readings")
        readings = None if raw is None else tuple(
            (_DIRECTIONS.get(x) or Direction(x)) if x else None for x in raw)
        at = d.get("amounts")
        return cls(sentences, appraisal_from_dict(d["appraisal"]), readings,
                   None if at is None else tuple(Amount(*x) for x in at))


_DIRECTIONS = {d.value: d for d in Direction}


def _fingerprint() -> str:
    """A hash of the code and models that compute the stored part of an appraisal: any change
    to them is a new version, and stored appraisals of another version are recomputed."""
    h = hashlib.sha256(__version__.encode())
    root = resources.files("scisays")
    # reader.json holds the sha256 of the reader's model and tokenizer: hashing it pins them
    for folder, suffix in (("appraise", ".py"), ("ml", ".py"), ("data/models", ".json.gz"),
                           ("data/models", "reader.json")):
        for f in sorted(root.joinpath(folder).iterdir(), key=lambda x: x.name):
            if f.name.endswith(suffix):
                h.update(f.name.encode())
                h.update(f.read_bytes())
    h.update(root.joinpath("data/synonyms.json").read_bytes())
    return h.hexdigest()[:16]


APPRAISAL_VERSION = _fingerprint()


_RETRACTED_TITLE = re.compile(r"^\W*(?:retracted|retraction)\b", re.IGNORECASE)


def retraction(record: Record) -> str:
    """Why the record counts as retracted ('' if it does not): PubMed's publication type
    "Retracted Publication" (set also from a "Retraction in" notice) or a title so marked."""
    if any(p.casefold() == "retracted publication" for p in record.publication_types):
        return 'publication type "Retracted Publication"'
    if _RETRACTED_TITLE.search(record.title):
        return "the title marks it retracted"
    return ""


def _own_question(record: Record, sentences: Sequence[Sentence]) -> str:
    """A study's own question: its title and its objectives."""
    return " ".join([record.title, *(s.text for s in sentences if s.role is SentenceRole.OBJECTIVE)])


_READ_AS = {"benefit": Direction.BENEFIT, "no-benefit": Direction.NO_EFFECT, "harm": Direction.HARM,
            "insufficient": Direction.UNCERTAIN}
READER_METHOD = "reader"


def as_read(finding: Finding, reading: Reading) -> Finding:
    """The rules' finding on a condition the study addresses (also one where they read nothing:
    ``addresses``), with its direction as the reader read the conclusions: benefit, no effect or
    harm when asserted with confidence; uncertain when the authors say the evidence cannot tell;
    else unclear (the conclusions could not be read with confidence, or there were none). It
    quotes what the reader read."""
    unread_by_rules = finding.direction is Direction.NOT_ADDRESSED
    return Finding(finding.condition, _READ_AS.get(reading.label, Direction.UNCLEAR),
                   reading.evidence or finding.evidence, reading.probability,
                   method=f"{READER_METHOD}:{reading.label}", comparator=finding.comparator,
                   addressed_by="question" if unread_by_rules else finding.addressed_by)


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
DEFAULT_BASE_STEPS = DEFAULT_APPRAISER.base_steps()
RULES_APPRAISER = Appraiser(reader=None)


READERS = ("model", "rules")


def appraiser_for(reader: str) -> Appraiser:
    """The appraiser that ``--reader`` names: "model", the learned reader of conclusions (loaded
    now, so a missing or damaged model file stops a command before it writes anything:
    ReaderError), or "rules", the rules alone."""
    if reader == "rules":
        return RULES_APPRAISER
    if reader == "model":
        default_reader()
        return DEFAULT_APPRAISER
    raise UsageError(f"Unknown reader {reader!r}; choose one of {', '.join(READERS)}.")


def appraise(record: Record, question: Question) -> Appraisal:
    """Appraise one record with the default appraiser (rules and the learned reader)."""
    return DEFAULT_APPRAISER(record, question)
