"""scisays audit: reading articles, finding and checking claims, hygiene, the CLI and the JSON
schema — on the seed article and the kratom-dev corpus, and on hand-written pages."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from scisays.audit.article import read_article
from scisays.audit.check import Label, label_efficacy
from scisays.audit.claims import ClaimKind, Stance, extract_claims
from scisays.audit.hygiene import assess
from scisays.audit.render import render_html, render_markdown
from scisays.audit.report import audit_article
from scisays.cli import app
from scisays.corpus import Corpus, ingest_file
from scisays.errors import InputFileError
from scisays.model import SafetyTopic, Verdict
from scisays.pipeline import ask

from conftest import KRATOM_DEV, SHARED

SEED = SHARED / "articles" / "kratom-anxiety-depression.txt"
SCHEMA = Path(__file__).resolve().parents[1] / "src" / "scisays" / "schemas" / "audit.schema.json"
runner = CliRunner()

PAGE = """<!DOCTYPE html><html><head><title>Kratom for anxiety | Wellness Shop</title>
<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2023-04-05">
</head><body><nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav>
<article><h1>Kratom for anxiety</h1>
<p>Kratom relieves anxiety, many users say, and it is a natural way to calm down after a long day at
work. It acts on opioid receptors in the brain, which is why people feel relaxed.</p>
<p>Kratom can cause liver damage and addiction in heavy users, so take care with the dose you choose
and never mix it with other medications. <a href="https://shop.example.com/kratom?ref=aff123">Buy now</a>
and get 20% off.</p>
<p>A 2019 trial (<a href="https://doi.org/10.1000/xyz123">doi:10.1000/xyz123</a>) found nothing.
The FDA has warned about kratom. <script>alert("x")</script></p></article>
<footer>Copyright 2024 | Privacy policy | Terms of use</footer></body></html>"""


@pytest.fixture(scope="module")
def kratom_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("audit") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
    return db


@pytest.fixture(scope="module")
def seed_audit(kratom_db: Path):
    article = read_article(SEED.read_text("utf-8"), hint="txt", source=str(SEED))
    with Corpus.open(kratom_db) as corpus:
        return audit_article(article, lambda s, c: ask(corpus, s, c, offline=True))


# --- reading ------------------------------------------------------------------------------------

def test_html_main_text_metadata_and_links():
    a = read_article(PAGE, hint="html", source="page.html", base_url="https://blog.example.org/kratom")
    assert a.kind == "html" and a.author == "Jane Doe" and a.date == "2023-04-05"
    assert "Kratom relieves anxiety" in a.text
    assert "Privacy policy" not in a.text and "About us" not in a.text  # boilerplate left out
    urls = {x.url: x for x in a.links}
    shop = urls["https://shop.example.com/kratom?ref=aff123"]
    assert shop.in_text and shop.anchor == "Buy now" and a.text[shop.position:].startswith("Buy now")
    assert "https://blog.example.org/about" in urls and not urls["https://blog.example.org/about"].in_text


def test_markdown_links_and_bare_urls():
    a = read_article("# Ashwagandha\n\nIt helps stress ([study](https://doi.org/10.1/x)). "
                     "See https://pubmed.ncbi.nlm.nih.gov/123456/ too.", hint="md")
    assert a.title == "Ashwagandha" and "[study]" not in a.text
    assert [x.url for x in a.links] == ["https://doi.org/10.1/x", "https://pubmed.ncbi.nlm.nih.gov/123456/"]


@pytest.mark.parametrize(("data", "says"), [
    ("   \n", "empty"),
    ("<html><body><nav>Home</nav></body></html>", "No article text"),
])
def test_unusable_articles_are_refused(data: str, says: str):
    from scisays.audit.article import decode
    with pytest.raises(InputFileError, match=says):
        read_article(decode(data.encode()), hint="html" if "<" in data else "txt")


# --- claims ---------------------------------------------------------------------------------------

def test_the_seed_articles_claims_are_found(seed_audit):
    claims = [c.claim for c in seed_audit.claims]
    by_kind = {k: [c for c in claims if c.kind is k] for k in ClaimKind}

    def has(kind: ClaimKind, words: str) -> bool:
        return any(words.lower() in c.sentence.lower() for c in by_kind[kind])

    assert seed_audit.substance == "kratom"
    assert has(ClaimKind.MECHANISM, "opioid receptors")
    assert has(ClaimKind.EFFICACY, "some users have reported") and has(ClaimKind.EFFICACY, "surveys")
    assert has(ClaimKind.DOSE, "Lower doses") and has(ClaimKind.DOSE, "strain")
    assert any("depression" in c.conditions for c in by_kind[ClaimKind.EFFICACY])
    assert has(ClaimKind.HARM, "abuse and addiction")
    topics = {t for c in by_kind[ClaimKind.HARM] for t in c.topics}
    assert {SafetyTopic.DEPENDENCE, SafetyTopic.LIVER, SafetyTopic.DRUG_INTERACTION} <= topics
    regulators = {r for c in by_kind[ClaimKind.REGULATORY] for r in c.regulators}
    assert {"FDA", "WHO"} <= regulators


def test_the_seed_articles_efficacy_claims_are_labelled_against_the_kratom_verdict(seed_audit):
    eff = [c for c in seed_audit.claims if c.claim.kind is ClaimKind.EFFICACY]
    assert all(v.label == "insufficient evidence" for c in eff for v in c.verdicts
               if v.condition in ("anxiety", "depression"))
    users = next(c for c in eff if "some users have reported" in c.claim.sentence)
    assert users.claim.stance is Stance.HELPS and users.label is Label.OVERSTATED
    surveys = next(c for c in eff if "surveys" in c.claim.sentence)
    # "... may offer temporary relief, but these findings are not robustly supported": the
    # article qualifies its own claim, and says what the evidence says
    assert surveys.claim.stance is Stance.UNCERTAIN and surveys.label is Label.SUPPORTED
    summary = next(c for c in eff if c.claim.sentence.startswith("In summary"))
    assert summary.label is Label.SUPPORTED  # "limited and not definitive" agrees with the evidence
    assert all(c.citations for c in eff if c.label is not Label.NOT_CHECKABLE)


def test_the_seed_articles_hygiene_flags(seed_audit):
    kinds = [f.kind for f in seed_audit.hygiene.flags]
    assert "no-citations" in kinds and "no-date" in kinds and "no-author" in kinds
    cta = next(f for f in seed_audit.hygiene.flags if f.kind == "call-to-action")
    assert "Click Here" in cta.text and "no source" in cta.text
    undated = [f.text for f in seed_audit.hygiene.flags if f.kind == "regulator-undated"]
    assert any(t.startswith("FDA") for t in undated) and any(t.startswith("WHO") for t in undated)


def test_harm_and_regulatory_claims_cite_studies_and_dated_facts(seed_audit):
    liver = next(c for c in seed_audit.claims if SafetyTopic.LIVER in c.claim.topics)
    assert liver.label is Label.SUPPORTED and liver.citations
    fda = next(c for c in seed_audit.claims if "FDA" in c.claim.regulators)
    assert fda.facts and all(f.body == "FDA" and f.date for f in fda.facts)


@pytest.mark.parametrize(("stance", "strength", "verdict", "certainty", "label"), [
    (Stance.HELPS, "asserted", "insufficient evidence", "very low", Label.OVERSTATED),
    (Stance.HELPS, "hedged", "may benefit", "low", Label.SUPPORTED),
    (Stance.HELPS, "asserted", "may benefit", "low", Label.OVERSTATED),
    (Stance.HELPS, "asserted", "probably benefits", "moderate", Label.SUPPORTED),
    (Stance.HELPS, "hedged", "probably no benefit", "moderate", Label.CONTRADICTED),
    (Stance.DOES_NOT_HELP, "asserted", "probably benefits", "high", Label.CONTRADICTED),
    (Stance.DOES_NOT_HELP, "asserted", "insufficient evidence", "very low", Label.OVERSTATED),
    (Stance.UNCERTAIN, "asserted", "evidence of benefit", "high", Label.UNDERSTATED),
    (Stance.UNCERTAIN, "hedged", "insufficient evidence", "very low", Label.SUPPORTED),
    (Stance.HELPS, "asserted", "insufficient evidence", "none", Label.NOT_CHECKABLE),
])
def test_efficacy_labels(stance, strength, verdict, certainty, label):
    v = Verdict("anxiety", verdict, certainty, (), {}, 0, 0)
    assert label_efficacy(stance, strength, v)[0] is label


def test_hygiene_of_a_page_with_a_shop_link_and_a_citation():
    a = read_article(PAGE, hint="html", base_url="https://blog.example.org/kratom")
    claims, _ = extract_claims(a.text, a.title)
    h = assess(a, claims)
    kinds = [f.kind for f in h.flags]
    assert "shop-link" in kinds and "no-citations" not in kinds and "no-date" not in kinds
    assert "https://doi.org/10.1000/xyz123" in h.citations
    shop = next(f for f in h.flags if f.kind == "shop-link")
    assert "beside the claim" in shop.text and "liver damage" in shop.text


# --- reports and the CLI --------------------------------------------------------------------------

def test_json_validates_against_the_published_schema(seed_audit):
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = seed_audit.to_dict()
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["summary"]["claims"] == len(doc["claims"]) > 10


def test_article_text_is_escaped_in_html_and_markdown(kratom_db: Path):
    a = read_article("Kratom helps anxiety <script>alert(1)</script>, users say. It is **great**.",
                     hint="txt", source="<img src=x onerror=alert(1)>")
    with Corpus.open(kratom_db) as corpus:
        audit = audit_article(a, lambda s, c: ask(corpus, s, c, offline=True))
    html = render_html(audit)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html and "<img src=x" not in html
    assert "\\*\\*great\\*\\*" in render_markdown(audit)


def test_cli_audit_of_the_seed_article(kratom_db: Path, tmp_path: Path):
    out = tmp_path / "audit.json"
    r = runner.invoke(app, ["audit", str(SEED), "--db", str(kratom_db), "--source", "local",
                            "--format", "json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["substance"] == "kratom" and doc["summary"]["overstated"] >= 1
    r = runner.invoke(app, ["audit", str(SEED), "--db", str(kratom_db), "--source", "local", "-f", "md"])
    assert r.exit_code == 0 and "# Audit: Kratom Powder" in r.output
    r = runner.invoke(app, ["audit", "-", "--db", str(kratom_db), "--source", "local"],
                      input="Kratom relieves anxiety, users say. It can cause liver damage.")
    assert r.exit_code == 0 and "overstated" in r.output


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"\x00\x01\x02binary"), "not text"),
    (lambda p: p.write_bytes(b"%PDF-1.7 ..."), "PDF"),
    (lambda p: p.write_bytes(b"x" * (5 * 1024 * 1024 + 1)), "limit"),
])
def test_cli_bad_articles_give_one_sentence(kratom_db: Path, tmp_path: Path, make, says: str):
    src = tmp_path / "article.txt"
    make(src)
    out = tmp_path / "out.json"
    r = runner.invoke(app, ["audit", str(src), "--db", str(kratom_db), "--source", "local", "-o", str(out)])
    assert r.exit_code == 1 and says in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_cli_refuses_internal_urls_and_missing_files(kratom_db: Path, tmp_path: Path):
    for src, says in (("http://127.0.0.1:9/x", "loopback"), ("http://10.0.0.1/", "private"),
                      ("ftp://example.org/a", "Only http and https"),
                      (str(tmp_path / "nope.txt"), "No such file")):
        r = runner.invoke(app, ["audit", src, "--db", str(kratom_db), "--source", "local"])
        assert r.exit_code != 0 and says in r.output and "Traceback" not in r.output, (src, r.output)


def test_promises_and_safety_claims_are_checked(kratom_db: Path):
    a = read_article("Kratom cures anxiety. It is completely safe and non-addictive. Kratom does not "
                     "cure depression, though. Kratom can cause liver damage.", hint="txt")
    with Corpus.open(kratom_db) as corpus:
        audit = audit_article(a, lambda s, c: ask(corpus, s, c, offline=True))
    by_kind = {c.claim.kind: c for c in reversed(audit.claims)}  # the first of each kind
    cure = by_kind[ClaimKind.EFFICACY]
    assert cure.claim.stance is Stance.HELPS and cure.label is Label.OVERSTATED
    safe = by_kind[ClaimKind.SAFETY]
    assert safe.label is Label.CONTRADICTED and "likely unsafe" in safe.why and safe.citations
    harms = [c for c in audit.claims if c.claim.kind is ClaimKind.HARM]
    # "non-addictive" denies a harm: it is the safety claim, not a dependence claim
    assert [t for c in harms for t in c.claim.topics] == [SafetyTopic.LIVER]
    denial = [c for c in audit.claims if "does not cure" in c.claim.sentence]
    assert denial and denial[0].claim.stance is Stance.DOES_NOT_HELP
