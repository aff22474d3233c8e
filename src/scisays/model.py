"""The domain model: one vocabulary for the whole package.

Everything here is plain, immutable data. Records come in from sources and the corpus,
appraisals and verdicts are computed from them by pure functions, and a Report bundles
it all and serialises to a versioned JSON document (``Report.to_dict``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

REPORT_SCHEMA = "scisays.report"
REPORT_SCHEMA_VERSION = 1


class Design(StrEnum):
    """Study design, from strongest to weakest evidence of effect (roughly)."""

    META_ANALYSIS = "meta-analysis"
    SYSTEMATIC_REVIEW = "systematic-review"
    RCT = "rct"
    NON_RANDOMIZED_TRIAL = "non-randomized-trial"
    COHORT = "cohort"
    CASE_CONTROL = "case-control"
    CROSS_SECTIONAL_SURVEY = "cross-sectional-survey"
    CASE_SERIES = "case-series"
    CASE_REPORT = "case-report"
    PHARMACOKINETIC = "pharmacokinetic"
    QUALITATIVE = "qualitative"
    ANIMAL = "animal"
    IN_VITRO = "in-vitro"
    NARRATIVE_REVIEW = "narrative-review"
    OTHER = "other"

    @property
    def label(self) -> str:
        """A human-readable name, e.g. 'randomised controlled trial'."""
        return DESIGN_LABELS[self]


DESIGN_LABELS: dict[Design, str] = {
    Design.META_ANALYSIS: "meta-analysis",
    Design.SYSTEMATIC_REVIEW: "systematic review",
    Design.RCT: "randomised controlled trial",
    Design.NON_RANDOMIZED_TRIAL: "non-randomised trial",
    Design.COHORT: "cohort study",
    Design.CASE_CONTROL: "case-control study",
    Design.CROSS_SECTIONAL_SURVEY: "cross-sectional survey",
    Design.CASE_SERIES: "case series",
    Design.CASE_REPORT: "case report",
    Design.PHARMACOKINETIC: "pharmacokinetic study",
    Design.QUALITATIVE: "qualitative study",
    Design.ANIMAL: "animal study",
    Design.IN_VITRO: "in vitro study",
    Design.NARRATIVE_REVIEW: "narrative review",
    Design.OTHER: "other study",
}


class Species(StrEnum):
    HUMAN = "human"
    ANIMAL = "animal"
    IN_VITRO = "in vitro"
    UNKNOWN = "unknown"


class Direction(StrEnum):
    """What a study concluded about the substance for one condition."""

    BENEFIT = "benefit"
    NO_EFFECT = "no-effect"
    HARM = "harm"
    MIXED = "mixed"
    COMPARISON = "comparison"  # compared with an active treatment (head-to-head), not placebo
    UNCERTAIN = "uncertain"  # the study says the evidence cannot tell ("we are uncertain whether")
    UNCLEAR = "unclear"  # its conclusions could not be read with confidence (the learned reader)
    NOT_ADDRESSED = "not-addressed"


class SafetyTopic(StrEnum):
    DEPENDENCE = "dependence"
    WITHDRAWAL = "withdrawal"
    LIVER = "liver"
    DRUG_INTERACTION = "drug-interaction"
    OVERDOSE_DEATH = "overdose-death"
    SEIZURE = "seizure"
    OTHER_ADVERSE = "other-adverse"
    TOLERABILITY = "tolerability"  # reassurance: no harm found ("no serious adverse events")

    @property
    def label(self) -> str:
        return SAFETY_LABELS[self]


SAFETY_LABELS: dict[SafetyTopic, str] = {
    SafetyTopic.DEPENDENCE: "dependence and addiction",
    SafetyTopic.WITHDRAWAL: "withdrawal",
    SafetyTopic.LIVER: "liver injury",
    SafetyTopic.DRUG_INTERACTION: "drug interactions",
    SafetyTopic.OVERDOSE_DEATH: "overdose and deaths",
    SafetyTopic.SEIZURE: "seizures",
    SafetyTopic.OTHER_ADVERSE: "other adverse effects",
    SafetyTopic.TOLERABILITY: "tolerability (no harm found)",
}


class SentenceRole(StrEnum):
    TITLE = "TITLE"
    BACKGROUND = "BACKGROUND"
    OBJECTIVE = "OBJECTIVE"
    METHODS = "METHODS"
    RESULTS = "RESULTS"
    CONCLUSIONS = "CONCLUSIONS"
    UNLABELLED = "UNLABELLED"


@dataclass(frozen=True, slots=True)
class Section:
    """One part of an abstract. ``label`` is as the source printed it (may be empty);
    ``category`` is NLM's normalised category (BACKGROUND, OBJECTIVE, METHODS, RESULTS,
    CONCLUSIONS) when the source gives one."""

    text: str
    label: str = ""
    category: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """One publication, as a source or the local corpus holds it."""

    title: str
    sections: tuple[Section, ...] = ()
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    nct_id: str | None = None
    local_id: str | None = None
    journal: str | None = None
    year: int | None = None
    publication_types: tuple[str, ...] = ()
    mesh_headings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    source: str = ""
    version: int = 1
    revised: str = ""  # ISO date the source last revised the record (PubMed DateRevised)

    @property
    def abstract(self) -> str:
        """The whole abstract as one string, labels inline ("METHODS: ...")."""
        parts = []
        for s in self.sections:
            parts.append(f"{s.label}: {s.text}" if s.label else s.text)
        return "\n".join(parts)

    @property
    def key(self) -> str:
        """The stable identifier the corpus keys this record by."""
        if self.pmid:
            return f"pmid:{self.pmid}"
        if self.doi:
            return f"doi:{self.doi.lower()}"
        if self.pmcid:
            return f"pmcid:{self.pmcid.upper()}"
        if self.nct_id:
            return f"nct:{self.nct_id.upper()}"
        if self.local_id:
            return f"id:{self.local_id}"
        raise ValueError("a record needs at least one identifier (pmid, doi, pmcid, nct_id or id)")

    @property
    def citation(self) -> str:
        """How reports cite this record: 'PMID 123', else its DOI or other identifier."""
        if self.pmid:
            return f"PMID {self.pmid}"
        if self.doi:
            return f"doi:{self.doi}"
        if self.pmcid:
            return self.pmcid
        if self.nct_id:
            return self.nct_id
        return f"id:{self.local_id}"

    @property
    def url(self) -> str | None:
        """A public link to the record, if it has a resolvable identifier."""
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmcid:
            return f"https://pmc.ncbi.nlm.nih.gov/articles/{self.pmcid}/"
        if self.nct_id:
            return f"https://clinicaltrials.gov/study/{self.nct_id}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "pmid": self.pmid,
            "doi": self.doi,
            "pmcid": self.pmcid,
            "nct_id": self.nct_id,
            "id": self.local_id,
            "title": self.title,
            "sections": [
                {"label": s.label, "category": s.category, "text": s.text} for s in self.sections
            ],
            "journal": self.journal,
            "year": self.year,
            "publication_types": list(self.publication_types),
            "mesh_headings": list(self.mesh_headings),
            "keywords": list(self.keywords),
            "languages": list(self.languages),
            "source": self.source,
            "version": self.version,
            "revised": self.revised,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Record:
        return cls(
            title=d.get("title") or "",
            sections=tuple(
                Section(
                    text=s.get("text", ""),
                    label=s.get("label") or "",
                    category=s.get("category") or "",
                )
                for s in d.get("sections") or ()
            ),
            pmid=d.get("pmid"),
            doi=d.get("doi"),
            pmcid=d.get("pmcid"),
            nct_id=d.get("nct_id"),
            local_id=d.get("id"),
            journal=d.get("journal"),
            year=d.get("year"),
            publication_types=tuple(d.get("publication_types") or ()),
            mesh_headings=tuple(d.get("mesh_headings") or ()),
            keywords=tuple(d.get("keywords") or ()),
            languages=tuple(d.get("languages") or ()),
            source=d.get("source") or "",
            version=int(d.get("version") or 1),
            revised=d.get("revised") or "",
        )


@dataclass(frozen=True, slots=True)
class Deletion:
    """PubMed's instruction to delete citations (``DeleteCitation`` in update files)."""

    pmids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Question:
    """What the user asked, with the terms used to find studies.

    ``substance_terms`` holds the substance's names, botanical name and active
    constituents; ``condition_terms`` maps each condition to its synonyms."""

    substance: str
    conditions: tuple[str, ...] = ()
    substance_terms: tuple[str, ...] = ()
    condition_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def terms_for(self, condition: str) -> tuple[str, ...]:
        return self.condition_terms.get(condition) or (condition,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "substance": self.substance,
            "conditions": list(self.conditions),
            "substance_terms": list(self.substance_terms),
            "condition_terms": {c: list(self.terms_for(c)) for c in self.conditions},
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence quoted from a record, and where it came from."""

    text: str
    role: SentenceRole = SentenceRole.UNLABELLED

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "role": str(self.role)}


@dataclass(frozen=True, slots=True)
class Finding:
    """What one study concluded about the substance for one condition."""

    condition: str
    direction: Direction
    evidence: tuple[Evidence, ...] = ()
    confidence: float = 0.0
    method: str = ""
    comparator: str = ""  # the active treatment a head-to-head study compared it with
    addressed_by: str = ""  # "question" when a review's title/objectives name the condition

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "direction": str(self.direction),
            "evidence": [e.to_dict() for e in self.evidence],
            "confidence": round(self.confidence, 3),
            "method": self.method,
            "comparator": self.comparator,
            "addressed_by": self.addressed_by,
        }


@dataclass(frozen=True, slots=True)
class Pooled:
    """What a systematic review or meta-analysis pooled, read from its abstract: ``kind`` is
    randomised, non-randomised, uncontrolled, animal or unknown; ``basis`` the sentence."""

    kind: str
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "basis": self.basis}


@dataclass(frozen=True, slots=True)
class CertaintyStatement:
    """A sentence in which a review rates the certainty of its evidence (GRADE)."""

    level: str  # high, moderate, low, very low
    text: str
    role: SentenceRole = SentenceRole.UNLABELLED
    index: int = 0
    explicit: bool = True  # a GRADE rating; False: wording that implies very low ("unclear")

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "text": self.text, "role": str(self.role), "explicit": self.explicit}


@dataclass(frozen=True, slots=True)
class SafetyMention:
    """A sentence of a study that speaks to a safety topic."""

    topic: SafetyTopic
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"topic": str(self.topic), "evidence": self.evidence.to_dict()}


READING_LABELS = ("benefit", "no-benefit", "harm", "insufficient", "uncertain", "unread")


@dataclass(frozen=True, slots=True)
class Reading:
    """What the learned reader read in a record's conclusions about the record's own
    intervention, whatever the question: ``label`` is benefit, no-benefit or harm when its
    calibrated probability reaches the reader's threshold for that direction; "insufficient" when
    the most probable reading is that the authors say the evidence cannot tell; "uncertain" when a
    direction is the most probable but below its threshold (the conclusions could not be read with
    confidence); "unread" when the record has no abstract to read. ``evidence``: what it read."""

    label: str
    probability: float  # calibrated probability of the most probable label (0 when unread)
    probabilities: tuple[tuple[str, float], ...]  # every label's calibrated probability
    evidence: tuple[Evidence, ...]
    reader: str  # the reader's version: the first 12 hex digits of its model file's sha256
    top: str = ""  # the most probable label, asserted or not

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "probability": round(self.probability, 4),
                "probabilities": {k: round(v, 4) for k, v in self.probabilities},
                "top": self.top, "evidence": [e.to_dict() for e in self.evidence], "reader": self.reader}


@dataclass(frozen=True, slots=True)
class Appraisal:
    """Everything scisays read out of one record, each call with its basis."""

    record_key: str
    design: Design
    design_basis: str
    species: Species
    sample_size: int | None
    sample_size_evidence: str | None
    conclusion: tuple[Evidence, ...]
    findings: tuple[Finding, ...]
    safety: tuple[SafetyMention, ...]
    doses: tuple[DoseMention, ...] = ()
    dose_effects: tuple[Evidence, ...] = ()
    pooled: Pooled | None = None  # reviews only
    certainty_statements: tuple[CertaintyStatement, ...] = ()
    retracted: str = ""  # why the record counts as retracted (empty: it does not)
    reading: Reading | None = None  # the learned reader's reading of its conclusions (None: not read)

    def answering(self, findings: tuple[Finding, ...], doses: tuple[DoseMention, ...],
                  reading: Reading | None) -> Appraisal:
        """This appraisal with a question's findings and doses, and the reading they rest on (None
        when no finding rests on one) (``dataclasses.replace``, spelled out: it is called for every
        study of every question, and replace is several times slower)."""
        return Appraisal(self.record_key, self.design, self.design_basis, self.species, self.sample_size,
                         self.sample_size_evidence, self.conclusion, findings, self.safety, doses,
                         self.dose_effects, self.pooled, self.certainty_statements, self.retracted,
                         reading)

    def finding_for(self, condition: str) -> Finding | None:
        for f in self.findings:
            if f.condition == condition:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_key": self.record_key,
            "design": str(self.design),
            "design_basis": self.design_basis,
            "species": str(self.species),
            "sample_size": self.sample_size,
            "sample_size_evidence": self.sample_size_evidence,
            "conclusion": [e.to_dict() for e in self.conclusion],
            "findings": [f.to_dict() for f in self.findings],
            "safety": [m.to_dict() for m in self.safety],
            "doses": [d.to_dict() for d in self.doses],
            "dose_effects": [e.to_dict() for e in self.dose_effects],
            "pooled": self.pooled.to_dict() if self.pooled else None,
            "certainty_statements": [c.to_dict() for c in self.certainty_statements],
            "retracted": self.retracted,
            "reading": self.reading.to_dict() if self.reading else None,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One statement of why a verdict is what it is, with the records it rests on."""

    text: str
    citations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations)}


