"""``scisays eval`` reads each benchmark format (tiny hand-written files in the published layouts),
prints scores and a confusion matrix, and --json has n, accuracy and macro_f1 at its top level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.cli import app
from scisays.evaluate.datasets import load_evidence_inference, majority_label
from scisays.evaluate.metrics import score

from conftest import DATA

EVAL = DATA / "eval"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_metrics_known_values():
    r = score(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert r["accuracy"] == 0.75 and r["confusion"] == [[1, 1], [0, 2]]
    assert r["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert r["macro_f1"] == round((2 / 3 + 0.8) / 2, 4)


def test_majority_label_prefers_valid_annotations_and_first_on_ties():
    assert majority_label([("1", False), ("-1", True)]) == "-1"
    assert majority_label([("0", True), ("1", True)]) == "0"
    items = {i.prompt_id: i for i in load_evidence_inference(EVAL / "ei")}
    assert items["3"].label == "significantly decreased"  # the 'increased' vote is not a valid label
    assert items["2"].evidence == ("Nausea was similar in both groups (12% vs 11%, p = 0.70).",)


@pytest.mark.parametrize(
    "args",
    [
        ["pubmedqa", str(EVAL / "pubmedqa_tiny.json")],
        ["pubmedqa", str(EVAL / "pubmedqa_tiny.json"), "--setting", "reasoning-required"],
        ["evidence-inference", str(EVAL / "ei"), "--oracle"],
        ["evidence-inference", str(EVAL / "ei")],
        ["study-design", str(EVAL / "design_tiny.jsonl")],
        ["study-design", str(EVAL / "design_tiny.jsonl"), "--text-only"],
        ["sentence-roles", str(EVAL / "pubmedqa_tiny.json")],
    ],
)
def test_eval_json_and_table(args: list[str]):
    r = run("eval", *args, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["n"] >= 3 and 0 <= doc["accuracy"] <= 1 and 0 <= doc["macro_f1"] <= 1
    assert len(doc["confusion"]) == len(doc["labels"])
    assert sum(map(sum, doc["confusion"])) == doc["n"]
    table = run("eval", *args)
    assert table.exit_code == 0 and "accuracy" in table.output and "confusion matrix" in table.output


def test_eval_scores_tiny_sets_correctly():
    doc = json.loads(run("eval", "evidence-inference", str(EVAL / "ei"), "--oracle", "--json").output)
    assert doc["accuracy"] == 1.0
    doc = json.loads(run("eval", "study-design", str(EVAL / "design_tiny.jsonl"), "--json").output)
    assert doc["accuracy"] == 1.0


def test_eval_sentence_roles_on_pubmed_xml():
    from conftest import PUBMED_FIXTURES

    r = run("eval", "sentence-roles", str(PUBMED_FIXTURES / "pubmed4.xml"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["n"] > 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["pubmedqa", str(EVAL / "design_tiny.jsonl")], "PubMedQA-L JSON"),
        (["pubmedqa", "/no/such/file.json"], "does not exist"),
        (["pubmedqa", str(EVAL / "ei")], "directory"),
        (["evidence-inference", str(EVAL / "pubmedqa_tiny.json")], "prompts.csv"),
        (["evidence-inference", str(EVAL)], "prompts.csv"),
        (["study-design", str(EVAL / "pubmedqa_tiny.json")], "JSON Lines"),
        (["sentence-roles", str(EVAL / "design_tiny.jsonl")], "PubMed"),
    ],
)
def test_eval_wrong_file_one_sentence(args: list[str], needle: str):
    r = run("eval", *args)
    assert r.exit_code == 1
    assert needle in r.output and "Traceback" not in r.output
    assert r.output.count("Error:") == 1 and r.output.strip().endswith(".")


def test_eval_bad_setting_is_usage_error():
    r = run("eval", "pubmedqa", str(EVAL / "pubmedqa_tiny.json"), "--setting", "psychic")
    assert r.exit_code == 2 and "reasoning-free" in r.output


def test_eval_articles_filter(tmp_path: Path):
    ids = tmp_path / "ids.txt"
    ids.write_text("222\n")
    doc = json.loads(
        run(
            "eval", "evidence-inference", str(EVAL / "ei"), "--oracle", "--articles", str(ids), "--json"
        ).output
    )
    assert doc["n"] == 1


def test_pubmedqa_with_separate_ground_truth(tmp_path: Path):
    items = json.loads((EVAL / "pubmedqa_tiny.json").read_text())
    for v in items.values():
        del v["final_decision"]
    test_set = tmp_path / "test_set.json"
    test_set.write_text(json.dumps(items))
    gold = tmp_path / "test_ground_truth.json"
    gold.write_text(json.dumps({"1001": "yes", "1002": "no", "1003": "maybe"}))
    r = run("eval", "pubmedqa", str(test_set), "--json")
    assert r.exit_code == 1 and "final_decision" in r.output
    r = run("eval", "pubmedqa", str(test_set), "--gold", str(gold), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["n"] == 3
    gold.write_text(json.dumps({"1001": "yes"}))
    r = run("eval", "pubmedqa", str(test_set), "--gold", str(gold))
    assert r.exit_code == 1 and "1002" in r.output
