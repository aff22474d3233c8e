"""The shipped trained models: they load, are small, and give the expected label on fixed cases;
bad input gives a low-confidence answer with a reason, never a crash."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest

from scisays import ml
from scisays.appraise.effect import LABELS, classify_effect, infer_effect
from scisays.appraise.qa import answer
from scisays.appraise.roles import ROLE_CLASSES, predict_roles, viterbi
from scisays.errors import ScisaysError
from scisays.ml import LinearModel, from_arrays

MODELS = Path(ml.__file__).parents[1] / "data" / "models"
NAMES = ("roles", "pubmedqa-rf", "pubmedqa-rr", "effect", "evidence-finder")


def test_artefacts_present_small_and_fast_to_load():
    total = 0
    for name in NAMES:
        path = MODELS / f"{name}.json.gz"
        assert path.exists(), name
        total += path.stat().st_size
        doc = json.loads(gzip.decompress(path.read_bytes()))
        assert doc["format"] == "scisays.linear-model" and doc["meta"]["n_train"] > 0
    assert total < 50e6
    ml.load.cache_clear()
    t0 = time.perf_counter()
    for name in NAMES:
        ml.load(name)
    assert time.perf_counter() - t0 < 10  # generous here; the 2 s target is measured in benchmarks/


def test_linear_model_round_trip_and_validation(tmp_path: Path):
    m = from_arrays("t", ["a", "b"], ["x", "y"], [[2.0, -1.0]], [0.5], temperature=1.5)
    path = tmp_path / "t.json.gz"
    m.save(path)
    back = LinearModel.from_dict(json.loads(gzip.decompress(path.read_bytes())))
    assert back.classes == ("a", "b") and back.temperature == 1.5
    assert back.predict({"x": 1.0})[0] == "b" and back.predict({"y": 3.0})[0] == "a"
    assert abs(sum(back.predict_proba({"x": 1.0}).values()) - 1) < 1e-9
    bad = m.to_dict() | {"format_version": 99}
    with pytest.raises(ScisaysError):
        LinearModel.from_dict(bad)
    with pytest.raises(ScisaysError, match="not installed"):
        ml.load("no-such-model")


@pytest.mark.parametrize(
    ("conclusion", "expected"),
    [
        (
            "Drug A significantly reduced postoperative pain and improved function compared with placebo.",
            "yes",
        ),
        ("Drug A did not significantly reduce pain; there was no difference between the groups.", "no"),
        ("Drug A was not associated with a lower risk of falls.", "no"),
    ],
)
def test_answer_yes_no(conclusion: str, expected: str):
    a = answer("Does drug A reduce pain after surgery?", conclusion)
    assert a.label == expected and 0.34 <= a.confidence <= 1 and a.sentences


def test_hedges_raise_maybe_and_lower_confidence():
    model = ml.load("pubmedqa-rf")
    q = "Does drug A reduce pain after surgery?"
    plain = "Drug A reduced pain after surgery."
    hedged = (
        "Drug A may reduce pain in some patients, but the evidence is limited and unclear; "
        "further research is needed before it can be recommended."
    )
    from scisays.ml.features import answer_features

    p_plain = model.predict_proba(answer_features(q, plain))
    p_hedged = model.predict_proba(answer_features(q, hedged))
    # PubMedQA's annotators often answer 'yes' to hedged conclusions, so the model may still say
    # yes here; what it must learn is that hedging makes 'maybe' more likely.
    assert p_hedged["maybe"] > 1.5 * p_plain["maybe"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "x" * 100_000,
        "Die Behandlung war wirksam und sicher bei allen Patienten " * 5,
        "no punctuation at all just words going on and on " * 50,
        "<p>Drug A <b>reduced</b> pain</p><script>alert(1)</script>",
        "日本語のテキストです。効果があった。",
    ],
)
def test_answer_bad_input_never_crashes(text: str):
    for setting in ("reasoning-free", "reasoning-required"):
        a = answer("Does drug A reduce pain?", text, setting=setting)
        assert a.label in ("yes", "no", "maybe") and 0 < a.confidence <= 1
    short = answer("Does drug A reduce pain?", "")
    assert short.reason and short.confidence < 0.5
    cjk = answer("Does drug A reduce pain?", "日本語のテキストです。効果があった。効果があった。")
    assert cjk.reason and cjk.confidence <= 0.4


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("Pain scores were significantly lower with drug A than with placebo (p < 0.001).", LABELS[0]),
        ("There was no significant difference in pain between drug A and placebo (p = 0.62).", LABELS[1]),
        (
            "Walking distance increased significantly more with drug A than with placebo (p = 0.003).",
            LABELS[2],
        ),
    ],
)
def test_effect_oracle(evidence: str, expected: str):
    call = classify_effect(
        "drug A", "placebo", "pain score" if "ain" in evidence else "walking distance", evidence
    )
    assert call.label == expected and call.evidence == evidence


def test_effect_pipeline_finds_the_sentence_and_survives_bad_input():
    article = (
        "TITLE: Drug A after knee surgery\n\nABSTRACT.BACKGROUND:\nPain is common after surgery.\n\n"
        "ABSTRACT.RESULTS:\nPain scores were significantly lower with drug A than with placebo (p < 0.01). "
        "Nausea was similar in both groups.\n"
    )
    call = infer_effect("drug A", "placebo", "pain scores", article)
    assert call.label == LABELS[0] and "Pain scores" in call.evidence
    for bad in ("", "<html>", "x" * 100_000):
        c = infer_effect("drug A", "placebo", "pain", bad)
        assert c.label in LABELS
    assert classify_effect("a", "b", "c", "").reason


def test_roles_of_a_plain_abstract():
    sentences = [
        "Chronic pain is a leading cause of disability worldwide.",
        "We aimed to evaluate whether drug A reduces pain after knee surgery.",
        "Sixty adults were randomly assigned to drug A or placebo for 12 weeks.",
        "Pain scores fell by 30% with drug A versus 10% with placebo (p < 0.01).",
        "Adverse events were similar in both groups (12% vs 11%).",
        "Drug A reduces pain after knee surgery and should be considered in routine care.",
    ]
    roles = [r.value for r, _ in predict_roles(sentences)]
    assert roles == ["BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "RESULTS", "CONCLUSIONS"]
    assert predict_roles([]) == []


def test_viterbi_prefers_abstract_order_but_allows_strong_exceptions():
    k = len(ROLE_CLASSES)

    def row(j: int, p: float) -> list[float]:
        return [p if i == j else (1 - p) / (k - 1) for i in range(k)]

    # A weak backward step is smoothed away, a confident one is kept.
    assert viterbi([row(3, 0.9), row(2, 0.5), row(4, 0.9)]) == [3, 3, 4]
    assert viterbi([row(3, 0.9), row(0, 0.999), row(4, 0.9)]) == [3, 0, 4]
