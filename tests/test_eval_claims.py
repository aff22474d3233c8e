"""``scisays eval article-stance`` and ``claim-evidence`` on tiny files in the published layouts
(TREC 2019 pages as golden-gaze lays them out; HealthVer's CSV; Check-COVID's JSON Lines)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.audit.stance import page_stance, parse_topic
from scisays.cli import app

runner = CliRunner()


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_topics_are_read_from_the_question():
    t = parse_topic("Can magnesium prevent muscle cramps?", "magnesium muscle cramps")
    assert t.treatment == ("magne",) and "cramp" in t.condition
    t = parse_topic("Is valerian an effective treatment for anxiety disorders?", "valerian anxiety disorder")
    assert t.treatment == ("valer",) and "anxie" in t.condition


def test_page_stance_reads_the_pages_sentences_on_the_treatment():
    topic = parse_topic("Can magnesium prevent muscle cramps?", "magnesium muscle cramps")
    helps = "Home\nMagnesium supplements reduced the frequency of muscle cramps in a large trial of adults."
    fails = ("Menu\nA Cochrane review found that magnesium doesn't seem to help muscle cramps in older "
             "adults.\nMagnesium was not more effective than placebo for muscle cramps.")
    assert page_stance(helps, topic)[0] == 1 and page_stance(fails, topic)[0] == 0


def test_eval_article_stance(tmp_path: Path):
    q = {"query": "magnesium muscle cramps", "description": "Can magnesium prevent muscle cramps?"}
    f = _write_csv(tmp_path / "pages.csv", [
        {**q, "text": "Magnesium supplements reduced muscle cramps in a large trial of older adults.",
         "stance": "1"},
        {**q, "text": "Magnesium was not more effective than placebo for muscle cramps in the trial.",
         "stance": "0"},
    ])
    r = runner.invoke(app, ["eval", "article-stance", str(f), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert (doc["n"], doc["accuracy"], doc["macro_f1"]) == (2, 1.0, 1.0)


def test_eval_claim_evidence_reads_healthver_and_check_covid(tmp_path: Path):
    hv = _write_csv(tmp_path / "hv.csv", [
        {"id": "1", "claim": "Vitamin D reduces COVID-19 mortality.", "label": "Supports",
         "evidence": "Vitamin D supplementation reduced mortality in patients with COVID-19."},
        {"id": "2", "claim": "Hydroxychloroquine cures COVID-19.", "label": "Refutes",
         "evidence": "Hydroxychloroquine did not reduce mortality or viral load in COVID-19 patients."},
    ])
    r = runner.invoke(app, ["eval", "claim-evidence", str(hv), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["n"] == 2 and set(doc) >= {"accuracy", "macro_f1", "model"}
    folder = tmp_path / "check-covid" / "dev"
    folder.mkdir(parents=True)
    (folder.parent / "corpus.json").write_text(json.dumps(
        {"cord_id": "c1", "title": "T", "abstract": ["Masks reduced transmission.", "Other text."]}) + "\n")
    cc = folder / "claims.json"
    cc.write_text(json.dumps({"id": "1", "claim": "Masks reduce transmission.", "cord_id": "c1",
                              "label": "SUPPORT",
                              "evidence_set": [{"sent_index": 0, "type": "PRIMARY"}]}) + "\n")
    r = runner.invoke(app, ["eval", "claim-evidence", str(cc), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["n"] == 1, r.output


@pytest.mark.parametrize(("cmd", "content", "name", "says"), [
    ("article-stance", "query,text\nx,y\n", "p.csv", "lacks the column(s) description, stance"),
    ("article-stance", "query,description,text,stance\nq,Can x help y?,t,maybe\n", "p.csv",
     "expected 0 or 1"),
    ("claim-evidence", "claim,evidence,label\nc,e,True\n", "h.csv", "expected Supports, Refutes"),
    ("claim-evidence", '{"claim": "c"}\n', "c.json", "No corpus.json"),
])
def test_eval_claims_bad_files_one_sentence(tmp_path: Path, cmd: str, content: str, name: str, says: str):
    f = tmp_path / name
    f.write_text(content)
    r = runner.invoke(app, ["eval", cmd, str(f)])
    out = " ".join(r.output.split())
    assert r.exit_code == 1 and says in out and "Traceback" not in out, out
    r = runner.invoke(app, ["eval", cmd, str(tmp_path / "missing.csv")])
    assert r.exit_code == 1 and "missing" in r.output
