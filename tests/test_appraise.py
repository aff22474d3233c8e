"""Appraisal v1: measured against the human judgements in ../shared/data/kratom-dev and
checked on small hand-written cases (general rules, not fitted to one record)."""

from __future__ import annotations

import json

import pytest

from scisays.appraise import RULES_APPRAISER, appraise
from scisays.appraise.design import classify_design
from scisays.appraise.finding import classify_sentence, find_direction, mentions, term_pattern
from scisays.appraise.safety import topics_in
from scisays.appraise.sections import Sentence, assign_roles, split_sentences
from scisays.corpus.jsonl import object_to_record
from scisays.model import Design, Direction, Record, Section, SentenceRole
from scisays.question import build_question

from conftest import KRATOM_DEV


def kratom_dev():
    with open(KRATOM_DEV, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            yield d, object_to_record(d, d["id"])


def test_agreement_with_human_judgements_on_kratom_dev():
    q = build_question("kratom", ["anxiety", "depression"])
    design_ok = finding_ok = findings = topic_tp = topic_fp = topic_fn = 0
    n = 0
    read_ok = 0
    for gold, record in kratom_dev():
        a = RULES_APPRAISER(record, q)
        read = appraise(record, q)  # the learned reader: the gold direction, or "could not tell"
        n += 1
        design_ok += a.design.value == gold["design"]
        for cond in ("anxiety", "depression"):
            findings += 1
            finding_ok += a.finding_for(cond).direction.value == gold[f"finding_{cond}"]
            said = read.finding_for(cond).direction.value
            read_ok += said in (gold[f"finding_{cond}"], "uncertain", "unclear")
        got = {m.topic.value for m in a.safety}
        want = set(gold["safety_topics"])
        topic_tp += len(got & want)
        topic_fp += len(got - want)
        topic_fn += len(want - got)
    assert n == 9
    # Floors below what v1 reaches on this set (9/9, 18/18, F1 1.0): a regression guard.
    assert design_ok >= 8
    assert finding_ok >= 16
    assert read_ok == 18
    f1 = 2 * topic_tp / (2 * topic_tp + topic_fp + topic_fn)
    assert f1 >= 0.85


def test_every_finding_quotes_the_abstract():
    q = build_question("kratom", ["anxiety", "depression"])
    for _, record in kratom_dev():
        a = appraise(record, q)
        for f in a.findings:
            if f.direction is not Direction.NOT_ADDRESSED:
                assert f.evidence
                assert all(e.text in record.abstract for e in f.evidence)


@pytest.mark.parametrize(
    ("pubtypes", "text", "design"),
    [
        (["Meta-Analysis"], "We pooled 12 trials.", Design.META_ANALYSIS),
        (["Randomized Controlled Trial"], "Adults were given X.", Design.RCT),
        (["Clinical Trial"], "Twenty adults took X open-label for 8 weeks.", Design.NON_RANDOMIZED_TRIAL),
        (["Case Reports"], "We report a case of a 40-year-old woman.", Design.CASE_REPORT),
        ([], "A systematic review and meta-analysis of randomized trials.", Design.META_ANALYSIS),
        ([], "Participants were randomized to X or placebo in a double-blind trial.", Design.RCT),
        ([], "Male Wistar rats received X (10 mg/kg).", Design.ANIMAL),
        ([], "X inhibited CYP3A4 in human liver microsomes in vitro (IC50 3 uM).", Design.IN_VITRO),
        ([], "We followed a prospective cohort of 5,000 adults for 10 years.", Design.COHORT),
        ([], "An online survey of 900 respondents.", Design.CROSS_SECTIONAL_SURVEY),
        ([], "Semi-structured interviews were analysed by thematic analysis.", Design.QUALITATIVE),
        (["Review"], "This review summarises the literature.", Design.NARRATIVE_REVIEW),
        # Random allocation, however it is phrased, makes a trial randomised ...
        ([], "Sixty patients were randomly enrolled into three groups receiving X.", Design.RCT),
        ([], "The teeth were assigned randomly into two groups (n = 30 each).", Design.RCT),
        ([], "Diets were given in 3 randomly-assigned rotations.", Design.RCT),
        ([], "Patients were allocated at random to X or usual care.", Design.RCT),
        ([], "Forty adults were randomised; half took X.", Design.RCT),
        ([], "A CONSORT-compliant comparison of X and Y.", Design.RCT),
        ([], "Each man did three controlled trials of X in random order.", Design.RCT),
        # ... but random *selection* is sampling, not allocation.
        ([], "A randomly selected sample of 900 adults answered a survey about X.",
         Design.CROSS_SECTIONAL_SURVEY),
        ([], "Households were chosen at random for a cross-sectional survey.",
         Design.CROSS_SECTIONAL_SURVEY),
    ],
)
def test_design_rules(pubtypes, text, design):
    record = Record(title="A study of X", sections=(Section(text),), local_id="t",
                    publication_types=tuple(pubtypes))
    assert classify_design(record).design is design


def test_sentence_splitting_keeps_abbreviations_and_decimals():
    text = ("Mice received 10 mg/kg i.p. daily, e.g. for 5 days vs. saline. "
            "The OR was 2.5 (95% CI 1.1-3.2). Results were clear.")
    assert split_sentences(text) == [
        "Mice received 10 mg/kg i.p. daily, e.g. for 5 days vs. saline.",
        "The OR was 2.5 (95% CI 1.1-3.2).",
        "Results were clear.",
    ]


def test_inline_headings_become_roles():
    record = Record(title="t", local_id="x", sections=(Section(
        "BACKGROUND: Old news. METHODS: We did it. RESULTS: It worked. CONCLUSIONS: Good."),))
    roles = [s.role for s in assign_roles(record)]
    assert roles == [SentenceRole.BACKGROUND, SentenceRole.METHODS, SentenceRole.RESULTS,
                     SentenceRole.CONCLUSIONS]


@pytest.mark.parametrize(
    ("sentence", "direction"),
    [
        ("X significantly reduced anxiety scores compared with placebo.", Direction.BENEFIT),
        ("X did not improve depressive symptoms.", Direction.NO_EFFECT),
        ("There was no significant difference in anxiety.", Direction.NO_EFFECT),
        ("X worsened anxiety in two patients.", Direction.HARM),
        ("X induced anxiety at high doses but improved sleep.", Direction.MIXED),
        ("Anxiety was measured with the GAD-7.", None),
    ],
)
def test_sentence_direction(sentence, direction):
    assert classify_sentence(sentence) is direction


def test_background_claims_do_not_count_as_findings():
    sentences = [
        Sentence("X is widely believed to relieve anxiety.", SentenceRole.BACKGROUND, 0),
        Sentence("We measured liver enzymes.", SentenceRole.METHODS, 1),
    ]
    assert find_direction(sentences, "anxiety", ["anxiety"]).direction is Direction.NOT_ADDRESSED


def test_look_alike_condition_words_are_not_the_condition():
    sentences = [Sentence("X caused respiratory depression in rats that was reduced by naloxone.",
                          SentenceRole.RESULTS, 0)]
    assert find_direction(sentences, "depression", ["depression"]).direction is (
        Direction.NOT_ADDRESSED
    )


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        ("Bone-marrow depression and CNS depression were reported.", False),
        ("Respiratory depression was rare, while major depression improved.", True),
        ("Depression scores fell \u2014 and respiratory depression did not occur.", True),
        ("Post\u2010stroke depression improved.", True),  # a Unicode hyphen inside the term
    ],
)
def test_a_look_alike_beside_the_condition_does_not_hide_it(sentence, named):
    pattern = term_pattern(["depression", "post-stroke depression"])
    assert mentions(sentence, pattern) is named


