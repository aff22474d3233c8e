"""Streaming parser for PubMed/MEDLINE XML (``PubmedArticleSet``), the format of NCBI's
annual baseline and daily update files and of E-utilities efetch responses.

It yields :class:`~scisays.model.Record` for each ``PubmedArticle`` and
:class:`~scisays.model.Deletion` for each ``DeleteCitation``, in file order, and keeps
memory constant by clearing each element once it has been read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from lxml import etree

from ..errors import InputFileError
from ..model import Deletion, Record, Section
from ..text import clean

ROOT_TAG = "PubmedArticleSet"
_ITEM_TAGS = ("PubmedArticle", "DeleteCitation", "PubmedBookArticle")
_YEAR = re.compile(r"(1[6-9]|20)\d\d")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    if len(el) == 0:  # no inline markup: the element's own text is all of it
        return clean(el.text)
    return clean("".join(el.itertext()))  # type: ignore[arg-type]


def _year(article: etree._Element) -> int | None:
    pub = article.find("Journal/JournalIssue/PubDate")
    if pub is not None:
        y = pub.findtext("Year")
        if y and y.strip().isdigit():
            return int(y)
        m = _YEAR.search(pub.findtext("MedlineDate") or "")
        if m:
            return int(m.group(0))
    y = article.findtext("ArticleDate/Year")
    if y and y.strip().isdigit():
        return int(y)
    return None


def _date(el: etree._Element | None) -> str:
    if el is None:
        return ""
    y = (el.findtext("Year") or "").strip()
    if not y.isdigit():
        return ""
    mon = (el.findtext("Month") or "").strip()
    m = int(mon) if mon.isdigit() else _MONTHS.get(mon[:3].lower(), 0)
    d = (el.findtext("Day") or "").strip()
    day = int(d) if d.isdigit() else 0
    return f"{int(y):04d}-{m:02d}-{day:02d}"


def _sections(article: etree._Element) -> tuple[Section, ...]:
    out = []
    for at in article.iterfind("Abstract/AbstractText"):
        text = _text(at)
        if text:
            out.append(
                Section(text=text, label=at.get("Label") or "", category=at.get("NlmCategory") or "")
            )
    return tuple(out)


def article_to_record(elem: etree._Element, source: str = "pubmed") -> Record | None:
    """Build a Record from one ``PubmedArticle`` element; None if it has no PMID."""
    mc = elem.find("MedlineCitation")
    if mc is None:
        return None
    pmid_el = mc.find("PMID")
    pmid = (pmid_el.text or "").strip() if pmid_el is not None else ""
    if not pmid:
        return None
    version_attr = pmid_el.get("Version", "1") if pmid_el is not None else "1"
    article = mc.find("Article")
    if article is None:
        return None
    title = _text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle"))

    doi = pmcid = None
    # Only the article's own ids: ReferenceList entries carry ArticleIdLists of cited works.
    for aid in elem.iterfind("PubmedData/ArticleIdList/ArticleId"):
        kind = aid.get("IdType")
        value = (aid.text or "").strip()
        if not value:
            continue
        if kind == "doi" and doi is None:
            doi = value
        elif kind == "pmc" and pmcid is None:
            pmcid = value
    if doi is None:
        for eloc in article.iterfind("ELocationID"):
            if eloc.get("EIdType") == "doi" and eloc.text:
                doi = eloc.text.strip()
                break

    nct_id = None
    for acc in article.iterfind("DataBankList/DataBank/AccessionNumberList/AccessionNumber"):
        if acc.text and acc.text.strip().upper().startswith("NCT"):
            nct_id = acc.text.strip().upper()
            break

    return Record(
        title=title,
        sections=_sections(article),
        pmid=pmid,
        doi=doi,
        pmcid=pmcid,
        nct_id=nct_id,
        journal=_text(article.find("Journal/Title")) or None,
        year=_year(article),
        publication_types=tuple(
            t for t in (_text(p) for p in article.iterfind("PublicationTypeList/PublicationType")) if t
        ),
        mesh_headings=tuple(
            t for t in (_text(d) for d in mc.iterfind("MeshHeadingList/MeshHeading/DescriptorName"))
            if t
        ),
        keywords=tuple(t for t in (_text(k) for k in mc.iterfind("KeywordList/Keyword")) if t),
        languages=tuple(t for t in (_text(k) for k in article.iterfind("Language")) if t),
        source=source,
        version=int(version_attr) if version_attr.isdigit() else 1,
        revised=_date(mc.find("DateRevised")),
    )


def iter_pubmed_xml(
    stream: IO[bytes], name: str, source: str = "pubmed"
) -> Iterator[Record | Deletion]:
    """Yield Records and Deletions from a PubMed XML byte stream, in document order.

    Raises InputFileError naming ``name`` and the position for malformed XML, and for a
    document whose root element is not ``PubmedArticleSet``."""
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=_ITEM_TAGS,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
    )
    checked_root = False
    try:
        for _event, elem in parser:
            if not checked_root:
                _check_root(elem.getroottree().getroot(), name)
                checked_root = True
            tag = elem.tag
            if tag == "PubmedArticle":
                record = article_to_record(elem, source)
                if record is not None:
                    yield record
            elif tag == "DeleteCitation":
                pmids = tuple(p for p in ((e.text or "").strip() for e in elem.iter("PMID")) if p)
                if pmids:
                    yield Deletion(pmids)
            # Free what has been read: the element and the siblings before it.
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as e:
        line, col = (e.position if e.position else (e.lineno, 0))
        msg = clean(str(e.msg or e)).rstrip(".")
        if "Document is empty" in msg or ("Start tag expected" in msg and line <= 1):
            raise InputFileError(
                f"{name} is empty or not XML; give a PubMed XML (.xml/.xml.gz) or JSON Lines file."
            ) from None
        raise InputFileError(
            f"{name}: malformed XML at line {line}, column {col} ({msg}); "
            "the file may be truncated or damaged, so download it again."
        ) from None
    if not checked_root:
        root = getattr(parser, "root", None)
        _check_root(root, name)


def _check_root(root: etree._Element | None, name: str) -> None:
    tag = root.tag if root is not None else None
    if tag != ROOT_TAG:
        shown = f"<{tag}>" if isinstance(tag, str) else "no root element"
        raise InputFileError(
            f"{name} is XML but not PubMed XML (found {shown}, expected <{ROOT_TAG}>); "
            "give a PubMed/MEDLINE XML file or JSON Lines."
        )
