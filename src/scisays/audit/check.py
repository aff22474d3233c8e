"""Each claim against scisays' own evidence (pure): the verdict, the safety signals, the studies'
sentences and the dated regulatory facts of the same report ``ask`` builds.

Labels: *supported*, *contradicted*, *overstated* (the article claims more than the evidence's
certainty allows: "helps" where the verdict is insufficient evidence, an assertion where it is
only "may benefit"), *understated* (the evidence says more than the article), *not checkable*
(with the reason). The rules are in docs/audit.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..appraise.sections import split_sentences
from ..model import RegulatoryFact, Report, SafetyTopic, SafetyTopicSummary, Verdict
from .claims import REGULATORS, Claim, ClaimKind, Stance, mechanism_terms


class Label(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    OVERSTATED = "overstated"
    UNDERSTATED = "understated"
    NOT_CHECKABLE = "not checkable"


_SEVERITY = (Label.CONTRADICTED, Label.OVERSTATED, Label.UNDERSTATED, Label.SUPPORTED, Label.NOT_CHECKABLE)
_BENEFIT = ("evidence of benefit", "probably benefits", "may benefit")

@dataclass(frozen=True)
class Citation:
    citation: str
    url: str | None
    sentence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"citation": self.citation, "url": self.url, "sentence": self.sentence}


@dataclass(frozen=True)
class CheckedClaim:
    claim: Claim
    label: Label
    why: str
    verdicts: tuple[Verdict, ...] = ()
    citations: tuple[Citation, ...] = ()
    facts: tuple[RegulatoryFact, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.claim.to_dict(),
            "label": str(self.label),
            "why": self.why,
            "checked_against": [{"condition": v.condition, "verdict": v.label, "certainty": v.certainty}
                                for v in self.verdicts],
            "citations": [c.to_dict() for c in self.citations],
            "facts": [f.to_dict() for f in self.facts],
        }


def _direction(v: Verdict) -> str:
    if v.label in _BENEFIT:
        return "benefit"
    if v.label == "probably no benefit":
        return "no-benefit"
    if v.label == "evidence of harm":
        return "harm"
    return "insufficient"


def label_efficacy(stance: Stance | None, strength: str, v: Verdict) -> tuple[Label, str]:
    """One condition's label for an efficacy claim, and why."""
    said = f"the evidence says {v.label} (certainty {v.certainty})"
    if v.certainty == "none":
        return Label.NOT_CHECKABLE, f"no study found addresses {v.condition}"
    d = _direction(v)
    strong = strength in ("asserted", "cites research")
    if stance is Stance.HELPS:
        if d == "benefit":
            if v.certainty in ("high", "moderate") or not strong:
                return Label.SUPPORTED, said
            return Label.OVERSTATED, f"the article states it as fact; {said}"
        if d == "insufficient":
            if strength == "reported":
                return Label.OVERSTATED, (f"users' reports are not evidence that it works; {said}")
            return Label.OVERSTATED, f"the article says it helps; {said}"
        return Label.CONTRADICTED, f"the article says it helps; {said}"
    if stance is Stance.DOES_NOT_HELP:
        if d == "no-benefit":
            return Label.SUPPORTED, said
        if d == "insufficient":
            return Label.OVERSTATED, f"the article says it does not help; {said}: it cannot tell"
        return Label.CONTRADICTED, f"the article says it does not help; {said}"
    if stance is Stance.UNCERTAIN:
        if d == "insufficient" or v.certainty in ("low", "very low"):
            return Label.SUPPORTED, f"the article says the evidence is uncertain; {said}"
        return Label.UNDERSTATED, f"the article says the evidence is uncertain; {said}"
    if stance is Stance.HARMS:
        if d == "harm":
            return Label.SUPPORTED, said
        if d == "benefit" and v.certainty in ("high", "moderate"):
            return Label.CONTRADICTED, f"the article says it worsens {v.condition}; {said}"
        return Label.NOT_CHECKABLE, (f"the verdict weighs benefit, not worsening of {v.condition} "
                                     f"({v.label}); see the safety section")
    return Label.NOT_CHECKABLE, "the sentence states no direction"


def _worst(labels: Sequence[Label]) -> Label:
    return min(labels, key=_SEVERITY.index)


def _signal_citations(report: Report, summaries: Sequence[SafetyTopicSummary],
                      per_topic: int) -> tuple[Citation, ...]:
    """The first sentences of each safety topic, each with its study's link."""
    url = {s.record.citation: s.record.url for s in report.studies}
    return tuple(Citation(c, url.get(c), e.text) for t in summaries for c, e in t.mentions[:per_topic])


def _study_citations(report: Report, pattern: re.Pattern[str], limit: int = 3) -> tuple[Citation, ...]:
    out = []
    for s in report.studies:
        if s.appraisal.retracted:
            continue
        for sentence in split_sentences(" ".join(sec.text for sec in s.record.sections)):
            if pattern.search(sentence):
                out.append(Citation(s.record.citation, s.record.url, sentence))
                break
        if len(out) >= limit:
            break
    return tuple(out)


def _basis(report: Report, v: Verdict, limit: int = 3) -> tuple[Citation, ...]:
    by_cite = {s.record.citation: s for s in report.studies}
    out = []
    for c in v.basis[:limit]:
        s = by_cite.get(c)
        if s is None:
            continue
        f = s.appraisal.finding_for(v.condition)
        out.append(Citation(c, s.record.url, f.evidence[0].text if f and f.evidence else ""))
    return tuple(out)


