"""Every EPCIS document of the shared vectors, through the API, classified as index.json says.

Valid documents are captured by an administrator (their GTINs, lots and places are not ours, so
every identifier is reported unresolved) and queried back; invalid ones are refused with their
reasons and leave nothing behind. Query bodies go to the ad-hoc query endpoint.
"""

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.vectors import load_json, require_vectors
from traceability.events.epcis import iter_events, validate_document
from traceability.events.models import EPCISEvent
from traceability.extensions import db

INDEX = load_json("epcis/index.json")
ENTRIES = [entry for entry in (INDEX or {}).get("files", []) if "schema_valid" in entry] or [None]


def _name(entry) -> str:
    return entry["file"].rsplit("/", 1)[-1] if entry else "vectors-absent"


def _expected_valid(entry) -> bool:
    return entry.get("expected_valid", entry["schema_valid"])


@pytest.fixture
def admin(app):
    return factories.user_with_key("admin@example.vn", "admin")[1]


def _results(response) -> list[dict]:
    return response.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_name)
def test_vector_through_the_api(client, admin, entry):
    if entry is None:
        require_vectors()
    data = load_json(f"epcis/{entry['file']}")
    if "query body" in entry.get("note", ""):
        response = client.post("/api/v1/epcis/queries", json=data, headers=admin)
        if _expected_valid(entry):
            assert response.status_code == 200, response.json
            assert validate_document(response.get_json()) == []
        else:
            assert response.status_code == 400
            assert response.json["errors"]
        return
    kind = data.get("type")
    path = ("/api/v1/epcis/capture" if kind in ("EPCISDocument", "EPCISQueryDocument")
            else "/api/v1/events")
    response = client.post(path, json=data, headers=admin)
    if not _expected_valid(entry):
        assert response.status_code == 400, response.json
        assert response.json["errors"]
        assert all(isinstance(m, list) and m for m in response.json["errors"].values())
        assert db.session.scalar(select(func.count()).select_from(EPCISEvent)) == 0
        return
    assert response.status_code == 201, response.json
    answer = response.json
    events = list(iter_events(data))
    assert answer["captured_count"] + answer["duplicate_count"] == len(events)
    named = [event for event in events
             if any(event.get(k) for k in ("epcList", "childEPCs", "inputEPCList",
                                           "outputEPCList", "quantityList", "parentID"))]
    if named:
        assert answer["unresolved"], "foreign identifiers must be reported unresolved"
    for captured in answer["captured"]:
        queried = client.get("/api/v1/epcis/events", headers=admin,
                             query_string={"EQ_eventID": captured["event_id"]})
        assert queried.status_code == 200
        assert validate_document(queried.get_json()) == []
        assert captured["event_id"] in {e["eventID"] for e in _results(queried)}
    everything = client.get("/api/v1/epcis/events", headers=admin,
                            query_string={"perPage": 200})
    assert validate_document(everything.get_json()) == []
    assert len(_results(everything)) == answer["captured_count"]
