"""EPCIS queries: the standard parameters, paging, visibility and the answer's schema."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.events.conftest import (
    FACTORY_GLN,
    FARM_FIELD_GLN,
    PACKED_GTIN,
    SHALLOT_GTIN,
    build_chain,
    lgtin,
)
from traceability import gs1
from traceability.events.epcis import validate_document


def _query(client, headers, status=200, **params):
    response = client.get("/api/v1/epcis/events", headers=headers, query_string=params)
    assert response.status_code == status, response.json
    if status == 200:
        assert response.mimetype == "application/ld+json"
        assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
        assert validate_document(response.get_json()) == []
    return response


def _steps(response) -> list[str]:
    events = response.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return [event.get("bizStep") for event in events]


@pytest.fixture
def chain_built(client, world):
    return build_chain(client, world)


def test_everything_in_event_time_order(client, world, chain_built):
    response = _query(client, world["admin"])
    assert _steps(response) == ["commissioning", "shipping", "receiving", "commissioning",
                                "receiving"]
    body = response.json["epcisBody"]["queryResults"]
    assert body["queryName"] == "SimpleEventQuery"
    response = _query(client, world["admin"], orderDirection="DESC")
    assert _steps(response)[0] == "receiving"


@pytest.mark.parametrize(("params", "expected"), [
    ({"eventType": "TransformationEvent"}, ["commissioning"]),
    ({"eventType": "ObjectEvent|TransformationEvent"}, ["commissioning", "shipping",
                                                        "receiving", "commissioning",
                                                        "receiving"]),
    ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-receiving"}, ["receiving", "receiving"]),
    ({"EQ_bizStep": "shipping|urn:epcglobal:cbv:bizstep:receiving"},
     ["shipping", "receiving", "receiving"]),
    ({"EQ_disposition": "in_transit"}, ["shipping"]),
    ({"EQ_action": "ADD"}, ["commissioning"]),
    ({"GE_eventTime": "2026-04-02T06:00:00+07:00", "LT_eventTime": "2026-04-03T09:00:01Z"},
     ["shipping", "receiving", "commissioning"]),
    ({"EQ_bizLocation": "urn:epc:id:sgln:8930002.00010.0"}, ["receiving", "commissioning"]),
    ({"EQ_readPoint": f"https://id.example.vn/414/{FARM_FIELD_GLN}"},
     ["commissioning", "shipping"]),
    ({"MATCH_epcClass": lgtin(SHALLOT_GTIN, "F1")},
     ["commissioning", "shipping", "receiving"]),
    ({"MATCH_anyEPCClass": f"https://id.gs1.org/01/{PACKED_GTIN}/10/P1"},
     ["commissioning", "receiving"]),
    ({"MATCH_inputEPCClass": "urn:epc:idpat:sgtin:8930001.000001.*"}, ["commissioning"]),
    ({"MATCH_epcClass": "urn:epc:idpat:sgtin:8930001.000001.*"},
     ["commissioning", "shipping", "receiving"]),
    ({"GE_quantity": "900"}, ["commissioning", "receiving"]),
])
def test_standard_parameters(client, world, chain_built, params, expected):
    assert _steps(_query(client, world["admin"], **params)) == expected


def test_match_epc_finds_units_by_any_spelling(client, world):
    unit = gs1.elements_to_epc_uri([("01", SHALLOT_GTIN), ("21", "U1")], 7)
    client.post("/api/v1/events", headers=world["a"], json={
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "ObjectEvent", "eventTime": "2026-04-01T00:00:00Z",
        "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "epcList": [unit]})
    response = _query(client, world["a"],
                      MATCH_epc=f"https://shop.example/01/{SHALLOT_GTIN}/21/U1")
    assert len(_steps(response)) == 1
    assert _steps(_query(client, world["a"], MATCH_epc="urn:epc:id:sgtin:8930001.000001.U2")) \
        == []


def test_paging_follows_the_next_link(client, world, chain_built):
    seen, params, pages = [], {"perPage": "2"}, 0
    while True:
        response = _query(client, world["admin"], **params)
        pages += 1
        events = response.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        seen += [event["eventID"] for event in events]
        link = response.headers.get("Link")
        if not link:
            break
        assert link.endswith('; rel="next"')
        url = link[1:link.index(">")]
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert params["perPage"] == "2"
    assert pages == 3 and len(seen) == 5 and len(set(seen)) == 5


def test_event_count_limit_stops_paging(client, world, chain_built):
    response = _query(client, world["admin"], perPage="2", eventCountLimit="3")
    url = response.headers["Link"][1:response.headers["Link"].index(">")]
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    second = _query(client, world["admin"], **params)
    assert len(_steps(second)) == 1 and "Link" not in second.headers
    _query(client, world["admin"], status=413, maxEventCount="4")


def test_bad_parameters_are_refused_with_reasons(client, world, chain_built):
    response = _query(client, world["admin"], status=400, GE_eventTime="yesterday",
                      perPage="0", EQ_action="SHIPPED", orderBy="bizStep",
                      WD_bizLocation="urn:epc:id:sgln:8930002.00010.0",
                      nextPageToken="garbage")
    assert set(response.json["errors"]) == {"GE_eventTime", "perPage", "EQ_action", "orderBy",
                                            "WD_bizLocation", "nextPageToken"}
    assert client.get("/api/v1/epcis/events").status_code == 401


def test_businesses_read_only_the_events_that_concern_them(client, world, chain_built):
    # The retailer took part in its receipt only; the farm in its own events and in the
    # processor's receipt and transformation of its lots.
    assert _steps(_query(client, world["c"])) == ["receiving"]
    assert _steps(_query(client, world["a"])) == ["commissioning", "shipping", "receiving",
                                                  "commissioning"]
    assert _steps(_query(client, world["d"])) == []
    assert len(_steps(_query(client, world["inspector"]))) == 5


def test_inspectors_scoped_to_provinces(client, world, chain_built):
    from tests import factories

    _, scoped = factories.user_with_key("hcm@example.vn", "inspector",
                                        scope_provinces=["TP Hồ Chí Minh"])
    assert _steps(_query(client, scoped)) == ["receiving"]


def test_post_query_runs_a_query_body(client, world, chain_built):
    response = client.post("/api/v1/epcis/queries", headers=world["admin"], json={
        "@context": "https://ref.gs1.org/standards/epcis/2.0.0/query-schema.json",
        "eventType": ["ObjectEvent"], "EQ_bizStep": ["receiving"],
        "EQ_bizLocation": [f"https://id.gs1.org/414/{FACTORY_GLN}"],
        "orderBy": "eventTime", "orderDirection": "DESC", "eventCountLimit": 10})
    assert response.status_code == 200, response.json
    assert _steps(response) == ["receiving"]
    response = client.post("/api/v1/epcis/queries", headers=world["admin"],
                           json={"EQ_action": ["SHIPPED"]})
    assert response.status_code == 400 and response.json["errors"]


def test_one_event_by_its_id(client, world, chain_built):
    event_id = chain_built["transform"]["captured"][0]["event_id"]
    response = client.get("/api/v1/epcis/events/" + event_id.replace("?", "%3F"),
                          headers=world["b"])
    assert response.status_code == 200, response.json
    event = response.get_json()
    assert event["eventID"] == event_id and event["type"] == "TransformationEvent"
    assert validate_document(event) == []
    response = client.get("/api/v1/epcis/events/" + event_id.replace("?", "%3F"),
                          headers=world["d"])
    assert response.status_code == 404
