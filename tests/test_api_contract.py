"""The API as a third-party client sees it: schemathesis (an OpenAPI fuzzer) against the real
server on 127.0.0.1, every check, the stateful links included, a fixed seed.

The live sources are local servers answering with real recorded responses (fake_services.py),
so a request naming them gets a report, not the 502 of a machine without network; an audited
URL is fetched under every rule of audit/fetch.py, its host resolved to a public address and
the page served by a mock transport (the sample article); a build is answered with its job at
once (the API's wait is 0 s), so the stateful phase follows report -> job -> report. The number
of examples is bounded for CI; ``SCISAYS_FUZZ_EXAMPLES`` raises it for a longer run by hand
(docs/api.md has the figures of both).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from fake_services import FakeServices
from scisays.audit.fetch import fetch_url
from scisays.corpus import Corpus, ingest_file
from scisays.web.app import create_app
from scisays.web.history import default_history_path

from conftest import KRATOM_DEV, SHARED, threaded_server

pytest.importorskip("schemathesis")
EXAMPLES = int(os.environ.get("SCISAYS_FUZZ_EXAMPLES", "25"))


ARTICLE = (SHARED / "articles" / "kratom-anxiety-depression.txt").read_bytes()


def _article(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ARTICLE, headers={"content-type": "text/plain; charset=utf-8"})


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    db = tmp_path / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
    with FakeServices() as services:
        for var, url in services.env().items():
            monkeypatch.setenv(var, url)
        fetch = partial(fetch_url, resolve=lambda host, port: ["93.184.215.14"],
                        transport=httpx.MockTransport(_article))
        app = create_app(db, default_history_path(db), allowed_hosts=["127.0.0.1"], api_wait_seconds=0.0,
                         fetch=fetch)
        with threaded_server(app) as base:  # no build outlives the fake sources
            yield base


def test_schemathesis_finds_nothing_against_the_real_server(api: str, tmp_path: Path):
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", f"{api}/openapi.json", "--checks", "all",
           "--max-examples", str(EXAMPLES), "--seed", "7", "--generation-database", "none",
           "--request-timeout", "120", "--workers", "1", "--no-color"]
    # its own folder: schemathesis writes nothing into the checkout
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    out = r.stdout + r.stderr
    print(out)  # the phases, their times and the links covered (pytest -s shows them)
    assert r.returncode == 0, out[-20_000:]
    assert "Stateful" in out and "0 covered" not in out, out[-5_000:]  # the links were followed