def test_safety_topics_ignore_other_drugs_and_treatment_purposes():
    assert topics_in("Kratom is used to self-manage opioid withdrawal.") == []
    assert topics_in("Users sought relief from heroin dependence.") == []
    assert [t.value for t in topics_in("95% reported withdrawal symptoms on abstinence.")] == [
        "withdrawal"
    ]
    assert [t.value for t in topics_in("Two patients died; autopsy showed X.")] == ["overdose-death"]
    assert [t.value for t in topics_in("No adverse events occurred.")] == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Kratom did not significantly reduce anxiety.", Direction.NO_EFFECT),
        ("There was no evidence that kratom reduced anxiety.", Direction.NO_EFFECT),
        # the evidence cannot tell: no direction (find_direction reads it as UNCERTAIN)
        ("There is insufficient evidence for the efficacy of kratom in depression.", None),
        ("Kratom use was not associated with depression.", Direction.NO_EFFECT),
        ("Kratom use was not associated with anxiety, but it improved mood.", Direction.MIXED),
        ("Kratom use was associated with increased risk of depression.", Direction.HARM),
        ("Kratom may reduce anxiety symptoms; further research is needed.", Direction.BENEFIT),
        ("Kratom significantly reduced anxiety scores compared with placebo.", Direction.BENEFIT),
    ],
)
def test_classify_sentence_negation_hedge_harm(sentence: str, expected: Direction | None):
    assert classify_sentence(sentence) is expected


