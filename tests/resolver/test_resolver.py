"""The GS1-Conformant resolver over registry data, check by check (resolver_conformance_checks).

Check ids in the comments refer to
../shared/gs1_vectors/resolver/resolver_conformance_checks.json.
"""

from urllib.parse import quote

import pytest
from jsonschema import Draft7Validator

from tests.resolver.conftest import RICE, SHALLOT
from tests.resolver.support import (
    GS1_VOC,
    LINKSET,
    assert_valid_linkset,
    compress_gtin_lot,
    links_of,
)
from traceability.gs1 import decompress_digital_link
from traceability.resolver import services

BASE = "https://id.example.vn"
LOT = "VC2026-03A"
DL = f"/01/{SHALLOT}/10/{LOT}"
UNIT = f"{DL}/21/K7Q2M9X4"


def test_default_target_redirects_307_to_the_consumer_page(client, world):
    response = client.get(DL)
    assert response.status_code == 307
    assert response.headers["Location"] == f"{BASE}/scan{DL}"


def test_link_on_redirect_points_to_the_linkset_and_lists_no_gs1_links(client, world):
    link = client.get(DL).headers["Link"]
    assert f'<{BASE}{DL}?linkType=linkset>; rel="linkset"' in link
    assert 'rel="gs1:' not in link  # legacyLinkHeaders: deprecated since Resolver 1.0


