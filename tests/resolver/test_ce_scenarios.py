"""The GS1 Resolver CE integration scenarios, replayed against this resolver.

The fixtures (CE data-entry format) are recorded with ``services.import_links`` and every
request of ``scenarios_resolver_ce`` is issued without following redirects.
"""

from urllib.parse import urlsplit

import pytest

from tests.resolver.support import (
    GS1_VOC,
    LINKSET,
    assert_valid_linkset,
    linkset_validator,
    skip_without_vectors,
)
from tests.vectors import load_json
from traceability.errors import ValidationFailed
from traceability.extensions import db
from traceability.registry.cli import OperatorActor
from traceability.resolver import services
from traceability.resolver.models import ResolverLink

CHECKS = "resolver/resolver_conformance_checks.json"
# Resolver CE's GIAI prefix records ("{1}" fills in the rest of the key) are not a feature
# of the GS1-Conformant Resolver standard; this resolver answers 404 for those keys.
CE_ONLY = {"/8004/095060001343999999"}


def _scenarios():
    checks = load_json(CHECKS)
    if checks is None:
        return []
    return checks["scenarios_resolver_ce"]["cases"]


def _ids():
    return [f"{i}-{case['request'].split(' ', 1)[1]}" for i, case in enumerate(_scenarios())]


@pytest.fixture
def ce_links(app):
    skip_without_vectors()
    fixtures = load_json(CHECKS)["scenarios_resolver_ce"]["fixtures"]
    total = 0
    for name in fixtures:
        total += services.import_links(OperatorActor(), load_json("resolver/" + name))
    db.session.commit()
    return total


@pytest.mark.parametrize("case", _scenarios() or [None], ids=_ids() or ["no-vectors"])
def test_resolver_ce_scenario(client, ce_links, case):
    method, path = case["request"].split(" ", 1)
    response = client.open(path, method=method, headers=case.get("headers") or {})
    if urlsplit(path).path in CE_ONLY:
        assert response.status_code == 404
        return
    assert response.status_code == case["expected_status"], response.get_data(as_text=True)
    if "expected_location" in case:
        assert response.headers["Location"] == case["expected_location"]
    for fragment in case.get("expected_location_contains", []):
        assert fragment in response.headers["Location"]
    if case["expected_status"] == 300:
        links = response.json["linkset"][0][GS1_VOC + "certificationInfo"]
        assert len(links) == 3
        assert_valid_linkset(response.json)
    if case["expected_status"] == 200:
        assert_valid_linkset(response.json)


def test_ce_linkset_walks_up_from_a_lot_to_the_gtin(client, ce_links):
    body = client.get("/01/09506000134376/10/LOT01", headers={"Accept": LINKSET}).json
    assert_valid_linkset(body)
    lot_level, gtin_level = body["linkset"]
    assert lot_level["anchor"].endswith("/01/09506000134376/10/LOT01")
    assert lot_level[GS1_VOC + "defaultLink"] == [{
        "href": "https://dalgiardino.com/medicinal-compound/pil.html?lot=LOT01",
        "title": "Lot numbered Dal Giardino Medicinal Compound 50 x 200mg Capsules page on "
                 "dalgiardino.com"}]
    assert len(lot_level[GS1_VOC + "certificationInfo"]) == 3
    # "und" is the fallback language, not a language: it is left out of the linkset.
    registers = gtin_level[GS1_VOC + "registerProduct"]
    assert {"href": "https://dalgiardino.com/medicinal-compound/register.html?register="
                    "non-English",
            "title": "Dal Giardino Medicinal Compound 50 x 200mg Capsules en-IE Registration "
                     "Page", "type": "text/html"} in registers


def test_compressed_ce_link_exposes_the_uncompressed_one(client, ce_links):
    response = client.get("/ARFKk4XB0CDKWcnpq")
    assert 'rel="owl:sameAs"' in response.headers["Link"]
    assert "/01/09506000134376/10/LOT01>" in response.headers["Link"]


def test_importing_again_replaces_the_links_of_an_entry(app, ce_links):
    before = db.session.query(ResolverLink).count()
    again = services.import_links(OperatorActor(), load_json(
        "resolver/resolver_ce_fixtures/test_01_09506000134352.json"))
    db.session.commit()
    assert again == 17
    assert db.session.query(ResolverLink).count() == before


@pytest.mark.parametrize("entry,field", [
    ({"anchor": "/01/09506000134350", "links": [{"linktype": "gs1:pip", "href": "https://x.example",
                                                  "title": "x"}]}, "[0].anchor"),
    ({"anchor": "/01/09506000134352", "links": [{"linktype": "gs1:pip", "href": "ftp://x",
                                                  "title": "x"}]}, "[0].links[0]"),
    ({"anchor": "/01/09506000134352", "links": [{"linktype": "gs1:pip",
                                                  "href": "https://x.example"}]}, "[0].links[0]"),
    ({"anchor": "/01/09506000134352", "links": [{"linktype": "my:thing", "href": "https://x.example",
                                                  "title": "x"}]}, "[0].links[0]"),
    ({"anchor": "/01/09506000134352", "links": [{"linktype": "gs1:pip", "href": "https://x.example",
                                                  "title": "x", "hreflang": ["english"]}]},
     "[0].links[0]"),
    ({"anchor": "/01/09506000134352/10/LOT1", "links": [
        {"linktype": "gs1:pip", "href": "https://x.example", "title": "x"}]}, "[0].anchor"),
])
def test_bad_link_entries_are_refused_with_the_reason(app, entry, field):
    with pytest.raises(ValidationFailed) as failure:
        services.import_links(OperatorActor(), [entry])
    assert field in failure.value.errors
    assert db.session.query(ResolverLink).count() == 0


def test_linkset_examples_agree_with_the_schema():
    """The schema in use rejects the upstream invalid examples and accepts the valid ones."""
    skip_without_vectors()
    validator = linkset_validator()
    expected = load_json(CHECKS)["linkset_examples_schema_validation"]
    for name, verdict in expected.items():
        document = load_json(f"resolver/linkset_examples/{name}")
        assert validator.is_valid(document) == verdict["schema_valid"], name
