"""HTTP requests per report, against local fakes of every service that count requests.

A question with 2,000 PubMed hits (and 2,000 in Europe PMC, 30 registered trials, openFDA
counts, MeSH and PubChem synonyms). Runs `ask` as the CLI does (all live sources, shared
client, response cache), prints requests per service against the minimum the batch limits
allow, the time taken, then asks again: a repeated ask within the TTL must send 0 requests.

    python benchmarks/requests.py [--hits 2000] [--api-key]

The fake E-utilities serves the real PubmedArticle records of ../shared/fixtures/pubmed/ with
fresh PMIDs (tests/fake_eutils.py); the other fakes answer in each API's documented format.
Rate limits are the real ones (3 requests/s to E-utilities without a key, 10 with --api-key).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from scisays.config import Settings
from scisays.pipeline import ask
from scisays.sources import LIVE_SOURCES, build_sources, make_client, make_expander
from scisays.sources.europepmc import MAX_PAGE
from scisays.sources.pubmed import EFETCH_BATCH

from fake_eutils import FakeEutils
from fakeserver import FakeServer, Reply, Request

SUBSTANCE, CONDITIONS = "budesonide", ["asthma"]


def europepmc(hits: int):
    def handler(req: Request) -> Reply:
        size = int(req.query["pageSize"])
        start = 0 if req.query["cursorMark"] == "*" else int(req.query["cursorMark"])
        results = [
            {"id": f"PPR{i}", "source": "PPR", "doi": f"10.1101/fake.{i}",
             "title": f"Budesonide in asthma: preprint {i}",
             "abstractText": "We studied budesonide in adults with asthma.", "pubYear": "2024"}
            for i in range(start, min(hits, start + size))
        ]
        return Reply(200, {"hitCount": hits, "nextCursorMark": str(start + size),
                           "resultList": {"result": results}})

    return handler


def ctgov(req: Request) -> Reply:
    studies = [{"protocolSection": {
        "identificationModule": {"nctId": f"NCT{i:08d}", "briefTitle": f"Budesonide trial {i}"},
        "statusModule": {"overallStatus": "RECRUITING" if i % 3 else "COMPLETED"},
        "designModule": {"phases": ["PHASE3"], "enrollmentInfo": {"count": 100 + i}}},
        "hasResults": i % 2 == 0} for i in range(30)]
    return Reply(200, {"totalCount": 30, "studies": studies})


def openfda(req: Request) -> Reply:
    meta = {"disclaimer": "fake", "last_updated": "2025-01-01"}
    if "count" not in req.query:
        meta["results"] = {"skip": 0, "limit": 1, "total": 120}
        return Reply(200, {"meta": meta, "results": [{}]})
    field = req.query["count"]
    if field in ("date_created", "receivedate"):
        return Reply(200, {"meta": meta, "results": [{"time": "20230101", "count": 120}]})
    return Reply(200, {"meta": meta, "results": [{"term": "1" if "serious" in field else "NAUSEA",
                                                  "count": 40}]})


def mesh(req: Request) -> Reply:
    if req.path.endswith("/descriptor"):
        label = req.query["label"]
        return Reply(200, [{"resource": "http://id.nlm.nih.gov/mesh/D019819", "label": "Budesonide"}]
                     if label == SUBSTANCE else [])
    return Reply(200, {"terms": [{"label": "Budesonide", "preferred": True},
                                 {"label": "Pulmicort", "preferred": False}]})


def pubchem(req: Request) -> Reply:
    return Reply(200, {"InformationList": {"Information": [{"CID": 5281004,
                                                             "Synonym": ["budesonide", "Rhinocort"]}]}})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hits", type=int, default=2000)
    ap.add_argument("--api-key", action="store_true", help="run as with NCBI_API_KEY (10 requests/s)")
    args = ap.parse_args()
    hits = args.hits

    with (
        FakeEutils(hits=hits) as fe,
        FakeServer({"/search": europepmc(hits)}) as epmc,
        FakeServer({"/studies": ctgov}) as ct,
        FakeServer({"/food/event.json": openfda, "/drug/event.json": openfda}) as fda,
        FakeServer({"/lookup/descriptor": mesh, "/lookup/details": mesh}) as me,
        FakeServer({f"/compound/name/{SUBSTANCE}/synonyms/JSON": pubchem}) as pc,
        tempfile.TemporaryDirectory() as tmp,
    ):
        settings = dataclasses.replace(
            Settings(),
            urls={"pubmed": fe.url, "europepmc": epmc.url, "clinicaltrials": ct.url, "openfda": fda.url,
                  "mesh": me.url, "pubchem": pc.url},
            cache_path=Path(tmp) / "cache.sqlite",
            ncbi_api_key="benchmark" if args.api_key else "",
            max_records=max(hits, 1),
        )
        servers = {"PubMed (E-utilities)": fe.server, "Europe PMC": epmc, "ClinicalTrials.gov": ct,
                   "openFDA": fda, "MeSH": me, "PubChem": pc}
        minimum = {
            "PubMed (E-utilities)": 1 + math.ceil(hits / EFETCH_BATCH),
            "Europe PMC": max(1, math.ceil(hits / MAX_PAGE)),
            "ClinicalTrials.gov": 1,
            "openFDA": 9,
            "MeSH": 3,
            "PubChem": 1,
        }

        def run() -> tuple[float, int]:
            before = sum(s.count() for s in servers.values())
            with make_client(settings) as client:
                t0 = time.perf_counter()
                sources = build_sources(LIVE_SOURCES, client, settings)
                report = ask(None, SUBSTANCE, CONDITIONS, sources=sources,
                             expand=make_expander(client, settings))
                elapsed = time.perf_counter() - t0
            assert all(s.ok for s in report.source_status), report.source_status
            return elapsed, sum(s.count() for s in servers.values()) - before

        first_time, first_requests = run()
        per_service = {name: s.count() for name, s in servers.items()}
        second_time, second_requests = run()

    key = "with an API key (10/s)" if args.api_key else "without an API key (3/s)"
    print(f"Question: {SUBSTANCE} / {', '.join(CONDITIONS)}; {hits:,} PubMed hits, {key}\n")
    print("| service | requests | minimum the batch limits allow | batch |")
    print("|---|---:|---:|---|")
    batches = {"PubMed (E-utilities)": f"esearch + efetch {EFETCH_BATCH}/page",
               "Europe PMC": f"{MAX_PAGE}/page", "ClinicalTrials.gov": "200/page",
               "openFDA": "4 CAERS + 5 FAERS count queries", "MeSH": "lookup + details per heading found",
               "PubChem": "1 per substance"}
    for name, n in per_service.items():
        print(f"| {name} | {n} | {minimum[name]} | {batches[name]} |")
    print(f"| **total** | **{sum(per_service.values())}** | {sum(minimum.values())} | |\n")
    print(f"First ask: {first_requests} requests, {first_time:.2f} s")
    print(f"Repeated ask (within the TTL): {second_requests} requests, {second_time:.2f} s")


if __name__ == "__main__":
    main()
