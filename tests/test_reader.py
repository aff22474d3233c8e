"""The learned reader of conclusions: it loads, reads the wordings the rules misread, says
"could not be read with confidence" rather than guess, and fails cleanly when its files are
damaged (one sentence, exit 1, nothing written)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.appraise import APPRAISAL_VERSION, RULES_APPRAISER, appraise
from scisays.appraise.reader import READER_ENV, ConclusionsReader, ReaderError, default_reader
from scisays.appraise.sections import Sentence
from scisays.cli import app
from scisays.corpus import Corpus, ingest_file
from scisays.model import Direction, Record, Section, SentenceRole
from scisays.pipeline import ask
from scisays.question import build_question
from scisays.report import render_html, render_json, render_markdown

from conftest import KRATOM_DEV

MODELS = Path(str(resources.files("scisays") / "data" / "models"))
runner = CliRunner()


def _review(conclusions: str) -> Record:
    return Record(title="Vitamin D for the management of asthma", pmid="1",
                  publication_types=("Systematic Review",),
                  sections=(Section("We included 20 randomised controlled trials of vitamin D in people with "
                                    "asthma.", "METHODS", "METHODS"),
                            Section(conclusions, "CONCLUSIONS", "CONCLUSIONS")))


Q = build_question("vitamin D", ["asthma"])


def test_the_metadata_names_the_files_it_was_built_with():
    meta = json.loads((MODELS / "reader.json").read_text())
    assert hashlib.sha256((MODELS / "reader.onnx").read_bytes()).hexdigest() == meta["model_sha256"]
    tokenizer = (MODELS / "reader-tokenizer.json").read_bytes()
    assert hashlib.sha256(tokenizer).hexdigest() == meta["tokenizer_sha256"]
    assert meta["base"]["model_safetensors_sha256"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
    assert len(meta["training_data_sha256"]) == 64
    assert (MODELS / "reader.onnx").stat().st_size <= 25_000_000
    # cross-validated figures travel with the model, and it operates at <= 1% overstatement
    point = next(p for p in meta["cv"]["curve"] if p["max_overstated"] == meta["max_overstated"])
    assert point["cochrane"]["overstated"] <= 0.01


# each wording below is one the rules read as a benefit (a health tool's worst error)
MISREAD_BY_RULES = [
    # a benefit word inside a negated clause and a future-research clause
    "The evidence does not allow any statement about whether vitamin D reduces asthma exacerbations. "
    "Vitamin D may benefit people with asthma, but this needs to be tested in future trials.",
    "No evidence supports the use of vitamin D to improve asthma control.",
    "Adding vitamin D to standard asthma treatment does not confer additional benefit on asthma control.",
    # a null on the main outcome beside a minor positive one
    "Vitamin D improved asthma symptom scores slightly, but high-certainty evidence shows that it makes "
    "no difference to the rate of asthma exacerbations, the primary outcome.",
]


@pytest.mark.parametrize("conclusions", MISREAD_BY_RULES)
def test_wordings_the_rules_read_as_benefit_are_never_a_benefit_to_the_reader(conclusions: str):
    record = _review(conclusions)
    assert RULES_APPRAISER(record, Q).finding_for("asthma").direction is Direction.BENEFIT
    a = appraise(record, Q)
    f = a.finding_for("asthma")
    assert f.direction is not Direction.BENEFIT
    assert f.method.startswith("reader:")
    assert a.reading is not None and " ".join(e.text for e in f.evidence) == conclusions
    assert abs(sum(p for _, p in a.reading.probabilities) - 1) < 1e-6


def test_a_plain_benefit_is_read_as_one():
    a = appraise(_review("Vitamin D probably reduces the risk of severe asthma exacerbations requiring "
                         "systemic corticosteroids."), Q)
    assert a.finding_for("asthma").direction is Direction.BENEFIT
    assert a.reading is not None and a.reading.label == "benefit"
    assert a.reading.probability >= default_reader().thresholds["benefit"]


def test_a_record_without_an_abstract_is_unread_never_guessed():
    record = Record(title="Vitamin D improves asthma", pmid="2",
                    publication_types=("Randomized Controlled Trial",))
    reading = default_reader()(record.title, [])
    assert reading.label == "unread" and reading.probability == 0 and not reading.evidence


def test_the_reader_reads_the_closing_sentences_of_an_unstructured_abstract():
    u = SentenceRole.UNLABELLED
    sentences = [Sentence(t, u, i) for i, t in enumerate((
        "Asthma is common.", "We randomised 400 adults to vitamin D or placebo.",
        "Exacerbations fell by half with vitamin D.", "Vitamin D reduces asthma exacerbations."))]
    reading = default_reader()("Vitamin D for asthma: a randomised trial", sentences)
    assert [e.text for e in reading.evidence] == [s.text for s in sentences[-2:]]


def test_every_format_says_when_conclusions_could_not_be_read(tmp_path: Path):
    """A study whose conclusions the reader cannot read with confidence is reported as such, with
    its conclusions quoted and the reader's probability in the JSON."""
    with Corpus.open(tmp_path / "k.sqlite", create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        report = ask(corpus, "kratom", ["anxiety", "depression"])
    unclear = [(s, f) for s in report.studies for f in s.appraisal.findings
               if f.direction is Direction.UNCLEAR]
    assert unclear, "the kratom surveys are read with too little confidence to claim a direction"
    study, finding = unclear[0]
    assert finding.evidence and study.appraisal.reading is not None
    md, html = render_markdown(report), render_html(report)
    for text in (md, html):
        assert "could not be read with confidence" in text
    assert finding.evidence[0].text[:40] in md
    doc = json.loads(render_json(report))
    read = next(s["appraisal"]["reading"] for s in doc["studies"] if s["appraisal"]["reading"])
    assert 0 <= read["probability"] <= 1 and read["reader"] == default_reader().version


def test_stored_readings_are_used_without_running_the_model(tmp_path: Path):
    from scisays.appraise import DEFAULT_APPRAISER
    from scisays.corpus.appraise import appraise_corpus

    def must_not_read(*_args: object) -> object:
        raise AssertionError("a stored reading was read again")

    with Corpus.open(tmp_path / "k.sqlite", create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        appraise_corpus(corpus, workers=1)
        import dataclasses

        stored_only = dataclasses.replace(DEFAULT_APPRAISER, reader=must_not_read)
        report = ask(corpus, "kratom", ["anxiety", "depression"], offline=True, appraiser=stored_only)
    assert any(s.appraisal.reading is not None for s in report.studies)


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    folder = tmp_path / "reader"
    folder.mkdir()
    for name in ("reader.onnx", "reader.json", "reader-tokenizer.json"):
        shutil.copy(MODELS / name, folder / name)
    data = bytearray((folder / "reader.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "reader.onnx").write_bytes(bytes(data))
    return folder


def test_a_damaged_or_missing_model_file_is_one_clear_error(damaged: Path, tmp_path: Path):
    with pytest.raises(ReaderError, match=r"damaged .*--reader rules"):
        ConclusionsReader(damaged)
    (damaged / "reader.onnx").unlink()
    with pytest.raises(ReaderError, match=r"missing or unreadable.*--reader rules"):
        ConclusionsReader(damaged)
    with pytest.raises(ReaderError):
        ConclusionsReader(tmp_path / "nowhere")


def test_the_cli_stops_before_writing_when_the_model_is_damaged(damaged: Path, tmp_path: Path):
    db = tmp_path / "c.sqlite"
    assert runner.invoke(app, ["corpus", "ingest", "--db", str(db), str(KRATOM_DEV)]).exit_code == 0
    env = {**os.environ, READER_ENV: str(damaged)}

    def scisays(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "scisays.cli", *args], env=env, capture_output=True,
                              text=True, timeout=300)

    for args in (["corpus", "appraise", "--db", str(db), "--workers", "1"],
                 ["ask", "kratom", "anxiety", "--db", str(db), "--offline"],
                 ["serve", "--db", str(db), "--port", "0"]):
        result = scisays(*args)
        assert result.returncode == 1, result.stderr
        assert "reader" in result.stderr and "--reader rules" in result.stderr
        assert "Traceback" not in result.stderr
    with Corpus.open(db) as corpus:
        assert corpus.count_to_appraise(APPRAISAL_VERSION) == corpus.count()  # nothing written
    ok = scisays("ask", "kratom", "anxiety", "--db", str(db), "--offline", "--reader", "rules",
                 "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verdicts"][0]["condition"] == "anxiety"


def test_a_study_whose_own_question_holds_the_condition_is_read():
    """"iron overload in thalassaemia": a review titled "... iron overload in people with
    thalassaemia" addresses it even where no sentence repeats the phrase."""
    from scisays.appraise.finding import addresses

    record = Record(
        title="Deferasirox for managing iron overload in people with thalassaemia", pmid="3",
        publication_types=("Systematic Review",),
        sections=(Section("We included 16 randomised controlled trials of deferasirox.", "METHODS",
                          "METHODS"),
                  Section("Deferasirox probably reduces liver iron concentration as well as deferoxamine "
                          "does.", "CONCLUSIONS", "CONCLUSIONS")))
    q = build_question("deferasirox", ["iron overload in thalassaemia"])
    assert RULES_APPRAISER(record, q).finding_for("iron overload in thalassaemia").direction is (
        Direction.NOT_ADDRESSED)
    f = appraise(record, q).finding_for("iron overload in thalassaemia")
    assert f.direction is not Direction.NOT_ADDRESSED and f.method.startswith("reader:")
    # every content word must be there: "sickle cell disease" is not in this title
    assert not addresses([], "iron overload in sickle cell disease", (), own_question=record.title)
    assert addresses([], "iron overload in thalassaemia", (), own_question=record.title)
