"""Synthesis v1 and report building on hand-built appraisals (pure, deterministic)."""

from __future__ import annotations

from functools import partial

from scisays.model import Design, Direction, SafetyTopic
from scisays.question import build_question
from scisays.report import build_report, render_json, render_markdown
from scisays.synthesize import synthesize_condition

from conftest import hand_built_study

study = partial(hand_built_study, pmid_base=1000)


def test_only_surveys_and_animals_is_insufficient_evidence():
    studies = [study(1, Design.CROSS_SECTIONAL_SURVEY, Direction.BENEFIT, 2798),
               study(2, Design.CROSS_SECTIONAL_SURVEY, Direction.BENEFIT, 500),
               study(3, Design.ANIMAL, Direction.BENEFIT, None)]
    v = synthesize_condition("depression", studies)
    assert v.label == "insufficient evidence" and v.certainty == "very low"
    texts = [r.text for r in v.reasons]
    assert texts[0] == "no randomised controlled trial or meta-analysis addresses depression"
    assert "2 cross-sectional surveys report benefit" in texts
    assert "1 animal study reports benefit" in texts
    assert v.total_participants == 3298
    assert v.counts["cross-sectional-survey"]["benefit"] == 2


def test_st_johns_wort_like_body_of_rcts_shows_benefit():
    # Meta-analyses and most RCTs of hypericum in mild-moderate depression report benefit.
    studies = [study(1, Design.META_ANALYSIS, Direction.BENEFIT, None),
               study(2, Design.RCT, Direction.BENEFIT, 300),
               study(3, Design.RCT, Direction.BENEFIT, 200),
               study(4, Design.RCT, Direction.BENEFIT, 150),
               study(5, Design.CASE_REPORT, Direction.HARM, 1)]
    v = synthesize_condition("depression", studies)
    assert v.label == "evidence of benefit"
    assert v.reasons[0].citations == ("PMID 1001", "PMID 1002", "PMID 1003", "PMID 1004")


def test_conflicting_rcts_are_uncertain_and_null_rcts_probably_no_benefit():
    mixed = [study(1, Design.RCT, Direction.BENEFIT), study(2, Design.RCT, Direction.NO_EFFECT)]
    assert synthesize_condition("depression", mixed).label == "uncertain (conflicting)"
    null = [study(i, Design.RCT, Direction.NO_EFFECT) for i in range(4)]
    assert synthesize_condition("depression", null).label == "probably no benefit"


def test_observational_benefit_may_benefit_and_weaker_tiers_cannot_lift_it():
    studies = [study(1, Design.COHORT, Direction.BENEFIT, 5000),
               *[study(i, Design.CROSS_SECTIONAL_SURVEY, Direction.BENEFIT) for i in range(2, 9)]]
    v = synthesize_condition("depression", studies)
    assert (v.label, v.certainty) == ("may benefit", "low")


def test_no_study_addresses_condition():
    v = synthesize_condition("depression", [study(1, Design.RCT, Direction.NOT_ADDRESSED)])
    assert v.label == "insufficient evidence" and v.certainty == "none"
    assert v.reasons[0].text == "no study found addresses depression"


def test_report_builds_and_cites_every_reason():
    q = build_question("hypericum", ["depression"])
    studies = [study(1, Design.RCT, Direction.BENEFIT, safety=(SafetyTopic.DRUG_INTERACTION,)),
               study(2, Design.ANIMAL, Direction.BENEFIT, None)]
    report = build_report(q, studies, sources=["test"])
    assert [s.appraisal.design for s in report.studies] == [Design.RCT, Design.ANIMAL]
    assert report.safety.topics[0].topic is SafetyTopic.DRUG_INTERACTION
    doc = render_json(report)
    assert '"schema_version": 1' in doc
    md = render_markdown(report)
    assert "[PMID 1001](https://pubmed.ncbi.nlm.nih.gov/1001/)" in md
    assert "Drug interactions" in md
    # Deterministic: same input, same output.
    assert render_markdown(build_report(q, studies, sources=["test"])) == md
