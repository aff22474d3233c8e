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


RETRACTED = "Retracted Publication"


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    if len(el) == 0:  # no inline markup: the element's own text is all of it
        return _clean(el.text)
    return clean("".join(el.itertext()))  # type: ignore[arg-type]


def _clean(text: str | None) -> str:
    """:func:`clean`, with a fast path for the common already-clean short string."""
    if text and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return clean(text)


def _child_texts(parent: etree._Element, tag: str) -> list[str]:
    return [t for t in (_text(c) for c in parent if c.tag == tag) if t]


def _child(el: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child of ``el`` with ``tag`` (a loop over children: cheaper than find())."""
    if el is not None:
        for c in el:
            if c.tag == tag:
                return c
    return None


def _child_text(el: etree._Element | None, tag: str) -> str:
    c = _child(el, tag)
    return (c.text or "").strip() if c is not None else ""


def _number(text: str) -> int | None:
    """A whole number written in at most 9 ASCII digits, else None: '²' and '１９' are digits to
    str.isdigit() but not to int(), and a 25-digit "year" does not fit the corpus."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _year(journal: etree._Element | None, article_date: etree._Element | None) -> int | None:
    pub = _child(_child(journal, "JournalIssue"), "PubDate")
    if pub is not None:
        y = _number(_child_text(pub, "Year"))
        if y is not None:
            return y
        m = _YEAR.search(_child_text(pub, "MedlineDate"))
        if m:
            return int(m.group(0))
    return _number(_child_text(article_date, "Year"))


def _date(el: etree._Element | None) -> str:
    y = _number(_child_text(el, "Year"))
    if y is None:
        return ""
    mon = _child_text(el, "Month")
    m = _number(mon)
    if m is None:
        m = _MONTHS.get(mon[:3].lower(), 0)
    day = _number(_child_text(el, "Day")) or 0
    return f"{y:04d}-{m:02d}-{day:02d}"


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (a message quotes the file, which may hold anything)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(abstract: etree._Element | None) -> tuple[Section, ...]:
    if abstract is None:
        return ()
    out = []
    for at in abstract:
        if at.tag != "AbstractText":
            continue
        text = _text(at)
        if text:
            out.append(
                Section(text=text, label=at.get("Label") or "", category=at.get("NlmCategory") or "")
            )
    return tuple(out)


def article_to_record(elem: etree._Element, source: str = "pubmed") -> Record | None:
    """Build a Record from one ``PubmedArticle`` element; None if it has no PMID.

    One pass over the children of MedlineCitation and Article, dispatching on the tag: far
    cheaper than a path lookup per field, which matters at baseline scale (30M records)."""
    mc = pubmed_data = None
    for child in elem:
        if child.tag == "MedlineCitation":
            mc = child
        elif child.tag == "PubmedData":
            pubmed_data = child
    if mc is None:
        return None
    pmid_el = article = revised = None
    mesh: list[str] = []
    keywords: list[str] = []
    retracted = False
    for child in mc:
        tag = child.tag
        if tag == "PMID":
            pmid_el = child
        elif tag == "Article":
            article = child
        elif tag == "MeshHeadingList":
            for heading in child:
                mesh.extend(_child_texts(heading, "DescriptorName"))
        elif tag == "KeywordList":
            keywords.extend(_child_texts(child, "Keyword"))
        elif tag == "DateRevised":
            revised = child
        elif tag == "CommentsCorrectionsList":
            retracted = retracted or any(c.get("RefType") == "RetractionIn" for c in child)
    pmid = (pmid_el.text or "").strip() if pmid_el is not None else ""
    if not pmid or article is None:
        return None
    version_attr = pmid_el.get("Version", "1") if pmid_el is not None else "1"

    title = vernacular = ""
    journal = abstract = article_date = None
    elocation_doi = nct_id = None
    publication_types: list[str] = []
    languages: list[str] = []
    for child in article:
        tag = child.tag
        if tag == "ArticleTitle":
            title = _text(child)
        elif tag == "Abstract":
            abstract = child
        elif tag == "Journal":
            journal = child
        elif tag == "PublicationTypeList":
            publication_types = _child_texts(child, "PublicationType")
        elif tag == "Language":
            lang = _text(child)
            if lang:
                languages.append(lang)
        elif tag == "ELocationID":
            if elocation_doi is None and child.get("EIdType") == "doi" and child.text:
                elocation_doi = child.text.strip() or None
        elif tag == "ArticleDate":
            if article_date is None:
                article_date = child
        elif tag == "VernacularTitle":
            vernacular = _text(child)
        elif tag == "DataBankList" and nct_id is None:
            for acc in child.iterfind("DataBank/AccessionNumberList/AccessionNumber"):
                if acc.text and acc.text.strip().upper().startswith("NCT"):
                    nct_id = acc.text.strip().upper()
                    break

    doi = pmcid = None
    # Only the article's own ids: ReferenceList entries carry ArticleIdLists of cited works.
    if pubmed_data is not None:
        for id_list in pubmed_data:
            if id_list.tag != "ArticleIdList":
                continue
            for aid in id_list:
                value = (aid.text or "").strip()
                if not value:
                    continue
                kind = aid.get("IdType")
                if kind == "doi" and doi is None:
                    doi = value
                elif kind == "pmc" and pmcid is None:
                    pmcid = value
    if doi is None:
        doi = elocation_doi
    if retracted and RETRACTED not in publication_types:
        # a "Retraction in" notice marks the paper retracted, as the publication type does
        publication_types.append(RETRACTED)

    journal_title = None
    if journal is not None:
        journal_title = next((_text(c) for c in journal if c.tag == "Title"), "") or None

    return Record(
        title=title or vernacular,
        sections=_sections(abstract),
        pmid=pmid,
        doi=doi,
        pmcid=pmcid,
        nct_id=nct_id,
        journal=journal_title,
        year=_year(journal, article_date),
        publication_types=tuple(publication_types),
        mesh_headings=tuple(mesh),
        keywords=tuple(keywords),
        languages=tuple(languages),
        source=source,
        version=_number(version_attr) or 1,  # versions start at 1 (Record.from_dict reads 0 as 1)
        revised=_date(revised),
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
        msg = _shorten(clean(str(e.msg or e)).rstrip("."), 160)
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
        shown = f"<{_shorten(tag, 60)}>" if isinstance(tag, str) else "no root element"
        raise InputFileError(
            f"{name} is XML but not PubMed XML (found {shown}, expected <{ROOT_TAG}>); "
            "give a PubMed/MEDLINE XML file or JSON Lines."
        )
