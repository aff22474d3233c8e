"""The terminal report's charts (bars) and the progress of building a report."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from scisays.corpus import Corpus, ingest_file
from scisays.model import Report
from scisays.pipeline import ask
from scisays.report import render_markdown, render_terminal

from conftest import KRATOM_DEV, XSS_TITLE, with_live_data


def plain(report: Report) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None, record=True)
    console.print(render_terminal(report))
    return console.export_text()


def test_terminal_has_compact_charts(kratom_report: Report):
    text = plain(with_live_data(kratom_report))
    assert "Studies by design and finding: anxiety" in text
    # the survey's finding: benefit, or conclusions the reader could not read with confidence
    assert "cross-sectional survey ████" in text and ("(1 benefit)" in text or "(1 unclear" in text)
    assert "none: meta-analysis, systematic review, randomised controlled trial" in text
    assert "Studies per year, by kind of design" in text and "2020 ███" in text
    assert "CAERS adverse-event reports by outcome" in text and "Hospitalization ███" in text


def test_terminal_prints_hostile_text_literally(kratom_report: Report):
    markup = "[bold red]boom[/bold red]"
    q = dataclasses.replace(kratom_report.question, substance=markup)
    report = with_live_data(dataclasses.replace(kratom_report, question=q), evil=XSS_TITLE + markup)
    text = plain(report)
    assert markup in text and XSS_TITLE in text


def test_progress_reports_every_step(tmp_path):
    db = tmp_path / "c.sqlite"
    seen: list[tuple[str, int, int]] = []
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        ask(corpus, "kratom", ["anxiety"], steps=lambda *a: seen.append(a))
    steps = [s for s, _, _ in seen]
    assert steps[0] == "searching" and steps[-1] == "grading"
    assert ("appraising", 9, 9) in seen


def test_terminal_cites_the_first_studies_of_a_long_list_and_counts_the_rest(kratom_report: Report):
    """A broad question's reason can rest on hundreds of studies: the terminal names the first
    few and says how many more the files list."""
    v = kratom_report.verdicts[0]
    many = tuple(f"id:many{i}" for i in range(20))
    reasons = (dataclasses.replace(v.reasons[0], citations=many), *v.reasons[1:])
    report = dataclasses.replace(kratom_report, verdicts=(dataclasses.replace(v, reasons=reasons),
                                                          *kratom_report.verdicts[1:]))
    text = " ".join(plain(report).replace("│", " ").split())  # lines unwrapped
    assert "id:many7; … and 12 more (see --format md or json)]" in text and "id:many8" not in text
    assert "id:many19" in render_markdown(report)  # the file lists them all
