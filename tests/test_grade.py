"""GRADE-style grading on hand-built appraisals: the rules of docs/grading.md, and three worked
cases whose expected verdicts follow from the published literature (see docs/grading.md)."""

from __future__ import annotations

from functools import partial

from scisays.model import Design, Direction
from scisays.synthesize import grade_condition

from conftest import hand_built_study

COND = "depression"


study = partial(hand_built_study, pmid_base=2000)


def domains(v) -> dict[str, int]:
    return {d.domain: d.levels for d in v.downgrades}


DB = "Randomized, double-blind, placebo-controlled trial."


# --- the three worked cases (docs/grading.md) ----------------------------------------------


def test_worked_case_st_johns_wort_for_depression():
    # Linde et al., Cochrane 2008: 29 trials, 5,489 patients; hypericum extracts better than
    # placebo in major depression, but results heterogeneous (German-speaking trials more
    # positive); the large US trials (Shelton 2001; HDTSG 2002) found no effect on the primary
    # outcome. Expected: probably benefits, moderate (down one level for inconsistency).
    studies = [
        study(1, Design.META_ANALYSIS, Direction.BENEFIT, 5489,
              "Systematic review and meta-analysis of 29 randomized double-blind trials. "
              "Results were heterogeneous: trials from German-speaking countries reported "
              "more favourable results."),
        study(2, Design.RCT, Direction.BENEFIT, 375, DB),
        study(3, Design.RCT, Direction.BENEFIT, 332, DB),
        study(4, Design.RCT, Direction.NO_EFFECT, 200, DB),
        study(5, Design.RCT, Direction.BENEFIT, 135, DB),
        study(6, Design.CASE_REPORT, Direction.HARM, 1, "We report a case of mania."),
    ]
    v = grade_condition(COND, studies)
    assert (v.label, v.certainty, v.start_certainty) == ("probably benefits", "moderate", "high")
    assert domains(v) == {"inconsistency": 1}
    assert v.basis == ("PMID 2001", "PMID 2002", "PMID 2003", "PMID 2004", "PMID 2005")
    # the case report is described, never graded
    assert "PMID 2006" not in v.basis
    assert any(r.text == "1 case report reports harm" for r in v.reasons)


def test_worked_case_melatonin_for_jet_lag():
    # Herxheimer & Petrie, Cochrane 2002: 10 randomised trials, 9 found melatonin reduced jet
    # lag; one large trial (Spitzer 1999, n=257) found no benefit. Expected: probably benefits,
    # moderate (the dissenting trial holds over a quarter of the participants).
    studies = [
        study(1, Design.SYSTEMATIC_REVIEW, Direction.BENEFIT, None,
              "Systematic review of randomised trials of melatonin for jet lag."),
        study(2, Design.RCT, Direction.BENEFIT, 20, DB, condition="jet lag"),
        study(3, Design.RCT, Direction.BENEFIT, 52, DB, condition="jet lag"),
        study(4, Design.RCT, Direction.BENEFIT, 320, DB, condition="jet lag"),
        study(5, Design.RCT, Direction.NO_EFFECT, 257, DB, condition="jet lag"),
    ]
    studies[0] = study(1, Design.SYSTEMATIC_REVIEW, Direction.BENEFIT, None,
                       "Systematic review of randomised trials of melatonin for jet lag.",
                       condition="jet lag")
    v = grade_condition("jet lag", studies)
    assert (v.label, v.certainty) == ("probably benefits", "moderate")
    assert domains(v) == {"inconsistency": 1}
    inc = next(d for d in v.downgrades if d.domain == "inconsistency")
    assert inc.citations == ("PMID 2005",) and "257 of the 649" in inc.text


def test_worked_case_vitamin_d_for_depression():
    # VITAL-DEP (Okereke 2020, n=18,353) and other placebo-controlled trials found no effect of
    # vitamin D on depression; one small trial reported benefit. Expected: probably no benefit
    # at high certainty.
    studies = [
        study(1, Design.RCT, Direction.NO_EFFECT, 18353, DB),
        study(2, Design.RCT, Direction.NO_EFFECT, 155, DB),
        study(3, Design.RCT, Direction.NO_EFFECT, 230, DB),
        study(4, Design.META_ANALYSIS, Direction.NO_EFFECT, 4923,
              "Meta-analysis of randomized controlled trials; no heterogeneity."),
        study(5, Design.RCT, Direction.BENEFIT, 40, DB),
    ]
    v = grade_condition(COND, studies)
    assert (v.label, v.certainty) == ("probably no benefit", "high")
    assert domains(v) == {"inconsistency": 0}  # noted (small dissenting trial), not downgraded


# --- the rules -------------------------------------------------------------------------------


