"""Real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against the web app
on loopback and against the standalone HTML file with the network switched off.

Skipped with a reason when Chromium is not installed locally; under CI (``CI`` set) a missing
Chromium is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scisays.corpus import Corpus, ingest_file
from scisays.report import render_html
from scisays.web import create_app
from scisays.web.history import default_history_path

from conftest import DATA, KRATOM_DEV, threaded_server, with_live_data

CHROMIUM = os.environ.get("SCISAYS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"Chromium is required in CI for the browser tests but {CHROMIUM} is missing")
    pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped",
                allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("web") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        for f in (KRATOM_DEV, DATA / "pmid.jsonl", DATA / "edge.jsonl"):
            ingest_file(corpus, f)
    with threaded_server(create_app(db, default_history_path(db), allowed_hosts=["127.0.0.1"])) as url:
        yield url


class Watch:
    """Console errors, page errors and dialogs (alert) seen by a page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)


def test_search_submit_report_sort_and_follow_a_pmid(browser: Any, server: str, tmp_path: Path):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    page.goto(server + "/")
    page.get_by_label("Substance").fill("kratom")
    page.get_by_label("Conditions (separate several with commas)").fill("anxiety, depression")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_selector("article.verdict-card", timeout=30_000)  # progress page, then the report
    cards = page.locator("article.verdict-card")
    assert cards.count() == 2
    assert "Anxiety" in cards.nth(0).inner_text() and "Depression" in cards.nth(1).inner_text()
    assert "Certainty" in cards.nth(0).inner_text()
    assert page.locator("article.verdict-card .verdict").first.inner_text() in (
        "insufficient evidence", "may benefit")

    # sort by year: ascending, then descending
    year_button = page.locator("#study-table thead button", has_text="Year")

    def years() -> list[int]:
        cells = page.locator("#study-table tbody tr td:nth-child(3)").all_inner_texts()
        return [int(c) for c in cells if c.strip().isdigit()]

    year_button.click()
    assert page.locator("#study-table thead th", has_text="Year").get_attribute("aria-sort") == "ascending"
    assert years() == sorted(years()) and len(years()) >= 5
    year_button.click()
    assert years() == sorted(years(), reverse=True)

    # filter: only cross-sectional surveys
    page.locator("form.filters select[name=design]").select_option("cross-sectional-survey")
    visible = page.locator("#study-table tbody tr:visible")
    assert visible.count() >= 1
    assert all("cross-sectional survey" in t for t in visible.all_inner_texts())
    page.locator("form.filters select[name=design]").select_option("")

    # the PMID link opens PubMed's page for that PMID (answered locally: no network in tests)
    context.route("https://pubmed.ncbi.nlm.nih.gov/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>PubMed stand-in</title>"))
    link = page.locator("#study-table a", has_text="PMID 99000001")
    assert link.get_attribute("href") == "https://pubmed.ncbi.nlm.nih.gov/99000001/"
    assert link.get_attribute("rel") == "noopener noreferrer"
    with context.expect_page() as new_page:
        link.click()
    opened = new_page.value
    opened.wait_for_load_state()
    assert opened.url == "https://pubmed.ncbi.nlm.nih.gov/99000001/"
    opened.close()

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert watch.errors == [] and watch.dialogs == []

    # history lists it
    page.goto(server + "/history")
    assert "kratom for anxiety, depression" in page.locator("main").inner_text()
    context.close()


def test_hostile_titles_on_the_web_page_stay_text(browser: Any, server: str):
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server + "/report?substance=ashwagandha&condition=stress")
    page.wait_for_selector("article.verdict-card", timeout=30_000)
    text = page.locator("#study-table").inner_text()
    assert "<script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(1)>' in text
    assert page.locator("img").count() == 0
    assert watch.dialogs == [] and watch.errors == []
    page.close()