def test_cors_and_methods_on_preflight(client, world):
    response = client.options(DL, headers={
        "Origin": "https://ref.gs1.org/test-suites/resolver/",
        "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "HEAD", "OPTIONS"} <= methods


def test_head_answers_like_get_without_a_body(client, world):
    response = client.head(DL)
    assert response.status_code == 307
    assert response.headers["Location"] == f"{BASE}/scan{DL}"
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("junk", ["/foo", "/badrequest", "/10", "/21/ABC/10/X"])
def test_report_with_400_for_a_malformed_link(client, world, junk):
    response = client.get(f"/01/{SHALLOT}{junk}")
    assert response.status_code == 400  # reportWith400, noErrorWith200
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"]["digital_link"]
    assert "Mã không hợp lệ" in response.json["detail"]


def test_400_explains_a_bad_check_digit_in_both_languages(client, world):
    bad = SHALLOT[:-1] + str((int(SHALLOT[-1]) + 1) % 10)
    response = client.get(f"/01/{bad}/10/{LOT}")
    assert response.status_code == 400
    assert response.json["code"] == "INCORRECT_CHECK_DIGIT"
    assert "check digit" in response.json["detail"]
    assert "Số kiểm tra" in response.json["detail"]


def test_400_for_people_is_a_readable_page(client, world):
    response = client.get(f"/01/{SHALLOT}/foo", headers={"Accept": "text/html"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'lang="vi"' in page and "Mã không hợp lệ" in page


def test_trailing_slash_is_tolerated(client, world):
    plain, slashed = client.get(DL), client.get(DL + "/")
    assert plain.status_code == slashed.status_code == 307
    assert plain.headers["Location"] == slashed.headers["Location"]


def test_unknown_gtin_is_404(client, world):
    response = client.get(f"/01/{RICE}/10/X1")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    html = client.get(f"/01/{RICE}", headers={"Accept": "text/html"})
    assert html.status_code == 404 and "Mã không xác định" in html.get_data(as_text=True)


def test_basic_walk_up_from_an_unknown_lot_and_serial(client, world):
    for path in (f"/01/{SHALLOT}/10/NOSUCHLOT", f"{DL}/21/NOSUCHSERIAL",
                 f"/01/{SHALLOT}/21/NOSUCHSERIAL"):
        response = client.get(path)
        assert response.status_code == 307, path  # not 404: walk up to the known record
        assert response.headers["Location"] == f"{BASE}/scan{path}"
        page = client.get(f"/scan{path}")
        assert page.status_code == 200
        assert "banner-unknown" in page.get_data(as_text=True)


def test_linkset_by_link_type_parameter_is_not_redirected(client, world):
    for value in ("linkset", "all"):  # ltLinksetNoRedirect, ltAllNoRedirect (deprecated)
        response = client.get(f"{DL}?linkType={value}")
        assert response.status_code == 200
        assert response.json["linkset"][0]["anchor"] == BASE + DL


def test_linkset_by_accept_header_with_declared_type_and_context(client, world):
    response = client.get(DL, headers={"Accept": LINKSET})
    assert response.status_code == 200  # ltAcceptHeader
    assert response.mimetype == LINKSET  # declaredContentType
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in response.headers["Link"]
    assert 'type="application/ld+json"' in response.headers["Link"]  # linksetJsonldCheck
    assert_valid_linkset(response.json)  # validLinkset


def test_linkset_has_links_from_every_level_and_one_default(client, world):
    body = client.get(f"{UNIT}?linkType=linkset").json
    assert_valid_linkset(body)
    anchors = [entry["anchor"] for entry in body["linkset"]]
    assert anchors == [BASE + UNIT, BASE + DL, f"{BASE}/01/{SHALLOT}"]  # linksetWalkUp
    unit, lot, product = body["linkset"]
    defaults = [entry.get(GS1_VOC + "defaultLink") for entry in body["linkset"]]
    assert defaults[0] == [{"href": f"{BASE}/scan{UNIT}",
                            "title": "Hành tím Vĩnh Châu, lô VC2026-03A, sê-ri K7Q2M9X4"}]
    assert defaults[1:] == [None, None]  # singleDefaulLink
    # The default link also appears under a descriptive type, with a language.
    assert any(link["href"] == f"{BASE}/scan{UNIT}" for link in links_of(unit, "pip"))
    assert links_of(unit, "recallStatus")[0]["href"] == f"{BASE}/status{UNIT}"
    assert links_of(lot, "traceability")[0]["href"] == f"{BASE}/scan{DL}#hanh-trinh"
    assert links_of(lot, "certificationInfo")
    assert {tuple(link["hreflang"]) for link in links_of(product, "pip")} == {("vi",), ("en",)}
    for entry in body["linkset"]:
        for key, value in entry.items():
            if key.startswith("http"):
                assert key.startswith(GS1_VOC)  # linkTypesDefined
                assert all(link["title"] and link["href"] for link in value)  # linkAttributes


def test_linkset_of_an_unknown_lot_keeps_the_request_as_subject(client, world):
    path = f"/01/{SHALLOT}/10/NOSUCHLOT"
    body = client.get(path, headers={"Accept": LINKSET}).json
    assert_valid_linkset(body)
    first = body["linkset"][0]
    assert first["anchor"] == BASE + path
    assert first[GS1_VOC + "defaultLink"][0]["href"] == f"{BASE}/scan{path}"
    assert [e["anchor"] for e in body["linkset"]] == [BASE + path, f"{BASE}/01/{SHALLOT}"]


@pytest.mark.parametrize("link_type,expected", [
    ("gs1:pip", f"{BASE}/scan{DL}"),
    ("gs1:traceability", f"{BASE}/scan{DL}#hanh-trinh"),
    ("gs1:certificationInfo", f"{BASE}/scan{DL}#chung-nhan"),
    ("gs1:recallStatus", f"{BASE}/status{DL}"),
    (f"{GS1_VOC}traceability", f"{BASE}/scan{DL}#hanh-trinh"),
    ("gs1:defaultLink", f"{BASE}/scan{DL}"),
])
def test_link_type_selection_redirects_to_that_link(client, world, link_type, expected):
    query = f"linkType={quote(link_type, safe=':')}"
    response = client.get(f"{DL}?{query}")
    assert response.status_code == 307  # loFor<linkType>
    page, _, fragment = expected.partition("#")
    # The request's query is passed on (qsPassedOn), before any fragment of the target.
    assert response.headers["Location"] == f"{page}?{query}" + (f"#{fragment}" if fragment else "")


def test_link_type_follows_accept_language(client, world):
    english = client.get(f"{DL}?linkType=gs1:pip", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.headers["Location"].startswith(f"{BASE}/scan{DL}?lang=en")
    vietnamese = client.get(f"{DL}?linkType=gs1:pip", headers={"Accept-Language": "vi"})
    assert vietnamese.headers["Location"].startswith(f"{BASE}/scan{DL}?")


def test_link_type_walks_up_to_the_product_level(client, world):
    response = client.get(f"/01/{SHALLOT}/10/NOSUCHLOT?linkType=gs1:pip")
    assert response.status_code == 307
    assert response.headers["Location"].startswith(f"{BASE}/scan/01/{SHALLOT}?")


def test_specific_link_type_not_found_is_404(client, world):
    response = client.get(f"{DL}?linkType=gs1:safetyInfo")
    assert response.status_code == 404
    # recallStatus exists for a batch, not for a product alone
    assert client.get(f"/01/{SHALLOT}?linkType=gs1:recallStatus").status_code == 404


def test_query_string_is_passed_on(client, world):
    response = client.get(f"{DL}?foo=bar&lang=en")  # qsPassedOn
    assert response.headers["Location"] == f"{BASE}/scan{DL}?foo=bar&lang=en"


def test_data_attributes_in_the_query_are_validated(client, world):
    assert client.get(f"{DL}?17=261231").status_code == 307
    assert client.get(f"{DL}?17=261399").status_code == 400  # no 99th of December


def test_a_gtin13_redirects_to_the_canonical_link(client, world):
    response = client.get(f"/01/{SHALLOT[1:]}/10/{LOT}?x=1")
    assert response.status_code == 301
    assert response.headers["Location"] == f"{BASE}{DL}?x=1"


def test_gtin12_and_gtin8_forms_are_padded(app, client):
    from traceability.resolver.views import NonCanonical, parse_requested

    for short in ("614141000036", "96385074"):
        with pytest.raises(NonCanonical) as moved:
            parse_requested(f"/01/{short}", "")
        assert moved.value.path == f"/01/{short.zfill(14)}"


def test_percent_encoded_lot_with_a_slash(client, world, app):
    from traceability.extensions import db
    from traceability.registry.models import Batch

    batch = Batch(product_id=world["product"], organization_id=world["org"], gtin=SHALLOT,
                  lot="A/2026", status="active")
    db.session.add(batch)
    db.session.commit()
    path = f"/01/{SHALLOT}/10/{quote('A/2026', safe='')}"
    assert client.get(path).headers["Location"] == f"{BASE}/scan{path}"
    page = client.get(f"/scan{path}").get_data(as_text=True)
    assert "A/2026" in page and "banner-genuine" in page


def test_compressed_link_is_expanded_and_named_same_as(client, world):
    compressed = compress_gtin_lot(SHALLOT, LOT)
    assert decompress_digital_link(f"{BASE}/{compressed}") == BASE + DL
    response = client.get(f"/{compressed}")
    assert response.status_code == 307
    assert response.headers["Location"] == f"{BASE}/scan{DL}"
    assert f'<{BASE}{DL}>; rel="owl:sameAs"' in response.headers["Link"]
    linkset = client.get(f"/{compressed}?linkType=linkset")
    assert linkset.json["linkset"][0]["anchor"] == BASE + DL  # the uncompressed subject


def test_single_word_that_is_not_a_compressed_link_is_plain_404(client, world):
    assert client.get("/notacompressedlink").status_code == 404


DESCRIPTION_SCHEMA = {
    # The properties of https://ref.gs1.org/standards/resolver/1.2.0/description-file-schema
    "type": "object",
    "required": ["name", "resolverRoot", "supportedPrimaryKeys", "supportedLinkType"],
    "properties": {
        "resolverRoot": {"type": "string", "pattern": "^https?://"},
        "supportedPrimaryKeys": {"type": "array", "minItems": 1, "items": {
            "type": "string", "enum": ["all", "01", "8006", "8013", "8010", "410", "411",
                                       "412", "413", "414", "415", "417", "8017", "8018",
                                       "255", "00", "253", "401", "402", "8003", "8004"]}},
        "name": {"type": "string", "minLength": 1},
        "supportedLinkType": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["namespace", "prefix"],
            "properties": {"namespace": {"type": "string", "pattern": "^https?://"},
                           "prefix": {"type": "string",
                                      "pattern": "^[a-zA-Z_][A-Za-z0-9_-]*?:$"}}}},
        "linkTypeDefaultCanBeLinkset": {"type": "boolean"},
        "supportedContextValuesEnumerated": {"type": "array", "items": {"type": "string"}},
    },
}


def test_resolver_description_file(client, app):
    response = client.get("/.well-known/gs1resolver", headers={"Accept": "application/json"})
    assert response.status_code == 200  # rdFile
    assert response.mimetype == "application/json"
    assert not list(Draft7Validator(DESCRIPTION_SCHEMA).iter_errors(response.json))
    assert response.json["resolverRoot"] == BASE
    assert {"namespace": GS1_VOC, "prefix": "gs1:"} in response.json["supportedLinkType"]


def test_link_type_spellings_are_normalised():
    assert services.normalize_link_type("https://ref.gs1.org/voc/pip") == "gs1:pip"
    assert services.normalize_link_type("http://gs1.org/voc/epil") == "gs1:epil"
    assert services.link_type_uri("gs1:pip") == GS1_VOC + "pip"


def test_epcis_link_when_the_events_query_exists(client, world, app):
    available = any(rule.rule == "/api/v1/epcis/events" for rule in app.url_map.iter_rules())
    response = client.get(f"{DL}?linkType=gs1:epcis")
    if not available:
        assert response.status_code == 404
        return
    assert response.status_code == 307
    assert response.headers["Location"].startswith(
        f"{BASE}/api/v1/epcis/events?MATCH_epcClass={quote(BASE + DL, safe='')}")


def test_recorded_links_of_a_registered_product(client, world, app):
    from traceability.extensions import db
    from traceability.registry.cli import OperatorActor

    services.import_links(OperatorActor(), {
        "anchor": f"/01/{SHALLOT}", "defaultLinktype": "gs1:recipeInfo",
        "links": [{"linktype": "gs1:recipeInfo", "href": "https://hanhtim.example.vn/mon-ngon",
                   "title": "Món ngon từ hành tím", "hreflang": ["vi"]}]})
    db.session.commit()
    # The registry's page stays the default: it carries the recall banner.
    assert client.get(DL).headers["Location"] == f"{BASE}/scan{DL}"
    response = client.get(f"{DL}?linkType=gs1:recipeInfo")
    assert response.headers["Location"].startswith("https://hanhtim.example.vn/mon-ngon")
    body = client.get(DL, headers={"Accept": LINKSET}).json
    assert_valid_linkset(body)
    product_level = body["linkset"][-1]
    assert links_of(product_level, "recipeInfo")[0]["title"] == "Món ngon từ hành tím"


def test_link_type_parameter_and_accept_are_read_in_any_case(client, world):
    # The scan path skips parsing the query and Accept when they cannot matter; spelled in
    # another case they still must.
    response = client.get(f"{DL}?LinkType=gs1:recallStatus")
    assert response.headers["Location"] == f"{BASE}/status{DL}?LinkType=gs1:recallStatus"
    body = client.get(DL, headers={"Accept": "Application/Linkset+JSON"})
    assert body.status_code == 200 and body.json["linkset"][0]["anchor"] == BASE + DL


def test_redirect_headers_are_complete_and_non_ascii_targets_are_encoded(client, world, app):
    from traceability.extensions import db
    from traceability.registry.cli import OperatorActor

    plain = client.get(DL)
    assert plain.headers["Content-Length"] == "0" and plain.data == b""
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert plain.headers["Cache-Control"] == "no-store"
    assert client.head(DL).headers["Location"] == f"{BASE}/scan{DL}"
    services.import_links(OperatorActor(), {
        "anchor": f"/01/{SHALLOT}", "links": [{
            "linktype": "gs1:recipeInfo", "href": "https://hanhtim.example.vn/món-ngon",
            "title": "Món ngon", "hreflang": ["vi"]}]})
    db.session.commit()
    response = client.get(f"{DL}?linkType=gs1:recipeInfo")
    assert response.status_code == 307
    assert response.headers["Location"].startswith("https://hanhtim.example.vn/m%C3%B3n-ngon")
