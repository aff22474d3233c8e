"""The HTML report: self-contained, accessible, and third-party text is always text."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import lxml.html
from typer.testing import CliRunner

from scisays.cli import app
from scisays.corpus import Corpus, ingest_file
from scisays.model import Report
from scisays.pipeline import ask
from scisays.report import render_html, render_html_body
from scisays.report.assets import REPORT_CSS, REPORT_CSS_HASH, REPORT_JS, REPORT_JS_HASH, csp_hash

from conftest import DATA, KRATOM_DEV, XSS_ATTR, XSS_TITLE, with_live_data


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def assert_inert(html: str) -> None:
    """No script but ours, no element or attribute a hostile title could have injected."""
    doc = parse(html)
    scripts = doc.xpath("//script")
    assert len(scripts) <= 1
    for s in scripts:
        assert s.text == REPORT_JS
    assert not doc.xpath("//img | //iframe | //object | //embed | //base | //link")
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            assert "javascript:" not in value.lower()
    assert "alert(1)</script>" not in html
    assert "<img" not in html


def test_kratom_html_leads_with_the_verdicts(kratom_report: Report):
    html = render_html(kratom_report)
    doc = parse(html)
    assert doc.xpath("string(//h1)") == "What does the science say about kratom for anxiety and depression?"
    sections = [s.get("id") for s in doc.xpath("//main/section")]
    assert sections[:5] == ["summary", "grading", "charts", "studies", "safety"]
    assert sections[5:] == ["regulation", "dose", "gaps", "sources"]
    cards = doc.xpath("//article[contains(@class,'verdict-card')]")
    assert [c.get("data-condition") for c in cards] == ["anxiety", "depression"]
    assert "insufficient evidence" in cards[0].text_content()
    assert "very low" in cards[0].text_content()
    assert "Liver injury" in doc.xpath("string(//article[contains(@class,'safety')])")
    rows = doc.xpath("//table[@id='study-table']/tbody/tr")
    assert len(rows) == len(kratom_report.studies) == 9
    links = doc.xpath("//table[@id='study-table']//a[@target='_blank']/@href")
    assert all(u.startswith("https://") for u in links) and links
    # reasons cite studies by in-page anchors that exist
    anchors = {a[1:] for a in doc.xpath("//section[@id='grading']//a/@href")}
    assert anchors and anchors <= {r.get("id") for r in rows}


def test_charts_are_accessible_svg(kratom_report: Report):
    doc = parse(render_html(kratom_report))
    svgs = doc.xpath("//svg")
    assert len(svgs) == 3  # a pyramid per condition + studies per year
    for svg in svgs:
        assert svg.get("role") == "img"
        ids = svg.get("aria-labelledby").split()
        for i in ids:
            (el,) = doc.xpath(f"//*[@id='{i}']")
            assert el.text_content().strip()
        assert svg.getparent().tag == "figure"
        assert svg.getparent().xpath("figcaption")
        assert not svg.xpath(".//@style")
    desc = doc.xpath("string(//svg[1]/desc)")
    assert "anxiety" in desc and "strongest design at the top" in desc
    # the numbers behind the pyramid are also a table
    assert doc.xpath("//figure[1]//details/table//th[text()='cross-sectional survey']")


def test_file_is_self_contained_and_csp_allows_only_its_own_blocks(kratom_report: Report):
    html = render_html(kratom_report)
    doc = parse(html)
    assert not doc.xpath("//link | //img | //iframe | //*[@src]")
    assert "@import" not in html and "url(" not in html
    (csp,) = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert "default-src 'none'" in csp
    assert REPORT_CSS_HASH in csp and REPORT_JS_HASH in csp
    (style,) = doc.xpath("//style")
    assert csp_hash(style.text) == REPORT_CSS_HASH and style.text == REPORT_CSS
    (script,) = doc.xpath("//script")
    assert csp_hash(script.text) == REPORT_JS_HASH
    assert "@media print" in REPORT_CSS
    assert not doc.xpath("//*[@style]")
    assert "innerHTML" not in REPORT_JS and "eval(" not in REPORT_JS


def test_hostile_titles_render_as_text(edge_report: Report):
    html = render_html(edge_report)
    assert_inert(html)
    doc = parse(html)
    titles = doc.xpath("//table[@id='study-table']//span[@class='title']/text()")
    assert "Ashwagandha <script>alert(1)</script> for stress" in titles
    assert '"><img src=x onerror=alert(1)> ashwagandha and sleep' in titles


def test_hostile_live_data_renders_as_text(kratom_report: Report):
    report = with_live_data(kratom_report)
    html = render_html(report)
    assert_inert(html)
    doc = parse(html)
    assert doc.xpath("//section[@id='trials']//a[@href='https://clinicaltrials.gov/study/NCT01234567']")
    assert "Kratom trial <script>alert(1)</script>" in doc.xpath("string(//section[@id='trials'])")
    # chart (c): by outcome and by year
    titles = doc.xpath("//svg/title/text()")
    assert "CAERS reports by outcome" in titles and "CAERS reports per year" in titles
    assert "Death <script>alert(1)</script>" in doc.xpath("string(//svg[title='CAERS reports by outcome'])")
    safety = doc.xpath("string(//section[@id='safety'])")
    assert "1,234 reports in all" in safety and "Vomiting" in safety and "not incidence" in safety
    sources = doc.xpath("string(//section[@id='sources'])")
    assert "openFDA: failed" in sources and "unreachable <script>" in sources


def test_query_itself_is_escaped(kratom_report: Report):
    q = dataclasses.replace(kratom_report.question, substance=XSS_ATTR, conditions=(XSS_TITLE,))
    html = render_html(dataclasses.replace(kratom_report, question=q, verdicts=()))
    assert_inert(html)
    assert XSS_ATTR in parse(html).xpath("string(//title)")


def test_unsafe_record_urls_are_not_links(kratom_report: Report):
    from scisays.report.html import safe_url

    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url("https://pubmed.ncbi.nlm.nih.gov/1/") == "https://pubmed.ncbi.nlm.nih.gov/1/"


def test_empty_report_still_renders(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        report = ask(corpus, "unobtainium", ["anxiety"])
    doc = parse(render_html(report))
    assert "No study was found" in doc.xpath("string(//section[@id='studies'])")
    notes = doc.xpath("string(//section[@id='sources'])")
    assert "No study in the searched sources mentions unobtainium" in notes


def test_body_fragment_has_no_inline_code(kratom_report: Report):
    body = str(render_html_body(kratom_report))
    assert body.startswith("<main") and "<script" not in body and "<style" not in body


def test_cli_writes_html_file(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    runner = CliRunner()
    assert runner.invoke(app, ["corpus", "ingest", str(DATA / "edge.jsonl"), "--db", str(db)]).exit_code == 0
    out = tmp_path / "report.html"
    r = runner.invoke(app, ["ask", "ashwagandha", "stress", "-f", "html", "-o", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert_inert(html)
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", html)
