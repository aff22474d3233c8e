"""Split an abstract into sentences, each with its role (BACKGROUND … CONCLUSIONS).

Roles come from the source's labels when it has them (PubMed ``Label``/``NlmCategory``),
else from headings written inline ("Methods: …"), else from cue words and position
(a trained model, ``appraise.roles``; cue rules for runs of one or two sentences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Record, SentenceRole

# Label text (lower-case, no trailing colon) -> role. Covers NLM's common labels.
LABEL_ROLES: dict[str, SentenceRole] = {}
for _role, _labels in {
    SentenceRole.BACKGROUND: (
        "background", "introduction", "context", "rationale", "importance", "backgrounds",
        "background and aims", "background and purpose", "background and objectives",
        "background and objective", "state of the art", "problem",
    ),
    SentenceRole.OBJECTIVE: (
        "objective", "objectives", "aim", "aims", "purpose", "goal", "goals",
        "aim of the study", "aims and objectives", "study objective", "hypothesis",
    ),
    SentenceRole.METHODS: (
        "methods", "method", "methodology", "design", "setting", "participants", "subjects",
        "patients", "interventions", "intervention", "measurements", "main outcome measures",
        "main outcomes and measures", "materials and methods", "patients and methods",
        "study design", "design, setting, and participants", "methods and materials",
        "data sources", "study selection", "data extraction", "procedure", "procedures",
        "experimental design", "exposure", "exposures",
    ),
    SentenceRole.RESULTS: (
        "results", "result", "findings", "main results", "outcomes", "observations",
        "key findings", "case presentation", "case report", "case", "case summary",
        "case description", "data synthesis", "discussion",
    ),
    SentenceRole.CONCLUSIONS: (
        "conclusions", "conclusion", "interpretation", "conclusions and relevance",
        "implications", "significance", "summary", "authors' conclusions", "clinical relevance",
        "practical implications", "conclusion and relevance", "conclusions/significance",
    ),
}.items():
    for _label in _labels:
        LABEL_ROLES[_label] = _role

_NLM_CATEGORIES = {r.value: r for r in SentenceRole}

_INLINE_HEADING = re.compile(
    r"(?:(?<=^)|(?<=[.!?)\]] ))("
    + "|".join(sorted((re.escape(k) for k in LABEL_ROLES), key=len, reverse=True))
    + r")\s*:\s+",
    re.IGNORECASE,
)

# Abbreviations after which a period does not end a sentence.
_ABBREV = (
    "e.g", "i.e", "et al", "vs", "approx", "ca", "cf", "fig", "figs", "no", "dr", "mr", "mrs",
    "ms", "prof", "st", "sp", "spp", "var", "resp", "ref", "refs", "min", "max", "wk", "wks",
    "yr", "yrs", "mo", "i.p", "i.v", "p.o", "s.c", "i.m", "b.i.d", "t.i.d", "q.d", "vol",
    "u.s", "u.k", "incl", "inc", "co", "ltd", "jr", "sr", "al", "eq", "n.s", "temp", "dept",
)
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV_END = re.compile(
    r"(?:^|[\s(])(?:" + "|".join(re.escape(a) for a in _ABBREV) + r")\.$", re.IGNORECASE
)
_INITIAL_END = re.compile(r"(?:^|\s)[A-Z]\.$")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    role: SentenceRole
    index: int  # position in the abstract, from 0
    lower: str = field(init=False, repr=False, compare=False)  # the text lower-cased, once

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower", self.text.lower())


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; keeps abbreviations, initials and decimals together."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        candidate = text[start : m.start()].strip()
        if _ABBREV_END.search(candidate[-15:]) or _INITIAL_END.search(candidate[-4:]):  # tails suffice
            continue
        if candidate:
            out.append(candidate)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def role_for_label(label: str, category: str = "") -> SentenceRole | None:
    """The role of a labelled section (NLM category first, then the label's words)."""
    if category and category.upper() in _NLM_CATEGORIES:
        return _NLM_CATEGORIES[category.upper()]
    key = label.strip().rstrip(":").strip().lower()
    if not key:
        return None
    if key in LABEL_ROLES:
        return LABEL_ROLES[key]
    for word, role in (
        ("conclu", SentenceRole.CONCLUSIONS),
        ("result", SentenceRole.RESULTS),
        ("finding", SentenceRole.RESULTS),
        ("method", SentenceRole.METHODS),
        ("design", SentenceRole.METHODS),
        ("objective", SentenceRole.OBJECTIVE),
        ("aim", SentenceRole.OBJECTIVE),
        ("purpose", SentenceRole.OBJECTIVE),
        ("background", SentenceRole.BACKGROUND),
        ("introduc", SentenceRole.BACKGROUND),
    ):
        if word in key:
            return role
    return None


def split_inline_headings(text: str) -> list[tuple[str, str]]:
    """Split 'Background: … Methods: …' into [(label, text), …]; [('', text)] if none."""
    matches = list(_INLINE_HEADING.finditer(text))
    if len(matches) < 2 and not (matches and matches[0].start() == 0):
        return [("", text)]
    parts: list[tuple[str, str]] = []
    if matches[0].start() > 0:
        parts.append(("", text[: matches[0].start()].strip()))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end() : end].strip()
        if body:
            parts.append((m.group(1), body))
    return parts


