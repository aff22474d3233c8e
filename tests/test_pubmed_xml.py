"""The PubMed XML parser on real recorded efetch responses and hand-made edge cases."""

from __future__ import annotations

import gzip
import io

import pytest

from scisays.corpus.pubmed_xml import iter_pubmed_xml
from scisays.errors import InputFileError
from scisays.model import Deletion, Record

from conftest import DATA, PUBMED_FIXTURES, pubmed_samples


def parse(path):
    with open(path, "rb") as f:
        return list(iter_pubmed_xml(f, str(path)))


def test_real_samples_parse():
    records = [r for p in pubmed_samples() for r in parse(p)]
    assert len(records) == 9
    assert all(isinstance(r, Record) and r.pmid for r in records)


def test_structured_abstract_and_ids():
    (rec,) = parse(PUBMED_FIXTURES / "pubmed-29768149.xml")
    assert rec.pmid == "29768149"
    assert rec.doi == "10.1056/NEJMoa1715274"
    assert rec.year == 2018
    assert [s.label for s in rec.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert "Randomized Controlled Trial" in rec.publication_types
    assert rec.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."


def test_nlm_category_and_pmcid():
    (rec,) = parse(PUBMED_FIXTURES / "pubmed5.xml")
    assert rec.pmcid == "PMC5771820"
    assert [s.category for s in rec.sections] == ["OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_reference_list_ids_are_not_the_articles():
    # pubmed7.xml has a ReferenceList whose ArticleIdLists name cited works.
    (rec,) = parse(PUBMED_FIXTURES / "pubmed7.xml")
    assert rec.pmid == "29963580"
    assert rec.doi == "10.1117/1.JMI.5.2.026002"
    assert rec.pmcid == "PMC6022861"


def test_missing_abstract_and_season_date():
    recs = parse(PUBMED_FIXTURES / "pubmed1.xml")
    first = recs[0]
    assert first.pmid == "12091962" and first.sections == () and first.year == 1990
    assert "Humans" in first.mesh_headings


def test_inline_markup_kept_as_text():
    (rec,) = parse(PUBMED_FIXTURES / "pubmed4.xml")
    assert rec.abstract and not any(t in rec.abstract for t in ("<i>", "<sup>", "<sub>"))
    assert "r2<0.25" in rec.abstract  # text "<" survives as text


def test_medline_date_non_ascii_and_deletion():
    items = parse(DATA / "update_v1.xml")
    assert items[1].year == 2018
    assert "café" in items[1].title and "Ω-3" in items[1].title
    items2 = parse(DATA / "update_v2.xml")
    assert isinstance(items2[1], Deletion) and items2[1].pmids == ("90000003",)
    assert items2[0].revised == "2023-06-01"


def test_malformed_xml_names_file_and_line():
    with pytest.raises(InputFileError, match=r"malformed\.xml: malformed XML at line \d+"):
        parse(DATA / "malformed.xml")


def test_wrong_root_is_rejected():
    with pytest.raises(InputFileError, match="not PubMed XML"):
        parse(DATA / "not_pubmed.xml")


def test_gzip_stream():
    raw = (PUBMED_FIXTURES / "pubmed2.xml").read_bytes()
    with gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(raw))) as f:
        assert len(list(iter_pubmed_xml(f, "x.xml.gz"))) == 2
