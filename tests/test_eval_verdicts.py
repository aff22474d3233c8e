"""``scisays eval verdicts``: each case ingested into an empty corpus and asked offline, scored
as shared/data/verdicts/README.md says; a bad cases file is one sentence and nothing runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.cli import app
from scisays.evaluate.verdicts import Expectation, _score_condition, load_cases

from conftest import KRATOM_DEV

runner = CliRunner()

REVIEW = {
    "doi": "10.1002/test.CD1", "title": "Zincol for acute cough in adults",
    "publication_types": ["Systematic Review", "Meta-Analysis"],
    "sections": [
        {"label": "OBJECTIVES", "category": "OBJECTIVE",
         "text": "To assess zincol for acute cough in adults."},
        {"label": "SELECTION CRITERIA", "category": "METHODS",
         "text": "Randomised controlled trials of zincol versus placebo."},
        {"label": "MAIN RESULTS", "category": "RESULTS",
         "text": "We included 9 RCTs with 1,200 participants. Zincol probably shortens the illness "
                 "(moderate-certainty evidence)."},
        {"label": "AUTHORS' CONCLUSIONS", "category": "CONCLUSIONS",
         "text": "Moderate-certainty evidence shows zincol probably reduces the duration of symptoms."},
    ],
}


def write_cases(tmp_path: Path, *cases: dict) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), "utf-8")
    return path


def kratom_case(tmp_path: Path) -> dict:
    corpus = tmp_path / "kratom.jsonl"
    corpus.write_bytes(KRATOM_DEV.read_bytes())
    return {"id": "kratom", "substance": "kratom", "conditions": ["anxiety", "depression"],
            "corpus": "kratom.jsonl",
            "expect": {"anxiety": {"direction": "insufficient", "max_certainty": "very low"},
                       "depression": {"direction": "insufficient", "max_certainty": "very low"}},
            "expect_safety": {"ratings": ["likely unsafe", "possibly unsafe"],
                              "topics": ["dependence", "liver"]}}


def review_case(expect: dict) -> dict:
    return {"id": "cochrane-zincol", "substance": "zincol", "conditions": ["acute cough"],
            "records": [REVIEW], "expect": {"acute cough": expect}}


def test_scores_each_case_through_the_real_pipeline(tmp_path: Path):
    cases = write_cases(
        tmp_path, kratom_case(tmp_path),
        review_case({"direction": "benefit", "min_certainty": "low", "max_certainty": "moderate"}),
        {**review_case({"direction": "insufficient", "max_certainty": "low"}), "id": "cochrane-strict"},
    )
    r = runner.invoke(app, ["eval", "verdicts", str(cases), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    s = doc["summary"]
    counts = (s["conditions"], s["agreed"], s["overstated"], s["safety_cases"], s["safety_agreed"])
    assert counts == (4, 3, 1, 1, 1)
    by_id = {x["id"]: x for x in doc["results"]}
    (cond,) = by_id["cochrane-zincol"]["conditions"]
    assert (cond["verdict"], cond["certainty"], cond["agreed"]) == ("probably benefits", "moderate", True)
    assert any("rates its own evidence moderate" in t for t in cond["reasons"])
    assert by_id["cochrane-strict"]["conditions"][0]["overstated"]
    # the text output: a line per case that falls short, then the summary
    r = runner.invoke(app, ["eval", "verdicts", str(cases)])
    assert r.exit_code == 0
    assert "OVERSTATED  cochrane-strict [acute cough]" in r.stdout
    assert "cochrane-zincol" not in r.stdout.split("\n\n")[0]
    assert "all: 3/4 conditions agreed, 1 overstated; safety 1/1 agreed" in r.stdout


@pytest.mark.parametrize(("expect", "label", "certainty", "agreed", "overstated"), [
    (Expectation("benefit", "moderate", "high"), "probably benefits", "moderate", True, False),
    (Expectation("benefit", "moderate", "high"), "may benefit", "low", False, False),
    (Expectation("insufficient", "none", "very low"), "insufficient evidence", "none", True, False),
    (Expectation("insufficient", "none", "very low"), "may benefit", "low", False, True),
    (Expectation("insufficient", "none", "low"), "uncertain (conflicting)", "moderate", False, True),
    (Expectation("no-benefit", "moderate", "high"), "evidence of benefit", "high", False, True),
    (Expectation("no-benefit", "low", "moderate"), "probably no benefit", "low", True, False),
    (Expectation("harm", "moderate", "high"), "insufficient evidence", "very low", False, False),
])
def test_readme_scoring_rules(expect, label, certainty, agreed, overstated):
    got = _score_condition(expect, label, certainty)
    assert (got["agreed"], got["overstated"]) == (agreed, overstated)


@pytest.mark.parametrize(("line", "says"), [
    ("{not json", "line 2: not valid JSON"),
    (json.dumps({**review_case({"direction": "maybe"})}), "line 2: direction 'maybe'"),
    (json.dumps({**review_case({"direction": "benefit", "max_certainty": "certain"})}),
     "line 2: max_certainty 'certain' is not one of"),
    (json.dumps({"id": "x", "substance": "zincol", "conditions": ["cough"], "corpus": "missing.jsonl",
                 "expect": {"cough": {"direction": "benefit"}}}),
     "line 2: the corpus 'missing.jsonl' does not exist"),
    (json.dumps({**review_case({"direction": "benefit"}), "expect_safety": {"ratings": ["safe-ish"]}}),
     "line 2: safety rating 'safe-ish'"),
    (json.dumps({"id": "x", "substance": "zincol", "conditions": ["cough"],
                 "expect": {"cough": {"direction": "benefit"}}}), "line 2: the case needs a 'corpus'"),
])
def test_bad_cases_file_is_one_sentence_and_nothing_runs(tmp_path: Path, line: str, says: str):
    good = json.dumps(review_case({"direction": "benefit"}) | {"id": "first"})
    path = tmp_path / "cases.jsonl"
    path.write_text(good + "\n" + line + "\n", "utf-8")
    r = runner.invoke(app, ["eval", "verdicts", str(path), "--json"])
    assert r.exit_code == 1
    assert r.stdout == ""  # nothing was run or printed
    assert says in " ".join(r.stderr.split()) and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3  # one sentence (wrapped at most)
    with pytest.raises(Exception, match="line 2"):
        load_cases(path)


def test_missing_cases_file(tmp_path: Path):
    r = runner.invoke(app, ["eval", "verdicts", str(tmp_path / "none.jsonl")])
    assert r.exit_code == 1 and "does not exist" in r.stderr