def test_html_file_renders_offline_without_errors(browser: Any, kratom_report: Any, tmp_path: Path):
    report_file = tmp_path / "report.html"
    report_file.write_text(render_html(with_live_data(kratom_report)), "utf-8")
    context = browser.new_context(offline=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    watch = Watch(page)
    page.goto(report_file.as_uri())
    assert page.locator("h1").inner_text().startswith("What does the science say about kratom")
    assert page.locator("article.verdict-card").count() == 2
    assert page.locator("svg[role=img]").count() >= 5  # 2 pyramids, per year, 2 adverse-event charts
    # the inline script ran (the CSP hash matched): the filters are shown and sorting works
    assert page.locator("form.filters").is_visible()
    page.locator("#study-table thead button", has_text="n").first.click()
    assert page.locator("#study-table thead th", has_text="n").first.get_attribute("aria-sort") == "ascending"
    page.locator("form.filters input[name=q]").fill("survey")
    assert "studies shown" in page.locator("form.filters output").inner_text()
    assert "<script>alert(1)</script>" in page.locator("#trials").inner_text()
    assert requests == [report_file.as_uri()]
    assert watch.errors == [] and watch.dialogs == []
    # printable: the print stylesheet hides the controls, and Chromium makes a PDF of it
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    context.close()


def test_source_checkboxes_sit_beside_their_labels(browser: Any, server: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/")
    labels = page.locator("fieldset label.check")
    assert labels.count() >= 2
    for i in range(labels.count()):
        label = labels.nth(i)
        box = label.locator("input[type=checkbox]").bounding_box()
        text = label.evaluate("""el => { const r = document.createRange(); r.selectNodeContents(el);
            const rects = [...r.getClientRects()].filter(x => x.width > 0 && x.left > 0);
            const t = rects[rects.length - 1]; return {left: t.left, top: t.top, height: t.height}; }""")
        assert box is not None
        gap = text["left"] - (box["x"] + box["width"])
        assert 0 <= gap <= 16, f"checkbox {i} is {gap:.0f} px from its label text"
        middle = box["y"] + box["height"] / 2
        level = text["top"] - 4 <= middle <= text["top"] + text["height"] + 4
        assert level, "checkbox not level with its text"
    page.close()


def test_audit_an_article_in_the_browser(browser: Any, server: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(server + "/")
    page.get_by_role("link", name="Audit an article").click()
    article = (Path(__file__).resolve().parents[2] / "shared" / "articles"
               / "kratom-anxiety-depression.txt").read_text("utf-8")
    page.get_by_label("…or the article's text").fill(article + " <img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Audit").click()
    page.wait_for_selector("#claims article.claim", timeout=30_000)
    assert "Audit: Kratom Powder" in page.locator("h1").inner_text()
    assert page.locator("#claims article.claim").count() >= 10
    assert "overstated" in page.locator("#summary").inner_text()
    assert "call-to-action" in page.locator("#hygiene").inner_text()
    assert watch.dialogs == [] and watch.errors == []
    page.close()


def test_audit_html_file_renders_offline_with_hostile_text_as_text(browser: Any, tmp_path: Path):
    from scisays.audit.article import read_article
    from scisays.audit.render import render_html as render_audit
    from scisays.audit.report import audit_article
    from scisays.pipeline import ask

    db = tmp_path / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        article = read_article('<html><head><title>Kratom <script>alert(1)</script></title></head><body>'
                               "<article><p>Kratom relieves anxiety, users report, and it is safe for "
                               'everyone. <a href="javascript:alert(2)">Click Here</a> to buy now.</p>'
                               "<p>Kratom can cause liver damage in heavy users of the powder.</p>"
                               "<p>&lt;img src=x onerror=alert(3)&gt; The FDA has warned about it.</p>"
                               "</article></body></html>", hint="html", source="evil.html")
        audit = audit_article(article, lambda s, c: ask(corpus, s, c, offline=True))
    page_file = tmp_path / "audit.html"
    page_file.write_text(render_audit(audit), "utf-8")
    context = browser.new_context(offline=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    watch = Watch(page)
    page.goto(page_file.as_uri())
    assert page.locator("#claims article.claim").count() >= 2
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    assert page.locator("a[href^=javascript]").count() == 0
    assert requests == [page_file.as_uri()] and watch.dialogs == [] and watch.errors == []
    context.close()
