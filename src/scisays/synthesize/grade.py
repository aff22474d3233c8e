"""GRADE-style certainty and a verdict per condition (pure, deterministic).

The rules, with worked examples, are in docs/grading.md. In short:

1. The body of evidence is the studies that address the condition, in the strongest tier of
   design present (randomised → non-randomised/observational → uncontrolled human →
   animal/in vitro). Narrative reviews summarise other work and are never graded.
2. Its certainty starts at the tier's level (high, low, very low, very low) and is
   downgraded for risk of bias, inconsistency, indirectness, imprecision and publication
   bias, one or two levels each, never below very low. Every concern is stated with the
   studies it rests on, even when the certainty is already at the floor.
3. The verdict is the direction the body leans to (three quarters of its studies), worded
   by the final certainty; studies that disagree with no clear lean give *uncertain
   (conflicting)*, with both sides cited.

scisays never upgrades (large effect, dose-response): it does not read effect sizes reliably
enough to do so, and a health tool must not overstate.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..appraise.finding import is_perceived
from ..appraise.review import certainty_for, pooled_designs, uncertain_on_main_question
from ..appraise.sections import assign_roles
from ..model import (
    CERTAINTIES,
    CertaintyStatement,
    Design,
    Direction,
    Downgrade,
    Reason,
    SentenceRole,
    Species,
    Study,
    Verdict,
)

# Tiers of design, strongest first.
RANDOMISED = (Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW, Design.RCT)
CONTROLLED = (Design.NON_RANDOMIZED_TRIAL, Design.COHORT, Design.CASE_CONTROL)
UNCONTROLLED = (
    Design.CROSS_SECTIONAL_SURVEY, Design.CASE_SERIES, Design.CASE_REPORT, Design.QUALITATIVE,
    Design.PHARMACOKINETIC, Design.OTHER,
)
INDIRECT = (Design.ANIMAL, Design.IN_VITRO)
REVIEWS = (Design.NARRATIVE_REVIEW,)
DESIGN_ORDER = (*RANDOMISED, *CONTROLLED, *UNCONTROLLED, *INDIRECT, *REVIEWS)
POOLED = (Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW)

VERDICTS = (
    "evidence of benefit", "probably benefits", "may benefit", "uncertain (conflicting)",
    "probably no benefit", "evidence of harm", "insufficient evidence",
)

# Imprecision thresholds (total participants in the body of evidence). 400 is GRADE's rule of
# thumb for an optimal information size with a continuous outcome; under 100 is very serious.
OPTIMAL_INFORMATION_SIZE = 400
VERY_SMALL = 100
SMALL_STUDY = 100  # a study under this many participants counts as small (publication bias)
DISSENT_WEIGHT = 0.25  # share of participants in dissenting studies that counts as inconsistency
LEAN = 0.75  # share of studies that must agree for the body to lean one way

_PLURALS = {
    Design.META_ANALYSIS: "meta-analyses",
    Design.SYSTEMATIC_REVIEW: "systematic reviews",
    Design.RCT: "randomised controlled trials",
    Design.NON_RANDOMIZED_TRIAL: "non-randomised trials",
    Design.COHORT: "cohort studies",
    Design.CASE_CONTROL: "case-control studies",
    Design.CROSS_SECTIONAL_SURVEY: "cross-sectional surveys",
    Design.CASE_SERIES: "case series",
    Design.CASE_REPORT: "case reports",
    Design.PHARMACOKINETIC: "pharmacokinetic studies",
    Design.QUALITATIVE: "qualitative studies",
    Design.ANIMAL: "animal studies",
    Design.IN_VITRO: "in vitro studies",
    Design.NARRATIVE_REVIEW: "narrative reviews",
    Design.OTHER: "other studies",
}
_DIRECTION_WORDS = {
    Direction.BENEFIT: "benefit",
    Direction.NO_EFFECT: "no effect",
    Direction.HARM: "harm",
    Direction.MIXED: "mixed results",
    Direction.COMPARISON: "a comparison with another treatment",
    Direction.UNCERTAIN: "that the evidence cannot tell",
    Direction.UNCLEAR: "conclusions that could not be read with confidence",
}
_SIDES = (Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM, Direction.MIXED,
          Direction.UNCERTAIN, Direction.UNCLEAR, Direction.COMPARISON)
# say nothing of benefit over nothing
_NOT_DECISIVE = (Direction.COMPARISON, Direction.UNCERTAIN, Direction.UNCLEAR)

# Risk-of-bias cues, read from the title and abstract.
_OPEN_LABEL = re.compile(r"\bopen[- ]label\b|\bunblinded\b|\bnot blinded\b|\bnon-?blinded\b|"
                         r"\bsingle[- ]blind\w*", re.IGNORECASE)
_NO_CONTROL = re.compile(r"\bsingle[- ]arm\b|\buncontrolled\b|\bno control group\b|"
                         r"\bwithout (?:a )?control\b|\bpre-?post\b|\bbefore[- ]and[- ]after\b",
                         re.IGNORECASE)
_SELF_REPORT = re.compile(r"\bself-?report\w*|\bonline survey\b|\banonymous survey\b|"
                          r"\bperceived\b|\bself-?rated\b|\bquestionnaires?\b", re.IGNORECASE)
_INDUSTRY = re.compile(r"\b(?:funded|sponsored|supported) by (?:\w+ ){0,4}?(?:\w+ )?"
                       r"(?:Inc|Ltd|GmbH|Co|Corp\w*|Pharma\w*|company|manufacturer|industry)\b|"
                       r"\bindustry[- ](?:funded|sponsored)\b", re.IGNORECASE)
_BLINDED = re.compile(r"\bdouble[- ]blind\w*|\btriple[- ]blind\w*|\bplacebo[- ]controlled\b",
                      re.IGNORECASE)
# Searched in lower-cased text and starting with its literal (the word boundary checked after
# it): the regex engine then scans for the literal, where a pattern opening with \b or ignoring
# case is tried at every position (2 µs against 50 µs for an abstract).
_HEALTHY = re.compile(r"healthy(?<=\bhealthy) (?:\w+ )?(?:volunteers|adults|participants|subjects|men|"
                      r"women|individuals|people|students)\b")
_HETEROGENEITY = re.compile(r"\bheterogene\w+|\binconsisten\w+|\bI\s?(?:2|²)\s*[=>]\s*(?:[5-9]\d)",
                            re.IGNORECASE)
_NO_HETEROGENEITY = re.compile(r"\b(?:no|low|little|without) (?:\w+ )?(?:heterogene|inconsisten)\w*",
                               re.IGNORECASE)
_PUB_BIAS = re.compile(r"\bpublication bias\b|\bfunnel plot\b|\bsmall[- ]study effects?\b",
                       re.IGNORECASE)
_NO_PUB_BIAS = re.compile(r"\bno (?:\w+ ){0,3}(?:evidence of |signs? of )?(?:publication bias|"
                          r"funnel plot asymmetry|small[- ]study effects?)|"
                          r"\bpublication bias (?:was|is) (?:not|un)\w*", re.IGNORECASE)


def design_name(design: Design, n: int) -> str:
    """'1 animal study', '4 cross-sectional surveys'."""
    return f"{n} {design.label if n == 1 else _PLURALS[design]}"


def plural_design(design: Design) -> str:
    """'randomised controlled trials'."""
    return _PLURALS[design]


def _cites(studies: Sequence[Study]) -> tuple[str, ...]:
    return tuple(s.record.citation for s in studies)


def _text(study: Study) -> str:
    return f"{study.record.title}\n{study.record.abstract}"


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    start: str  # the certainty a body of such studies starts at


_POOLED_TIERS = {
    "randomised": Tier("randomised", "high"),
    "non-randomised": Tier("non-randomised", "low"),
    "uncontrolled": Tier("uncontrolled human", "very low"),
    "animal": Tier("animal or laboratory", "very low"),
}


def tier_of(study: Study, unknown_review: Tier | None = None) -> Tier | None:
    """The tier of design a study's evidence belongs to (None: not graded).

    A review is graded by what it pooled (``Appraisal.pooled``, read by the appraiser; read
    here with the same ``pooled_designs`` for an appraisal made without it); one whose abstract
    does not say takes ``unknown_review`` (never the randomised tier: see ``unknown_review_tier``)."""
    d = study.appraisal.design
    if d in POOLED:
        pooled = study.appraisal.pooled or pooled_designs(study.record.title, assign_roles(study.record))
        return _POOLED_TIERS.get(pooled.kind) or unknown_review or Tier("non-randomised", "low")
    if d is Design.RCT:
        return Tier("randomised", "high")
    if d in CONTROLLED:
        return Tier("non-randomised", "low")
    if d in INDIRECT or study.appraisal.species in (Species.ANIMAL, Species.IN_VITRO):
        return Tier("animal or laboratory", "very low")
    if d in UNCONTROLLED:
        return Tier("uncontrolled human", "very low")
    return None


def unknown_review_tier(primary: Sequence[Tier]) -> Tier:
    """The tier of a review that does not say what it pooled: never randomised; the tier of
    the best primary evidence found for the question, but no higher than low."""
    best = min((TIER_ORDER.index(t.name) for t in primary), default=1)
    name = TIER_ORDER[max(best, 1)]
    return Tier(name, "low" if name == "non-randomised" else "very low")


TIER_ORDER = ("randomised", "non-randomised", "uncontrolled human", "animal or laboratory")
TIER_WORDS = {
    "randomised": "randomised evidence",
    "non-randomised": "non-randomised or observational studies with a comparison",
    "uncontrolled human": "human studies without a comparison group",
    "animal or laboratory": "animal and laboratory studies",
}


def _direction(study: Study, condition: str) -> Direction:
    f = study.appraisal.finding_for(condition)
    return f.direction if f else Direction.NOT_ADDRESSED


def lean(directions: Sequence[Direction]) -> Direction | None:
    """The direction at least three quarters of the studies share, if any.

    A study with mixed results counts half for benefit and half for no effect. Head-to-head
    comparisons with another treatment say nothing about benefit over nothing, so they are
    left out when other studies are there; a body of comparisons alone leans to benefit only
    through the comparator (``grade_condition`` states it and downgrades for indirectness)."""
    decisive = [d for d in directions if d is not Direction.COMPARISON]
    if not decisive:
        return Direction.BENEFIT if directions else None
    # a study that says nothing of benefit over nothing is no vote against the others
    if any(d not in _NOT_DECISIVE for d in decisive):
        decisive = [d for d in decisive if d not in _NOT_DECISIVE]
    total = len(decisive)
    counts = Counter(decisive)
    half = counts[Direction.MIXED] / 2
    share = {
        Direction.BENEFIT: counts[Direction.BENEFIT] + half,
        Direction.NO_EFFECT: counts[Direction.NO_EFFECT] + half,
        Direction.HARM: counts[Direction.HARM],
    }
    for d in (Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM):
        if counts[d] and share[d] / total >= LEAN:
            return d
    return None


def _participants(body: Sequence[Study]) -> tuple[int, list[Study]]:
    """Participants in the body: the largest pooled review's count or the sum over primary
    studies, whichever is larger (a review's count already includes its trials)."""
    known = [s for s in body if s.appraisal.sample_size]
    pooled = max((s.appraisal.sample_size or 0 for s in known if s.appraisal.design in POOLED),
                 default=0)
    primary = sum(s.appraisal.sample_size or 0 for s in known if s.appraisal.design not in POOLED)
    return max(pooled, primary), known


@lru_cache(maxsize=4096)
def _bias_cues(text: str) -> tuple[bool, bool, bool, bool]:
    """(open-label, no control group, self-reported outcomes, industry-funded) as the text says
    (read once per study, not once per condition it is graded for)."""
    blinded = bool(_BLINDED.search(text))
    return (bool(_OPEN_LABEL.search(text)) and not blinded, bool(_NO_CONTROL.search(text)),
            bool(_SELF_REPORT.search(text)) and not blinded, bool(_INDUSTRY.search(text)))


def _risk_of_bias(body: Sequence[Study], tier: str) -> Downgrade | None:
    flagged: dict[str, list[Study]] = defaultdict(list)
    for s in body:
        open_label, no_control, self_report, industry = _bias_cues(_text(s))
        if open_label:
            flagged["was open-label (not blinded)"].append(s)
        if no_control or (tier == "uncontrolled human" and s.appraisal.design is not Design.PHARMACOKINETIC):
            flagged["had no control group"].append(s)
        if self_report:
            flagged["relied on self-reported outcomes"].append(s)
        if industry:
            flagged["was industry-funded"].append(s)
    any_flag = {s.record.key: s for group in flagged.values() for s in group}
    if not any_flag:
        return None
    share = len(any_flag) / len(body)
    parts = [f"{_n(len(g), 'study', 'studies')} {cue if len(g) == 1 else cue.replace('was ', 'were ', 1)}"
             for cue, g in flagged.items()]
    levels = 1 if share > 0.5 else 0
    text = "; ".join(parts) + (
        "" if levels else " (a minority of the body; not downgraded)"
    )
    return Downgrade("risk of bias", levels, text, _cites(list(any_flag.values())))


def _inconsistency(body: Sequence[Study], condition: str) -> Downgrade | None:
    heterogeneous = [s for s in body if s.appraisal.design in POOLED
                     and _HETEROGENEITY.search(s.record.abstract)
                     and not _NO_HETEROGENEITY.search(s.record.abstract)]
    dirs = [_direction(s, condition) for s in body]
    counts = Counter(dirs)
    leaning = lean(dirs)
    sides = "; ".join(
        f"{counts[d]} {_DIRECTION_WORDS[d]}"
        for d in _SIDES
        if counts[d]
    )
    if len([d for d in dirs if d not in _NOT_DECISIVE]) >= 2 \
            and leaning is None:
        return Downgrade("inconsistency", 1, f"studies disagree ({sides})", _cites(body))
    disagree = [s for s, d in zip(body, dirs, strict=True)
                if d is not leaning
                and d not in (*_NOT_DECISIVE, Direction.MIXED)]
    if disagree:
        primary = [s for s in body if s.appraisal.design not in POOLED and s.appraisal.sample_size]
        total = sum(s.appraisal.sample_size or 0 for s in primary)
        against = sum(s.appraisal.sample_size or 0 for s in disagree if s in primary)
        if total and against / total >= DISSENT_WEIGHT:
            return Downgrade(
                "inconsistency", 1,
                f"studies mostly agree ({sides}), but those that differ hold {against:,} of the "
                f"{total:,} participants in the primary studies",
                _cites(disagree),
            )
    if heterogeneous:
        return Downgrade(
            "inconsistency", 1,
            "a pooled review reports heterogeneous results across its studies",
            _cites(heterogeneous),
        )
    if disagree:
        return Downgrade(
            "inconsistency", 0,
            f"studies mostly agree ({sides}); the small studies that differ do not change the "
            "direction",
            _cites(disagree),
        )
    return None


def _indirectness(body: Sequence[Study], condition: str) -> Downgrade | None:
    animal = [s for s in body if s.appraisal.design in INDIRECT
              or s.appraisal.species in (Species.ANIMAL, Species.IN_VITRO)]
    healthy = [s for s in body if s not in animal and _HEALTHY.search(_text(s).lower())]
    proxy = []
    for s in body:
        if s in animal:
            continue
        f = s.appraisal.finding_for(condition)
        if f and is_perceived(f):
            proxy.append(s)
    compared = [s for s in body if _direction(s, condition) is Direction.COMPARISON]
    if compared and len(compared) == len(body):
        names = ", ".join(dict.fromkeys(
            f.comparator for s in compared if (f := s.appraisal.finding_for(condition)) and f.comparator))
        return Downgrade(
            "indirectness", 1,
            f"every graded study compares it with another treatment ({names}), not with placebo: "
            "benefit rests on that treatment being effective", _cites(compared))
    if not (animal or healthy or proxy):
        return None
    parts = []
    if animal:
        parts.append(f"{_n(len(animal), 'study was', 'studies were')} in animals or cells, "
                     "not people")
    if healthy:
        parts.append(f"{_n(len(healthy), 'study was', 'studies were')} in healthy volunteers, "
                     f"not people with {condition}")
    if proxy:
        parts.append(f"{_n(len(proxy), 'study reports', 'studies report')} why people use it or "
                     f"how they perceive it, not a measured change in {condition}")
    flagged = {s.record.key: s for s in (*animal, *healthy, *proxy)}
    share = len(flagged) / len(body)
    levels = 0
    if share > 0.5:
        levels = 2 if len(animal) / len(body) > 0.5 else 1
    text = "; ".join(parts) + ("" if levels else " (a minority of the body; not downgraded)")
    return Downgrade("indirectness", levels, text, _cites(list(flagged.values())))


def _imprecision(body: Sequence[Study]) -> Downgrade | None:
    human = [s for s in body if s.appraisal.design not in INDIRECT
             and s.appraisal.species not in (Species.ANIMAL, Species.IN_VITRO)]
    if not human:
        return Downgrade("imprecision", 1, "no human participants at all", _cites(body))
    total, known = _participants(human)
    if not known:
        return Downgrade(
            "imprecision", 1,
            "no abstract states how many people took part, so precision cannot be judged",
            _cites(human),
        )
    if total < VERY_SMALL:
        return Downgrade("imprecision", 2,
                         f"{total:,} participants in all: far below the ~{OPTIMAL_INFORMATION_SIZE} "
                         "needed to estimate an effect with any precision", _cites(known))
    if total < OPTIMAL_INFORMATION_SIZE:
        return Downgrade("imprecision", 1,
                         f"{total:,} participants in all, fewer than the ~{OPTIMAL_INFORMATION_SIZE} "
                         "needed for a precise estimate", _cites(known))
    return None


def _publication_bias(body: Sequence[Study], condition: str) -> Downgrade | None:
    reviews = [s for s in body if s.appraisal.design in POOLED]
    suspected = [s for s in reviews
                 if _PUB_BIAS.search(s.record.abstract) and not _NO_PUB_BIAS.search(s.record.abstract)]
    if suspected:
        return Downgrade("publication bias", 1,
                         "a review in the body reports signs of publication bias or small-study effects",
                         _cites(suspected))
    primary = [s for s in body if s.appraisal.design not in POOLED]
    sized = [s for s in primary if s.appraisal.sample_size]
    if (
        len(primary) >= 3
        and all(_direction(s, condition) is Direction.BENEFIT for s in primary)
        and len(sized) == len(primary)
        and all((s.appraisal.sample_size or 0) < SMALL_STUDY for s in sized)
    ):
        return Downgrade(
            "publication bias", 1,
            f"all {len(primary)} studies are small (under {SMALL_STUDY} participants each) and all "
            "positive: the pattern small negative studies leave when they go unpublished",
            _cites(primary),
        )
    return None


def _lower(certainty: str, levels: int) -> str:
    i = min(CERTAINTIES.index(certainty) + levels, len(CERTAINTIES) - 1)
    return CERTAINTIES[i]


def label_for(direction: Direction | None, certainty: str, conflicting: bool,
              controlled: bool = True, concluded: bool = False) -> str:
    """The verdict wording for the direction the body leans to, at the final certainty.

    ``controlled``: the body is randomised evidence. Only randomised evidence at low certainty
    says "probably no benefit": no association in observational data, or no change in an
    uncontrolled study, is not evidence that a treatment does not work.

    At very low certainty the verdict is "insufficient evidence" — unless ``concluded``: the
    body is a systematic review whose authors rated their evidence very low and still conclude
    a direction (without saying the evidence cannot tell). Their conclusion is reported, at
    very low certainty, as theirs."""
    if conflicting:
        # at very low certainty even the conflict cannot be trusted: plainly insufficient
        return "insufficient evidence" if certainty == "very low" else "uncertain (conflicting)"
    if direction is Direction.BENEFIT:
        return {"high": "evidence of benefit", "moderate": "probably benefits", "low": "may benefit",
                "very low": "may benefit" if concluded else "insufficient evidence"}[certainty]
    if direction is Direction.NO_EFFECT:
        return ("probably no benefit" if certainty in ("high", "moderate")
                or (certainty == "low" and controlled) or (certainty == "very low" and concluded)
                else "insufficient evidence")
    if direction is Direction.HARM:
        return "evidence of harm" if certainty in ("high", "moderate", "low") else "insufficient evidence"
    return "insufficient evidence"


def grade_condition(condition: str, studies: Sequence[Study]) -> Verdict:
    """The verdict and GRADE certainty for one condition from the appraised studies (any order)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    by_cell: dict[tuple[Design, Direction], list[Study]] = defaultdict(list)
    for s in studies:
        direction = _direction(s, condition)
        cell = counts[s.appraisal.design.value]
        cell[direction.value] = cell.get(direction.value, 0) + 1
        by_cell[(s.appraisal.design, direction)].append(s)

    addressing = [s for s in studies if _direction(s, condition) is not Direction.NOT_ADDRESSED]
    human_addressing = [
        s for s in addressing
        if s.appraisal.design not in (*INDIRECT, *REVIEWS)
        and s.appraisal.species not in (Species.ANIMAL, Species.IN_VITRO)
    ]
    participants, _ = _participants(human_addressing)
    primary_tiers = [t for s in addressing if s.appraisal.design not in POOLED
                     and (t := tier_of(s)) is not None]
    unknown = unknown_review_tier(primary_tiers)
    graded = [(s, t) for s in addressing if (t := tier_of(s, unknown)) is not None]
    reviews = [s for s in addressing if tier_of(s) is None]
    # a study whose conclusions could not be read with confidence is missing data, not a vote:
    # the grade rests on the studies that could be read, when there are any
    unread = [s for s, _ in graded if _direction(s, condition) is Direction.UNCLEAR]
    if unread and len(unread) < len(graded):
        graded = [(s, t) for s, t in graded if _direction(s, condition) is not Direction.UNCLEAR]
    else:
        unread = []

    reasons: list[Reason] = []
    if not any(t.name == "randomised" for _, t in graded):
        n_rct = sum(1 for s in studies if s.appraisal.design is Design.RCT)
        reasons.append(Reason(
            f"no randomised controlled trial or meta-analysis addresses {condition}"
            + (f" ({_n(n_rct, 'trial', 'trials')} of the substance study other outcomes)"
               if n_rct else "")
        ))

    if not graded:
        if not addressing:
            reasons.insert(0, Reason(f"no study found addresses {condition}"))
        reasons.extend(_design_reasons(by_cell))
        if reviews:
            reasons.append(_review_reason(reviews, condition))
        return Verdict(
            condition=condition, label="insufficient evidence",
            certainty="none" if not addressing else "very low",
            reasons=tuple(reasons), counts={d: dict(v) for d, v in counts.items()},
            studies_addressing=len(addressing), total_participants=participants,
            start_certainty="none" if not addressing else "very low",
        )

    best = min(TIER_ORDER.index(t.name) for _, t in graded)
    tier_name = TIER_ORDER[best]
    body = [s for s, t in graded if t.name == tier_name]
    start = next(t.start for s, t in graded if t.name == tier_name)
    dirs = [_direction(s, condition) for s in body]
    leaning = lean(dirs)
    decisive = [d for d in dirs if d not in _NOT_DECISIVE]
    conflicting = leaning is None and len(decisive) >= 2 and (
        len({d for d in decisive if d is not Direction.MIXED}) > 1 or Direction.MIXED in decisive
    )

    downgrades = [
        d for d in (
            _risk_of_bias(body, tier_name),
            _inconsistency(body, condition),
            _indirectness(body, condition),
            _imprecision(body),
            _publication_bias(body, condition),
        ) if d is not None
    ]
    certainty = _lower(start, sum(d.levels for d in downgrades))
    stated = _stated_certainty(body, condition)
    review_alone = all(s.appraisal.design in POOLED for s in body)
    if stated is not None:
        if review_alone:  # its authors weighed the five domains: their rating is the certainty
            downgrades = [dataclasses.replace(
                d, levels=0, text=d.text + " (weighed by the review's own GRADE rating)")
                for d in downgrades]
            certainty = stated[1].level
        else:  # beside trials, the review's rating is a cap
            certainty = _weaker(certainty, stated[1].level)
    # a single small null trial is absence of evidence, not evidence of no benefit: "probably no
    # benefit" at low certainty needs a randomised body — a pooled review or two trials or more
    concluded = (review_alone and stated is not None and certainty == "very low"
                 and _authors_conclude(body, condition))
    label = label_for(leaning, certainty, conflicting,
                      controlled=tier_name == "randomised"
                      and (len(body) >= 2 or any(s.appraisal.design in POOLED for s in body)),
                      concluded=concluded)
    # no direction claimed: whatever the design, there is no effect to be certain of
    no_direction = label == "insufficient evidence" and leaning is None and certainty != "very low"
    final = "very low" if no_direction else certainty

    reasons.append(Reason(
        f"graded on {design_name_list(body)} (the strongest evidence present: "
        f"{TIER_WORDS[tier_name]}), which start at {start} certainty",
        _cites(body),
    ))
    for d in downgrades:
        if d.levels:
            at_floor = CERTAINTIES.index(start) + sum(
                x.levels for x in downgrades[: downgrades.index(d)]) >= len(CERTAINTIES) - 1
            suffix = (" — already at the lowest certainty" if at_floor
                      else f" — down {_n(d.levels, 'level', 'levels')}")
        else:
            suffix = ""
        reasons.append(Reason(f"{d.domain}: {d.text}{suffix}", d.citations))
    if stated is not None:
        review, statement = stated
        reasons.append(Reason(
            f"the review rates its own evidence {statement.level} certainty (GRADE) for the outcome "
            f"that answers the question: “{statement.text}”; "
            + ("with the review alone, its rating is the certainty" if review_alone
               else "the verdict goes no higher"),
            (review.record.citation,)))
    reasons.append(Reason(f"certainty: {start} → {certainty}"))
    reasons.append(_direction_reason(body, condition, leaning, conflicting, certainty, label))
    if no_direction:
        reasons.append(Reason(
            f"no direction can be claimed, so there is no effect to be {certainty}-certain of: "
            "the certainty is very low"))
        reasons.append(Reason(f"certainty: {certainty} → very low"))
    if unread:
        reasons.append(Reason(
            f"{_n(len(unread), 'study that could be graded has', 'studies that could be graded have')} "
            "conclusions that could not be read with confidence: not counted for or against "
            "(quoted under What the studies concluded)",
            _cites(unread)))
    if concluded and label != "insufficient evidence":
        reasons.append(Reason(
            "at very low certainty this is the review authors' own conclusion, reported as theirs: "
            "they rate the evidence very low and do not say it cannot tell, but the true effect may "
            "be substantially different",
            _cites(body)))
    reasons.extend(_design_reasons(by_cell))
    weaker = [s for s, t in graded if TIER_ORDER.index(t.name) > best]
    if weaker:
        reasons.append(Reason(
            f"{_n(len(weaker), 'weaker study also addresses', 'weaker studies also address')} "
            f"{condition}; described above, they cannot raise the grade",
            _cites(weaker),
        ))
    if reviews:
        reasons.append(_review_reason(reviews, condition))
    if participants:
        reasons.append(Reason(
            f"{participants:,} participants in all across the human studies addressing "
            f"{condition} (sample sizes read from abstracts)",
            _cites([s for s in human_addressing if s.appraisal.sample_size]),
        ))
    return Verdict(
        condition=condition,
        label=label,
        certainty=final,
        reasons=tuple(reasons),
        counts={d: dict(v) for d, v in counts.items()},
        studies_addressing=len(addressing),
        total_participants=participants,
        start_certainty=start,
        downgrades=tuple(downgrades),
        basis=_cites(body),
    )


def _authors_conclude(reviews: Sequence[Study], condition: str) -> bool:
    """True if every review's finding rests on its authors' conclusions and none of those
    conclusions says the evidence cannot answer the main question."""
    for s in reviews:
        f = s.appraisal.finding_for(condition)
        if f is None or not f.evidence or f.evidence[0].role is not SentenceRole.CONCLUSIONS:
            return False
        if any(uncertain_on_main_question(e.text) for e in s.appraisal.conclusion):
            return False
    return True


def _weaker(a: str, b: str) -> str:
    return a if CERTAINTIES.index(a) >= CERTAINTIES.index(b) else b


def _stated_certainty(body: Sequence[Study], condition: str) -> tuple[Study, CertaintyStatement] | None:
    """The certainty the largest review in the body states for the outcome that answers the
    question (see ``appraise.review.certainty_for``), if any review rates its evidence. Where
    trials sit beside the review, only an explicit GRADE rating counts (wording such as
    "remains uncertain" may be about another question of that review)."""
    rated = [s for s in body if s.appraisal.design in POOLED and s.appraisal.certainty_statements]
    if not rated:
        return None
    review = max(rated, key=lambda s: s.appraisal.sample_size or 0)
    f = review.appraisal.finding_for(condition)
    statements = review.appraisal.certainty_statements
    if any(s.appraisal.design not in POOLED for s in body):
        statements = tuple(st for st in statements if st.explicit)
    st = certainty_for(statements, [e.text for e in (f.evidence if f else ())], review.record.title)
    return (review, st) if st is not None else None


def design_name_list(body: Sequence[Study]) -> str:
    """'2 randomised controlled trials and 1 meta-analysis'."""
    c = Counter(s.appraisal.design for s in body)
    parts = [design_name(d, c[d]) for d in DESIGN_ORDER if c[d]]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _direction_reason(body: Sequence[Study], condition: str, leaning: Direction | None,
                      conflicting: bool, certainty: str, label: str) -> Reason:
    by_dir: dict[Direction, list[Study]] = defaultdict(list)
    for s in body:
        by_dir[_direction(s, condition)].append(s)
    if conflicting:
        sides = "; ".join(
            f"{len(by_dir[d])} {_DIRECTION_WORDS[d]} ({', '.join(_cites(by_dir[d]))})"
            for d in _SIDES
            if by_dir[d]
        )
        return Reason(f"the graded studies conflict — {sides}", _cites(body))
    unclear = by_dir[Direction.UNCLEAR]
    if leaning is None and len(unclear) == len(body):
        return Reason(("the graded study's conclusions" if len(body) == 1 else
                       f"the conclusions of all {len(body)} graded studies")
                      + " could not be read with confidence, so no direction is claimed (they are quoted "
                      "under What the studies concluded)", _cites(body))
    word = _DIRECTION_WORDS[leaning] if leaning else "no clear direction (mixed or uncertain results)"
    agree = by_dir[leaning] if leaning else list(body)
    if leaning is Direction.BENEFIT and not agree and by_dir[Direction.COMPARISON]:
        agree = by_dir[Direction.COMPARISON]
        word = ("results like those of the treatments they compared it with ("
                + ", ".join(dict.fromkeys(f.comparator for s in agree
                                          if (f := s.appraisal.finding_for(condition)) and f.comparator))
                + "): benefit only as far as those treatments work")
    if leaning is not None and agree and all(
            (f := s.appraisal.finding_for(condition)) and is_perceived(f) for s in agree):
        word += " — as users perceive it or why they use it, not a measured outcome"
    text = (f"the graded study reports {word}" if len(body) == 1
            else f"{len(agree)} of {len(body)} graded studies report {word}")
    comparisons = by_dir[Direction.COMPARISON]
    if comparisons and agree is not comparisons:
        text += (f"; {_n(len(comparisons), 'head-to-head study compares', 'head-to-head studies compare')}"
                 f" it with another treatment and {'is' if len(comparisons) == 1 else 'are'} not counted "
                 "for or against benefit")
    if label == "insufficient evidence" and leaning is not None:
        text += (f", but at {certainty} certainty that cannot support a conclusion: "
                 "it is a signal for better studies, not evidence")
    return Reason(text, _cites(agree))


def _review_reason(reviews: Sequence[Study], condition: str) -> Reason:
    said = Counter(_DIRECTION_WORDS[_direction(s, condition)] for s in reviews)
    what = ", ".join(f"{n} {w}" for w, n in sorted(said.items()))
    return Reason(
        f"{design_name(Design.NARRATIVE_REVIEW, len(reviews))} ({what}) "
        f"{'summarises' if len(reviews) == 1 else 'summarise'} other work without a systematic "
        "search and is not graded" if len(reviews) == 1 else
        f"{design_name(Design.NARRATIVE_REVIEW, len(reviews))} ({what}) summarise other work "
        "without a systematic search and are not graded",
        _cites(reviews),
    )


def _design_reasons(by_cell: dict[tuple[Design, Direction], list[Study]]) -> list[Reason]:
    out = []
    for design in DESIGN_ORDER:
        if design in REVIEWS:
            continue
        for direction in _SIDES:
            group = by_cell.get((design, direction))
            if group:
                verb = "reports" if len(group) == 1 else "report"
                out.append(Reason(
                    f"{design_name(design, len(group))} {verb} {_DIRECTION_WORDS[direction]}",
                    _cites(group),
                ))
    return out


def grade(conditions: Sequence[str], studies: Sequence[Study]) -> tuple[Verdict, ...]:
    """A verdict per condition, in the order asked."""
    return tuple(grade_condition(c, studies) for c in conditions)
