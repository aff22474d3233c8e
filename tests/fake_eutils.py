"""A fake NCBI E-utilities (esearch + efetch on a history server) for tests and benchmarks.

esearch answers follow the real recorded answer ../shared/fixtures/pubmed/esearch2.xml
(Count, RetMax, QueryKey, WebEnv, QueryTranslation); efetch serves the real PubmedArticle
records of ../shared/fixtures/pubmed/ repeated with fresh PMIDs (and no DOI/PMCID, so each
repetition is a distinct study), paged by retstart/retmax like the real history server.
"""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree

from fakeserver import FakeServer, Reply, Request

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "pubmed"
FIRST_PMID = 90_000_000
MAX_EFETCH = 10_000  # NCBI's own cap on retmax per efetch


def sample_articles() -> list[etree._Element]:
    out = []
    for p in sorted(FIXTURES.glob("pubmed*.xml")):
        out.extend(etree.parse(str(p)).getroot().iter("PubmedArticle"))
    return out


def article_xml(template: etree._Element, pmid: int) -> bytes:
    art = copy.deepcopy(template)
    art.find("MedlineCitation/PMID").text = str(pmid)
    ids = art.find("PubmedData/ArticleIdList")
    if ids is not None:
        for aid in list(ids):
            if aid.get("IdType") == "pubmed":
                aid.text = str(pmid)
            else:
                ids.remove(aid)
    for eloc in art.iter("ELocationID"):
        eloc.getparent().remove(eloc)
    return etree.tostring(art)


class FakeEutils:
    """``with FakeEutils(hits=2000) as fe: fe.url`` — counts esearch and efetch requests."""

    def __init__(self, hits: int, webenv: str = "MCID_fake") -> None:
        self.hits = hits
        self.webenv = webenv
        self._templates = sample_articles()
        self._cache: dict[int, bytes] = {}
        self.server = FakeServer({"/esearch.fcgi": self.esearch, "/efetch.fcgi": self.efetch})

    def article(self, i: int) -> bytes:
        if i not in self._cache:
            self._cache[i] = article_xml(self._templates[i % len(self._templates)], FIRST_PMID + i)
        return self._cache[i]

    def esearch(self, req: Request) -> Reply:
        q = req.query or req.form
        assert q.get("db") == "pubmed" and q.get("usehistory") == "y" and q.get("tool") == "scisays"
        body = (
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            f"<eSearchResult><Count>{self.hits}</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
            f"<QueryKey>1</QueryKey><WebEnv>{self.webenv}</WebEnv><IdList/><TranslationSet/>"
            f"<QueryTranslation>{_esc(q.get('term', ''))}"
            "</QueryTranslation></eSearchResult>"
        )
        return Reply(200, body)

    def efetch(self, req: Request) -> Reply:
        q = req.query or req.form
        if q.get("WebEnv") != self.webenv or q.get("query_key") != "1":
            return Reply(200, "<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>")
        start, size = int(q["retstart"]), int(q["retmax"])
        assert 0 < size <= MAX_EFETCH and q.get("retmode") == "xml"
        parts = [b'<?xml version="1.0" ?>\n<PubmedArticleSet>']
        parts.extend(self.article(i) for i in range(start, min(self.hits, start + size)))
        parts.append(b"</PubmedArticleSet>")
        return Reply(200, b"\n".join(parts))

    @property
    def url(self) -> str:
        return self.server.url

    def count(self, path: str | None = None) -> int:
        return self.server.count(path)

    def __enter__(self) -> FakeEutils:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