GRADE_DOMAINS = (
    "risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias",
)
CERTAINTIES = ("high", "moderate", "low", "very low")


@dataclass(frozen=True, slots=True)
class Downgrade:
    """One GRADE concern about a body of evidence: the domain, how many levels it costs
    (1 serious, 2 very serious), why, and the studies it rests on."""

    domain: str  # one of GRADE_DOMAINS
    levels: int
    text: str
    citations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "levels": self.levels,
            "text": self.text,
            "citations": list(self.citations),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The synthesis for one condition.

    ``start_certainty`` is where the best design present starts (GRADE: randomised high,
    observational low, the rest very low); ``downgrades`` take it down to ``certainty``;
    ``basis`` cites the studies the grade rests on."""

    condition: str
    label: str
    certainty: str
    reasons: tuple[Reason, ...]
    counts: Mapping[str, Mapping[str, int]]  # design -> direction -> number of studies
    studies_addressing: int
    total_participants: int
    start_certainty: str = "none"
    downgrades: tuple[Downgrade, ...] = ()
    basis: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "verdict": self.label,
            "certainty": self.certainty,
            "start_certainty": self.start_certainty,
            "downgrades": [d.to_dict() for d in self.downgrades],
            "basis": list(self.basis),
            "reasons": [r.to_dict() for r in self.reasons],
            "counts": {d: dict(v) for d, v in self.counts.items()},
            "studies_addressing": self.studies_addressing,
            "total_participants": self.total_participants,
        }


@dataclass(frozen=True, slots=True)
class SafetyTopicSummary:
    topic: SafetyTopic
    mentions: tuple[tuple[str, Evidence], ...]  # (record citation, sentence)
    designs: Mapping[str, int]

    @property
    def n_studies(self) -> int:
        return len({c for c, _ in self.mentions})

    def describe(self) -> str:
        """'3 studies: 2 cross-sectional surveys, 1 other study'."""
        parts = []
        for d, n in sorted(self.designs.items(), key=lambda kv: (-kv[1], kv[0])):
            label = Design(d).label
            parts.append(f"{n} {label}" + ("" if n == 1 or label.endswith("series") else "s"))
        n = self.n_studies
        return f"{n} {'study' if n == 1 else 'studies'}: " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": str(self.topic),
            "label": self.topic.label,
            "studies": self.n_studies,
            "designs": dict(self.designs),
            "mentions": [{"citation": c, **e.to_dict()} for c, e in self.mentions],
        }


SAFETY_RATINGS = (
    "likely safe", "possibly safe", "possibly unsafe", "likely unsafe",
    "insufficient evidence to rate",
)


@dataclass(frozen=True, slots=True)
class SafetyProfile:
    """Safety topics found in the studies and a rating (one of SAFETY_RATINGS) with its reasons."""

    topics: tuple[SafetyTopicSummary, ...]
    rating: str = "insufficient evidence to rate"
    rating_reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "topics": [t.to_dict() for t in self.topics],
            "rating": self.rating,
            "rating_reasons": [r.to_dict() for r in self.rating_reasons],
        }


@dataclass(frozen=True, slots=True)
class DoseMention:
    """A dose a study states: amount (``low``..``high``; equal for a single amount), unit,
    frequency ('' when not stated) and route ('' when not stated), with the sentence."""

    low: float
    high: float
    unit: str
    frequency: str
    route: str
    evidence: Evidence

    @property
    def amount(self) -> str:
        """'1–3 g', '30 g', '10 mg/kg'."""
        def num(x: float) -> str:
            return f"{x:,.0f}" if x == int(x) else f"{x:g}"

        value = num(self.low) if self.low == self.high else f"{num(self.low)}–{num(self.high)}"
        return f"{value} {self.unit}"

    def describe(self) -> str:
        """'30 g per day, oral'."""
        return ", ".join(p for p in (
            self.amount + (f" {self.frequency}" if self.frequency else ""), self.route) if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "frequency": self.frequency,
            "route": self.route,
            "evidence": self.evidence.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class CitedDose:
    citation: str
    design: Design
    species: Species
    dose: DoseMention

    def to_dict(self) -> dict[str, Any]:
        return {
            "citation": self.citation,
            "design": str(self.design),
            "species": str(self.species),
            "dose": self.dose.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class CitedSentence:
    citation: str
    design: Design
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"citation": self.citation, "design": str(self.design), **self.evidence.to_dict()}


@dataclass(frozen=True, slots=True)
class DoseRange:
    """The span of doses stated in one unit by studies of one species."""

    unit: str
    species: Species
    low: float
    high: float
    citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "species": str(self.species),
            "low": self.low,
            "high": self.high,
            "citations": list(self.citations),
        }


@dataclass(frozen=True, slots=True)
class DoseSummary:
    """Doses the studies state, their ranges, and sentences reporting effects that differ by dose."""

    doses: tuple[CitedDose, ...] = ()
    ranges: tuple[DoseRange, ...] = ()
    effects: tuple[CitedSentence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "doses": [d.to_dict() for d in self.doses],
            "ranges": [r.to_dict() for r in self.ranges],
            "effects": [e.to_dict() for e in self.effects],
        }


@dataclass(frozen=True, slots=True)
class RegulatoryFact:
    """A dated statement or action of a regulator, in scisays' own words, with its source."""

    id: str
    substance: str  # canonical name (data/synonyms.json)
    body: str  # e.g. "FDA", "DEA", "WHO ECDD", "EMA HMPC"
    jurisdiction: str  # e.g. "United States", "European Union", "international"
    date: str  # ISO date
    kind: str  # ban, warning, scheduling, monograph, approval, ...
    statement: str
    source_url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "substance": self.substance,
            "body": self.body,
            "jurisdiction": self.jurisdiction,
            "date": self.date,
            "kind": self.kind,
            "statement": self.statement,
            "source_url": self.source_url,
        }