def test_hedged_finding_has_lower_confidence():
    def finding(text: str):
        sentences = [Sentence(text, SentenceRole.CONCLUSIONS, 0)]
        return find_direction(sentences, "anxiety", ["anxiety"])

    plain = finding("Kratom reduced anxiety symptoms.")
    hedged = finding("Kratom may reduce anxiety symptoms; further research is needed.")
    assert plain.direction is hedged.direction is Direction.BENEFIT
    assert hedged.confidence < plain.confidence
    assert hedged.evidence[0].text.startswith("Kratom may")


def test_the_prefilter_never_drops_a_sentence_that_names_the_condition():
    """may_name looks only for each term's rarest word: a sentence it leaves out must not match."""
    from scisays.appraise.finding import _DASH_TABLE, may_name, term_pattern
    from scisays.question import build_question

    from conftest import KRATOM_DEV

    sentences = [Sentence(t, SentenceRole.UNLABELLED, i) for i, t in enumerate(
        split_sentences(" ".join(json.loads(line).get("abstract") or " ".join(
            s["text"] for s in json.loads(line).get("sections", ())) for line in KRATOM_DEV.open())))]
    sentences += [Sentence(t, SentenceRole.UNLABELLED, len(sentences) + i) for i, t in enumerate([
        "Patients with low mood and major depressive disorder.", "An anxiety-disorder scale.",
        "7-Hydroxymitragynine binds mu receptors.", "Generalised anxiety disorders (GAD) improved."])]
    q = build_question("kratom", ["anxiety", "depression", "chronic pain", "opioid use disorder"])
    patterns = [term_pattern([c, *q.terms_for(c)]) for c in q.conditions] + [term_pattern(q.substance_terms)]
    matched = 0
    for p in patterns:
        kept = {s.index for s in may_name(sentences, p)}
        for s in sentences:
            if p.search(s.text.translate(_DASH_TABLE)):
                matched += 1
                assert s.index in kept, (p.pattern[:80], s.text)
    assert matched > 20


def test_answering_a_question_keeps_every_other_field_of_the_appraisal():
    """``Appraisal.answering`` spells out ``dataclasses.replace``: a field added later must be
    added there too (each field gets its own marker, so none can be dropped or swapped)."""
    import dataclasses

    from scisays.model import Appraisal

    marks = {f.name: object() for f in dataclasses.fields(Appraisal)}
    a = Appraisal(**marks)
    findings, doses, reading = object(), object(), object()
    b = a.answering(findings, doses, reading)
    given = {"findings": findings, "doses": doses, "reading": reading}
    assert all(getattr(b, name) is given.get(name, mark) for name, mark in marks.items())