_FACT_KINDS: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"\b(?:concern\w*|warn\w*|safety|risks?|danger\w*|advis\w*)\b", re.I),
     ("warning", "safety opinion"), ""),
    (re.compile(r"\b(?:ban\w*|illegal|schedul\w*|controlled|prohibit\w*|control)\b", re.I),
     ("scheduling", "ban", "control", "restriction"), ""),
    (re.compile(r"\bapprov\w*\b", re.I), ("approval", "warning"), "approv"),
    (re.compile(r"\b(?:research|evidence|stud(?:y|ies))\b", re.I), (), "evidence"),
)


def _regulator_facts(report: Report, claim: Claim) -> tuple[list[RegulatoryFact], list[RegulatoryFact]]:
    """The regulator's dated facts on the substance, and those that speak to the claim."""
    names = [n for body in claim.regulators for n in REGULATORS.get(body, (body,))]
    facts = [f for f in report.regulation.facts
             if any(re.search(r"\b" + re.escape(n) + r"\b", f.body) for n in names)]
    matching = []
    for f in facts:
        for pattern, kinds, word in _FACT_KINDS:
            if pattern.search(claim.sentence) and ((f.kind in kinds and (not word or word in f.statement))
                                                   or (not kinds and word in f.statement.lower())):
                matching.append(f)
                break
    return facts, matching


def check_claim(claim: Claim, report: Report | None) -> CheckedClaim:
    """The claim's label against the report for its substance (None: no report)."""
    if report is None:
        return CheckedClaim(claim, Label.NOT_CHECKABLE,
                            "the article names no substance scisays could look up" if not claim.substance
                            else f"no evidence report for {claim.substance}")
    if claim.kind is ClaimKind.EFFICACY:
        verdicts = tuple(v for v in report.verdicts if v.condition in claim.conditions)
        if not verdicts:
            return CheckedClaim(claim, Label.NOT_CHECKABLE, "no verdict for the conditions it names")
        labelled = [label_efficacy(claim.stance, claim.strength, v) for v in verdicts]
        label = _worst([x for x, _ in labelled])
        why = "; ".join(f"{v.condition}: {w}" for v, (_, w) in zip(verdicts, labelled, strict=True))
        cites = tuple(dict.fromkeys(c for v in verdicts for c in _basis(report, v)))
        return CheckedClaim(claim, label, why, verdicts, cites)
    if claim.kind is ClaimKind.HARM:
        topics = {t.topic: t for t in report.safety.topics}
        found = [topics[t] for t in claim.topics if t in topics]
        if found:
            return CheckedClaim(claim, Label.SUPPORTED,
                                f"studies report {', '.join(t.topic.label for t in found)} "
                                f"({'; '.join(t.describe() for t in found)}); safety rating: "
                                f"{report.safety.rating}", (), _signal_citations(report, found, 2))
        names = ", ".join(t.label for t in claim.topics)
        return CheckedClaim(claim, Label.NOT_CHECKABLE,
                            f"no study in the evidence reports {names} for {claim.substance}")
    if claim.kind is ClaimKind.SAFETY:
        rating = report.safety.rating
        harms = [t for t in report.safety.topics if t.topic is not SafetyTopic.TOLERABILITY]
        cites = _signal_citations(report, harms[:3], 1)
        said = f"scisays' safety rating: {rating}"
        if rating in ("likely unsafe", "possibly unsafe"):
            return CheckedClaim(claim, Label.CONTRADICTED, f"the article says it is safe; {said} ("
                                + "; ".join(f"{t.topic.label}: {t.describe()}" for t in harms) + ")",
                                (), cites)
        if rating in ("likely safe", "possibly safe"):
            return CheckedClaim(claim, Label.SUPPORTED, said, (), cites)
        return CheckedClaim(claim, Label.OVERSTATED, f"the article says it is safe; {said}: the studies "
                            "cannot establish that", (), cites)
    if claim.kind is ClaimKind.MECHANISM:
        terms = mechanism_terms(claim.sentence)
        if not terms:
            return CheckedClaim(claim, Label.NOT_CHECKABLE,
                                "the sentence names no receptor or pathway to look up")
        pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
        cites = _study_citations(report, pattern)
        if cites:
            return CheckedClaim(claim, Label.SUPPORTED,
                                f"{len(cites)} stud{'y reports' if len(cites) == 1 else 'ies report'} "
                                f"{' / '.join(terms)}", (), cites)
        return CheckedClaim(claim, Label.NOT_CHECKABLE,
                            f"no study in the evidence mentions {' / '.join(terms)}")
    if claim.kind is ClaimKind.DOSE:
        cites = tuple(Citation(e.citation, None, e.evidence.text) for e in report.dose.effects[:3])
        if cites:
            return CheckedClaim(claim, Label.NOT_CHECKABLE,
                                "studies report effects that differ by dose (below); whether they match "
                                "this claim is for the reader to judge", (), cites)
        return CheckedClaim(claim, Label.NOT_CHECKABLE, "no study in the evidence reports effects by dose")
    # regulatory
    facts, matching = _regulator_facts(report, claim)
    who = " and ".join(claim.regulators) or "regulators"
    if matching:
        return CheckedClaim(claim, Label.SUPPORTED,
                            f"scisays' dated record of {who} on {claim.substance} agrees "
                            f"({'; '.join(f'{f.body}, {f.date}' for f in matching)})", (), (),
                            tuple(matching))
    if facts:
        return CheckedClaim(claim, Label.NOT_CHECKABLE,
                            f"scisays' dated facts of {who} on {claim.substance} do not speak to this "
                            "(listed below)", (), (), tuple(facts))
    return CheckedClaim(claim, Label.NOT_CHECKABLE, f"scisays holds no dated fact of {who} on "
                        f"{claim.substance or 'this substance'}")


def check_claims(claims: Sequence[Claim], reports: Mapping[str, Report]) -> tuple[CheckedClaim, ...]:
    return tuple(check_claim(c, reports.get(c.substance)) for c in claims)