_OBJECTIVE_CUES = re.compile(
    r"\b(we aimed|we aim|this study aim|the aims? of|the purpose of|the objective|our goal|"
    r"this study (?:sought|was designed|examined|investigated|evaluated|characteri[sz]ed)|"
    r"we (?:sought|hypothesi[sz]ed|set out)|the present (?:study|investigation) (?:aim|evaluat|"
    r"investigat|examin)|to (?:investigate|evaluate|examine|assess|determine) (?:whether|the))",
    re.IGNORECASE,
)
_METHODS_CUES = re.compile(
    r"\b(we (?:conducted|performed|recruited|enrolled|randomi[sz]ed|searched|analy[sz]ed|"
    r"surveyed|used|measured|included)|were (?:randomi[sz]ed|recruited|enrolled|assessed|"
    r"administered|interviewed|treated|injected)|was (?:conducted|performed|administered)|"
    r"participants were|a total of|we report a case|we present a case|we describe)",
    re.IGNORECASE,
)
_RESULTS_CUES = re.compile(
    r"(\bp\s*[<=>≤]\s*0?\.\d|\b95%\s*ci\b|\bsignificant(?:ly)?\b|\bOR[:\s]|\(\d+(?:\.\d+)?%\)|"
    r"\b\d+(?:\.\d+)?%|\breported\b|\bshowed\b|\bwas associated\b|\bresulted in\b)",
    re.IGNORECASE,
)
_CONCLUSION_CUES = re.compile(
    r"^(?:in conclusion|overall|taken together|collectively|together|thus|therefore|"
    r"these (?:results|findings|data)|our (?:results|findings|data)|this study (?:shows|"
    r"suggests|demonstrates|provides)|in summary|to conclude)\b|\b(?:suggest|indicate|"
    r"demonstrate|support)s? that\b|\bclearly demonstrated\b|\bfurther (?:research|studies)\b|"
    r"\bmore research\b|\bis needed\b|\bare needed\b|\bwarrant",
    re.IGNORECASE,
)


def _unlabelled_roles(sentences: list[str]) -> list[SentenceRole]:
    """Roles for a plain abstract, by cue words and position (v1 rules)."""
    n = len(sentences)
    roles = [SentenceRole.UNLABELLED] * n
    first_study = next(
        (i for i, s in enumerate(sentences) if _OBJECTIVE_CUES.search(s) or _METHODS_CUES.search(s)),
        None,
    )
    for i, s in enumerate(sentences):
        if (first_study is not None and i < first_study) or (first_study is None and i == 0 and n > 2):
            roles[i] = SentenceRole.BACKGROUND
        elif _OBJECTIVE_CUES.search(s) and (first_study is None or i <= first_study + 1):
            roles[i] = SentenceRole.OBJECTIVE
        elif i >= n - 2 and n >= 3 and _CONCLUSION_CUES.search(s):
            roles[i] = SentenceRole.CONCLUSIONS
        elif _METHODS_CUES.search(s) and not _RESULTS_CUES.search(s):
            roles[i] = SentenceRole.METHODS
        elif _RESULTS_CUES.search(s):
            roles[i] = SentenceRole.RESULTS
        elif i == n - 1 and n >= 3:
            roles[i] = SentenceRole.CONCLUSIONS
        else:
            roles[i] = SentenceRole.RESULTS if first_study is not None else SentenceRole.UNLABELLED
    return roles


def unlabelled_roles(sentences: list[str]) -> list[SentenceRole]:
    """Roles for the sentences of a plain abstract: the trained model (``appraise.roles``).

    A run of one or two sentences is too short to have a structure; the cue rules label it.
    """
    if len(sentences) < 3:
        return _unlabelled_roles(sentences)
    from .roles import predict_roles  # local: roles imports this module

    return [role for role, _p in predict_roles(sentences)]


def assign_roles(record: Record) -> list[Sentence]:
    """Every abstract sentence of ``record`` with its role, in order."""
    sentences: list[Sentence] = []
    unlabelled: list[str] = []

    def flush() -> None:
        if not unlabelled:
            return
        for text, role in zip(unlabelled, unlabelled_roles(unlabelled), strict=True):
            sentences.append(Sentence(text, role, len(sentences)))
        unlabelled.clear()

    for section in record.sections:
        parts = (
            [(section.label, section.text)]
            if section.label or section.category
            else split_inline_headings(section.text)
        )
        for label, text in parts:
            role = role_for_label(label, section.category if label == section.label else "")
            if role is None and label:
                role = SentenceRole.UNLABELLED
            if role is None:
                unlabelled.extend(split_sentences(text))
                continue
            flush()
            for s in split_sentences(text):
                sentences.append(Sentence(s, role, len(sentences)))
    flush()
    return sentences


def conclusion_sentences(sentences: list[Sentence], closing: int = 2) -> list[Sentence]:
    """The CONCLUSIONS sentences, else the closing ``closing`` sentences."""
    labelled = [s for s in sentences if s.role is SentenceRole.CONCLUSIONS]
    if labelled:
        return labelled
    return sentences[-closing:] if len(sentences) > 1 else list(sentences)
