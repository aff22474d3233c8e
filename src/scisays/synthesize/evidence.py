"""Synthesis v1: per condition, counts by design x direction and a plain verdict with reasons.

Pure and deterministic. The rule: the verdict rests on the strongest tier of design that
addresses the condition; weaker tiers are described but cannot lift it. Issue-level GRADE
grading (downgrades for imprecision, inconsistency, indirectness, bias) builds on this.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ..model import Design, Direction, Reason, Study, Verdict

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

VERDICTS = (
    "evidence of benefit", "probably benefits", "may benefit", "uncertain (conflicting)",
    "probably no benefit", "evidence of harm", "insufficient evidence",
)

_DIRECTION_WORDS = {
    Direction.BENEFIT: "benefit",
    Direction.NO_EFFECT: "no effect",
    Direction.HARM: "harm",
    Direction.MIXED: "mixed results",
}
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


def design_name(design: Design, n: int) -> str:
    """'1 animal study', '4 cross-sectional surveys'."""
    return f"{n} {design.label if n == 1 else _PLURALS[design]}"


def _cites(studies: Sequence[Study]) -> tuple[str, ...]:
    return tuple(s.record.citation for s in studies)


def _lean(directions: Counter[Direction]) -> Direction | None:
    """The direction at least three quarters of the studies share, if any."""
    total = sum(directions.values())
    for d in (Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM):
        if total and directions[d] / total >= 0.75:
            return d
    return None


def synthesize_condition(condition: str, studies: Sequence[Study]) -> Verdict:
    """The verdict for one condition from the appraised studies (any order)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    by_cell: dict[tuple[Design, Direction], list[Study]] = defaultdict(list)
    for s in studies:
        f = s.appraisal.finding_for(condition)
        direction = f.direction if f else Direction.NOT_ADDRESSED
        cell = counts[s.appraisal.design.value]
        cell[direction.value] = cell.get(direction.value, 0) + 1
        by_cell[(s.appraisal.design, direction)].append(s)

    addressing = [
        s for s in studies
        if (f := s.appraisal.finding_for(condition)) and f.direction is not Direction.NOT_ADDRESSED
    ]
    participants = sum(
        s.appraisal.sample_size or 0
        for s in addressing
        if s.appraisal.design not in (*INDIRECT, *REVIEWS, *RANDOMISED[:2])
    )
    reasons: list[Reason] = []

    # What each design says, strongest first.
    for design in DESIGN_ORDER:
        for direction in (Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM, Direction.MIXED):
            group = by_cell.get((design, direction))
            if group:
                verb = "reports" if len(group) == 1 else "report"
                reasons.append(
                    Reason(
                        f"{design_name(design, len(group))} {verb} {_DIRECTION_WORDS[direction]}",
                        _cites(group),
                    )
                )

    def tier_directions(tier: Sequence[Design]) -> tuple[list[Study], Counter[Direction]]:
        members = [s for s in addressing if s.appraisal.design in tier]
        return members, Counter(
            f.direction for s in members if (f := s.appraisal.finding_for(condition))
        )

    rand, rand_dirs = tier_directions(RANDOMISED)
    ctrl, ctrl_dirs = tier_directions(CONTROLLED)
    weak, _ = tier_directions((*UNCONTROLLED, *INDIRECT, *REVIEWS))

    if not rand:
        n_rct = sum(1 for s in studies if s.appraisal.design is Design.RCT)
        reasons.insert(
            0,
            Reason(
                f"no randomised controlled trial or meta-analysis addresses {condition}"
                + (f" ({n_rct} trials of the substance study other outcomes)" if n_rct else "")
            ),
        )

    if rand:
        label, certainty = _verdict_from(rand_dirs, strong=True, has_meta=any(
            s.appraisal.design in RANDOMISED[:2] for s in rand))
        basis = rand
    elif ctrl:
        label, certainty = _verdict_from(ctrl_dirs, strong=False, has_meta=False)
        basis = ctrl
    else:
        label, certainty = "insufficient evidence", "very low"
        basis = weak
        if not addressing:
            reasons.insert(0, Reason(f"no study found addresses {condition}"))
            certainty = "none"
        else:
            kinds = sorted({s.appraisal.design for s in weak}, key=DESIGN_ORDER.index)
            reasons.append(
                Reason(
                    "the only evidence is from "
                    + ", ".join(_PLURALS[d] for d in kinds)
                    + ": self-report, single cases, laboratory or animal work cannot show that "
                    "the substance causes an effect in people",
                    _cites(weak),
                )
            )
    if addressing and participants:
        reasons.append(
            Reason(
                f"{participants:,} participants in all across the human studies addressing "
                f"{condition} (sample sizes read from abstracts)",
                _cites([s for s in addressing if s.appraisal.sample_size]),
            )
        )
    if basis and label != "insufficient evidence":
        reasons.insert(0, Reason(f"verdict rests on the strongest designs present ({label})",
                                 _cites(basis)))
    return Verdict(
        condition=condition,
        label=label,
        certainty=certainty,
        reasons=tuple(reasons),
        counts={d: dict(v) for d, v in counts.items()},
        studies_addressing=len(addressing),
        total_participants=participants,
    )


def _verdict_from(directions: Counter[Direction], *, strong: bool, has_meta: bool) -> tuple[str, str]:
    lean = _lean(directions)
    if lean is Direction.BENEFIT:
        if strong:
            return ("evidence of benefit", "moderate") if has_meta else ("probably benefits", "moderate")
        return "may benefit", "low"
    if lean is Direction.NO_EFFECT:
        return "probably no benefit", "moderate" if strong else "low"
    if lean is Direction.HARM:
        return "evidence of harm", "moderate" if strong else "low"
    return "uncertain (conflicting)", "low" if strong else "very low"


def synthesize(conditions: Sequence[str], studies: Sequence[Study]) -> tuple[Verdict, ...]:
    """A verdict per condition, in the order asked."""
    return tuple(synthesize_condition(c, studies) for c in conditions)