def test_kratom_like_body_surveys_animals_review_is_very_low():
    studies = [
        study(1, Design.CROSS_SECTIONAL_SURVEY, Direction.BENEFIT, 2798,
              "A cross-sectional, anonymous online survey.",
              sentence="Kratom was used for anxiety (67%) and depression (65%), with high ratings "
                       "of effectiveness."),
        study(2, Design.ANIMAL, Direction.BENEFIT, None, "Mice received mitragynine."),
        study(3, Design.NARRATIVE_REVIEW, Direction.BENEFIT, None, "This review."),
    ]
    v = grade_condition(COND, studies)
    assert (v.label, v.certainty, v.start_certainty) == ("insufficient evidence", "very low", "very low")
    assert v.basis == ("PMID 2001",)
    assert domains(v) == {"risk of bias": 1, "indirectness": 1}
    texts = [r.text for r in v.reasons]
    assert texts[0] == "no randomised controlled trial or meta-analysis addresses depression"
    assert any("already at the lowest certainty" in t for t in texts)
    assert any("not graded" in t and r.citations == ("PMID 2003",)
               for t, r in zip(texts, v.reasons, strict=True))
    assert any("weaker study" in t and r.citations == ("PMID 2002",)
               for t, r in zip(texts, v.reasons, strict=True))


def test_only_animal_studies_are_indirect_and_imprecise():
    v = grade_condition(COND, [study(1, Design.ANIMAL, Direction.BENEFIT, None),
                               study(2, Design.IN_VITRO, Direction.BENEFIT, None)])
    assert (v.label, v.certainty) == ("insufficient evidence", "very low")
    assert domains(v) == {"indirectness": 2, "imprecision": 1}


def test_no_studies_at_all_and_condition_not_addressed():
    v = grade_condition(COND, [])
    assert (v.label, v.certainty, v.studies_addressing) == ("insufficient evidence", "none", 0)
    assert v.reasons[0].text == "no study found addresses depression"
    v = grade_condition(COND, [study(1, Design.RCT, Direction.NOT_ADDRESSED)])
    assert (v.label, v.certainty) == ("insufficient evidence", "none")
    assert "1 trial of the substance study other outcomes" in v.reasons[1].text


def test_conflicting_trials_are_uncertain_with_both_sides_cited():
    studies = [study(1, Design.RCT, Direction.BENEFIT, 300, DB),
               study(2, Design.RCT, Direction.BENEFIT, 250, DB),
               study(3, Design.RCT, Direction.NO_EFFECT, 280, DB),
               study(4, Design.RCT, Direction.NO_EFFECT, 260, DB)]
    v = grade_condition(COND, studies)
    assert v.label == "uncertain (conflicting)"
    assert (v.certainty, domains(v)) == ("moderate", {"inconsistency": 1})
    conflict = next(r for r in v.reasons if "conflict" in r.text)
    assert "2 benefit (PMID 2001, PMID 2002)" in conflict.text
    assert "2 no effect (PMID 2003, PMID 2004)" in conflict.text


def test_open_label_small_positive_trials_downgraded_three_times():
    ol = "An open-label randomized trial."
    studies = [study(i, Design.RCT, Direction.BENEFIT, 40, ol) for i in range(1, 4)]
    v = grade_condition(COND, studies)
    assert domains(v) == {"risk of bias": 1, "imprecision": 1, "publication bias": 1}
    assert v.total_participants == 120
    assert (v.certainty, v.label) == ("very low", "insufficient evidence")
    imp = next(d for d in v.downgrades if d.domain == "imprecision")
    assert "120 participants" in imp.text


def test_imprecision_levels_follow_total_participants():
    def cert(n: int) -> str:
        return grade_condition(COND, [study(1, Design.RCT, Direction.BENEFIT, n, DB),
                                      study(2, Design.RCT, Direction.BENEFIT, n, DB)]).certainty
    assert cert(40) == "low"  # 80 < 100: very serious, two levels
    assert cert(150) == "moderate"  # 300 < 400: serious, one level
    assert cert(250) == "high"


def test_healthy_volunteers_are_indirect():
    hv = "Randomized, double-blind, placebo-controlled trial in healthy volunteers."
    studies = [study(1, Design.RCT, Direction.BENEFIT, 300, hv),
               study(2, Design.RCT, Direction.BENEFIT, 300, hv)]
    v = grade_condition(COND, studies)
    assert domains(v) == {"indirectness": 1}
    assert (v.label, v.certainty) == ("probably benefits", "moderate")


def test_review_of_observational_studies_starts_low():
    v = grade_condition(COND, [study(1, Design.META_ANALYSIS, Direction.BENEFIT, 50000,
                                     "Meta-analysis of prospective cohort studies.")])
    assert (v.start_certainty, v.certainty, v.label) == ("low", "low", "may benefit")
    v = grade_condition(COND, [study(1, Design.SYSTEMATIC_REVIEW, Direction.BENEFIT, 500,
                                     "No randomized controlled trials were found; surveys only.")])
    assert v.start_certainty == "very low"  # a review of surveys starts where surveys do


def test_harm_from_controlled_studies_is_evidence_of_harm():
    studies = [study(1, Design.COHORT, Direction.HARM, 5000), study(2, Design.CASE_CONTROL,
                                                                    Direction.HARM, 800)]
    v = grade_condition(COND, studies)
    assert (v.label, v.certainty) == ("evidence of harm", "low")


def test_grading_is_deterministic_and_order_independent():
    studies = [study(1, Design.RCT, Direction.BENEFIT, 300, DB),
               study(2, Design.COHORT, Direction.NO_EFFECT, 900),
               study(3, Design.RCT, Direction.BENEFIT, 200, "Open-label randomized trial.")]
    a = grade_condition(COND, studies)
    b = grade_condition(COND, list(reversed(studies)))
    assert (a.label, a.certainty, domains(a)) == (b.label, b.certainty, domains(b))
    assert a == grade_condition(COND, studies)
