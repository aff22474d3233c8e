"""Question expansion from MeSH and PubChem. No recorded answers exist in ../shared/fixtures,
so these are HAND-MADE following the documented formats: MeSH lookup/descriptor
([{"resource", "label"}]) and lookup/details ({"descriptor", "terms": [{"label", "preferred"}]}),
PubChem PUG REST synonyms (InformationList.Information[0].Synonym; 404 with a NotFound Fault)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scisays.question import build_question
from scisays.sources import make_client
from scisays.sources.http import BadResponse
from scisays.sources.synonyms import Expander, name_like, parse_pubchem_synonyms, uninvert

from conftest import settings_for
from fakeserver import FakeServer, Reply, Request

DESCRIPTORS = {
    "melatonin": [{"resource": "http://id.nlm.nih.gov/mesh/D008550", "label": "Melatonin"}],
    "insomnia": [],
    "stress": [],
}
DETAILS = {
    "D008550": {"descriptor": "http://id.nlm.nih.gov/mesh/D008550", "qualifiers": [], "seealso": [],
                "terms": [{"label": "Melatonin", "preferred": True},
                          {"label": "N-Acetyl-5-methoxytryptamine", "preferred": False},
                          {"label": "Melatonin, (E)-isomer", "preferred": False}]},
}
PUBCHEM = {"InformationList": {"Information": [{"CID": 896, "Synonym": [
    "melatonin", "73-31-4", "N-Acetyl-5-methoxytryptamine", "Melatonine", "Circadin", "MLS000028588",
    "UNII-JL5DK93RCL", "DTXSID1022421", "CHEMBL45", "SMR000058571", "NSC-113928",
    "DYKFCLLONBREIL-UHFFFAOYSA-N", "Melatonina", "5-Methoxy-N-acetyltryptamine", "Regulin"]}]}}


def mesh(req: Request) -> Reply:
    if req.path.endswith("/descriptor"):
        assert req.query["match"] == "exact"
        return Reply(200, DESCRIPTORS.get(req.query["label"].lower(), []))
    return Reply(200, DETAILS[req.query["descriptor"]])


def pubchem(req: Request) -> Reply:
    return Reply(200, PUBCHEM)


NOT_FOUND = Reply(404, {"Fault": {"Code": "PUGREST.NotFound", "Message": "No CID found",
                                  "Details": ["No CID found that matches the given name"]}})


def test_filters():
    assert uninvert("Stress, Psychological") == "Psychological Stress" and uninvert("Anxiety") == "Anxiety"
    assert uninvert("Melatonin, (E)-isomer") is None
    kept = [s for s in PUBCHEM["InformationList"]["Information"][0]["Synonym"] if name_like(s)]
    assert kept == ["melatonin", "N-Acetyl-5-methoxytryptamine", "Melatonine", "Circadin", "Melatonina",
                    "5-Methoxy-N-acetyltryptamine", "Regulin"]


def test_expand_melatonin(tmp_path: Path):
    routes = {"/lookup/descriptor": mesh, "/lookup/details": mesh,
              "/compound/name/melatonin/synonyms/JSON": pubchem}
    with FakeServer(routes) as srv:
        s = settings_for(tmp_path, mesh=srv.url, pubchem=srv.url)
        q, notes = Expander(make_client(s), s)(build_question("melatonin", ["insomnia"]))
        assert q.substance_terms == ("melatonin", "N-Acetyl-5-methoxytryptamine",
                                     "Melatonine", "Circadin", "Melatonina", "5-Methoxy-N-acetyltryptamine")
        assert q.terms_for("insomnia")[0] == "insomnia"  # curated terms kept, nothing added
        assert notes[0].startswith("Searched melatonin as: melatonin, N-Acetyl-5-methoxytryptamine")
        assert "(curated table, MeSH 'Melatonin' and PubChem)" in notes[0]
        sent = srv.count()
        assert sent == 4  # descriptor x2 (melatonin, insomnia), details, pubchem
        Expander(make_client(s), s)(build_question("melatonin", ["insomnia"]))
        assert srv.count() == sent  # cached


def test_unknown_to_pubchem_and_a_service_down(tmp_path: Path):
    with FakeServer({"/compound/name/ashwagandha/synonyms/JSON": lambda r: NOT_FOUND}) as srv:
        s = settings_for(tmp_path, pubchem=srv.url)  # MeSH points at a closed port
        before = build_question("ashwagandha", ["stress"])
        q, notes = Expander(make_client(s), s)(before)
        assert q == before
        assert notes == ["MeSH is unreachable (connection refused) (after 2 attempts): "
                         "searched the curated synonyms only."]


def test_a_synonym_string_is_not_read_as_its_characters():
    """Noticed by the parser fuzz: PubChem's Synonym as a string gave one synonym per character."""
    with pytest.raises(BadResponse, match="not a list"):
        parse_pubchem_synonyms(b'{"InformationList": {"Information": [{"CID": 1, "Synonym": "melatonin"}]}}')
    assert parse_pubchem_synonyms(b'{"InformationList": {"Information": [{"CID": 1}]}}') == []
