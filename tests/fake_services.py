"""Every live service scisays asks, on local servers, answering with real recorded responses.

E-utilities is FakeEutils (real PubmedArticle records on a history server); Europe PMC and
ClinicalTrials.gov answer with one real recorded page (../shared/fixtures/real, its "next page"
mark removed, so it is the last); openFDA with the real limit=1 search, or the real 404 "No
matches found!" for a count; PubChem with a 404 (its answer for a name it does not know); MeSH with no
descriptor (an empty list, as it answers a label it does not have). ``env()`` points scisays at
them, so a server under test answers questions on live sources without the internet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fake_eutils import FakeEutils
from fakeserver import FakeServer, Reply, Request

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"


def _load(path: str) -> Any:
    return json.loads((REAL / path).read_text("utf-8"))


class FakeServices:
    """``with FakeServices() as fs: monkeypatch.setenv(...) for fs.env().items()``."""

    def __init__(self, pubmed_hits: int = 30) -> None:
        self.eutils = FakeEutils(hits=pubmed_hits)
        self._epmc = _load("europepmc/pyeuropepmc_search_cancer_core.json")
        self._epmc.pop("nextCursorMark", None)
        self._trials = _load("clinicaltrials/biomcp_trials_NCT04280705_search_page.json")
        self._trials.pop("nextPageToken", None)
        self._fda = _load("openfda/apievangelist_drug_event_limit1.json")
        self._fda_none = _load("openfda/simpar1471_drugsfda_error_404_not_found.body.json")
        self.server = FakeServer({
            "/europepmc/search": lambda r: Reply(200, self._epmc),
            "/ctgov/studies": lambda r: Reply(200, self._trials),
            "/openfda/*": self._openfda,
            "/mesh/*": lambda r: Reply(200, []),
            "/pubchem/*": lambda r: Reply(404, {"Fault": {"Code": "PUGREST.NotFound",
                                                          "Message": "No CID found"}}),
        })

    def _openfda(self, req: Request) -> Reply:
        return Reply(404, self._fda_none) if "count" in req.query else Reply(200, self._fda)

    def env(self) -> dict[str, str]:
        base = self.server.url
        return {
            "SCISAYS_PUBMED_URL": self.eutils.url,
            "SCISAYS_EUROPEPMC_URL": base + "europepmc/",
            "SCISAYS_CTGOV_URL": base + "ctgov/",
            "SCISAYS_OPENFDA_URL": base + "openfda/",
            "SCISAYS_MESH_URL": base + "mesh/",
            "SCISAYS_PUBCHEM_URL": base + "pubchem/",
        }

    def __enter__(self) -> FakeServices:
        self.eutils.__enter__()
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)
        self.eutils.__exit__(*exc)