@dataclass(frozen=True, slots=True)
class Regulation:
    """The regulatory facts scisays holds for the substance (``substance`` is None when the
    curated file has no entry for it), and the date the file is current to."""

    substance: str | None = None
    as_of: str = ""
    version: int = 0
    facts: tuple[RegulatoryFact, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "substance": self.substance,
            "as_of": self.as_of,
            "version": self.version,
            "facts": [f.to_dict() for f in self.facts],
        }


@dataclass(frozen=True, slots=True)
class Gap:
    """A kind of evidence that is missing (``condition`` is '' for the substance as a whole)."""

    condition: str
    kind: str
    text: str
    citations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "kind": self.kind,
            "text": self.text,
            "citations": list(self.citations),
        }


@dataclass(frozen=True, slots=True)
class Study:
    """A record with its appraisal, as the report lists it."""

    record: Record
    appraisal: Appraisal
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "citation": r.citation,
            "url": r.url,
            "record": r.to_dict(),
            "appraisal": self.appraisal.to_dict(),
            "relevance": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Trial:
    """A registered clinical trial (ClinicalTrials.gov), as the report lists it."""

    nct_id: str
    title: str
    status: str = ""  # overallStatus, e.g. RECRUITING, COMPLETED, TERMINATED
    phase: str = ""  # e.g. "PHASE2", "PHASE2/PHASE3", "NA"
    enrollment: int | None = None
    start_date: str = ""  # as the registry gives it: YYYY-MM or YYYY-MM-DD
    completion_date: str = ""
    has_results: bool = False
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    study_type: str = ""  # INTERVENTIONAL / OBSERVATIONAL

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "nct_id": self.nct_id,
            "title": self.title,
            "status": self.status,
            "phase": self.phase,
            "enrollment": self.enrollment,
            "start_date": self.start_date,
            "completion_date": self.completion_date,
            "has_results": self.has_results,
            "conditions": list(self.conditions),
            "interventions": list(self.interventions),
            "study_type": self.study_type,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class AdverseEvents:
    """Counts of spontaneous adverse-event reports from one openFDA database for one product query.

    Reports are not incidence: they are neither verified nor complete, and there is no denominator.
    """

    database: str  # "CAERS" (food/event, dietary supplements) or "FAERS" (drug/event)
    query: str  # the product/drug terms searched
    total_reports: int
    serious_reports: int | None = None
    hospitalisations: int | None = None
    deaths: int | None = None
    top_reactions: tuple[tuple[str, int], ...] = ()  # (MedDRA preferred term, reports)
    outcomes: tuple[tuple[str, int], ...] = ()  # (outcome label, reports)
    by_year: tuple[tuple[int, int], ...] = ()  # (year, reports)
    retrieved: str = ""  # ISO date the counts were fetched
    caveat: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "query": self.query,
            "total_reports": self.total_reports,
            "serious_reports": self.serious_reports,
            "hospitalisations": self.hospitalisations,
            "deaths": self.deaths,
            "top_reactions": [{"term": t, "reports": n} for t, n in self.top_reactions],
            "outcomes": [{"outcome": t, "reports": n} for t, n in self.outcomes],
            "by_year": [{"year": y, "reports": n} for y, n in self.by_year],
            "retrieved": self.retrieved,
            "caveat": self.caveat,
        }


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How one source fared while building a report (shown to the user, never hidden)."""

    name: str  # "local corpus", "PubMed", "Europe PMC", "ClinicalTrials.gov", "openFDA"
    ok: bool
    items: int = 0
    message: str = ""  # e.g. "unreachable: results from PubMed and local corpus only"
    from_cache: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "items": self.items,
            "message": self.message,
            "from_cache": self.from_cache,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The whole answer to a question. ``to_dict`` gives the versioned JSON document."""

    question: Question
    verdicts: tuple[Verdict, ...]
    safety: SafetyProfile
    studies: tuple[Study, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    generator: str = ""
    trials: tuple[Trial, ...] = ()
    adverse_events: tuple[AdverseEvents, ...] = ()
    source_status: tuple[SourceStatus, ...] = ()
    regulation: Regulation = field(default_factory=Regulation)
    dose: DoseSummary = field(default_factory=DoseSummary)
    gaps: tuple[Gap, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "schema_version": REPORT_SCHEMA_VERSION,
            "generator": self.generator,
            "question": self.question.to_dict(),
            "sources": list(self.sources),
            "notes": list(self.notes),
            "verdicts": [v.to_dict() for v in self.verdicts],
            "safety": self.safety.to_dict(),
            "studies": [s.to_dict() for s in self.studies],
            "trials": [t.to_dict() for t in self.trials],
            "adverse_events": [a.to_dict() for a in self.adverse_events],
            "source_status": [s.to_dict() for s in self.source_status],
            "regulation": self.regulation.to_dict(),
            "dose": self.dose.to_dict(),
            "gaps": [g.to_dict() for g in self.gaps],
        }
