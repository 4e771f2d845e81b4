"""Capturing EPCIS events through the API: validation, IDs, duplicates, access, audit, sync."""

import json

from sqlalchemy import func, select

from tests.events.conftest import (
    CONTEXT,
    FARM_FIELD_GLN,
    FARM_GLN,
    PACKED_GTIN,
    PROCESSOR_GLN,
    SHALLOT_GTIN,
    document,
    lgtin,
    lot_link,
    object_event,
    party,
    post_event,
    transformation_event,
)
from traceability.events.epcis import event_hash_id, validate_document
from traceability.events.models import EPCISEvent, TraceLink
from traceability.extensions import db
from traceability.gateway import mapping
from traceability.gateway.outbox import OutboxMessage
from traceability.oversight.audit import AuditEntry, verify_chain


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _event_messages() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "events"))


def _harvest(lot="F1", time="2026-04-01T07:00:00", **extra):
    return object_event(time, "commissioning", [(lot_link(SHALLOT_GTIN, lot), 600, "KGM")],
                        action="ADD", location=FARM_FIELD_GLN, disposition="active", **extra)


def test_one_event_is_recorded_with_its_hash_id_audit_and_gateway_message(client, world):
    event = _harvest()
    answer = post_event(client, world["a"], event)
    (captured,) = answer["captured"]
    assert captured["event_id"] == event_hash_id({k: v for k, v in event.items()
                                                  if k != "@context"}, context=CONTEXT)
    assert captured["batch_ids"] == [world["F1"]]
    assert captured["organization_id"] == world["orgs"]["A"]
    assert answer["unresolved"] == [] and answer["duplicates"] == []

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.capture"))
    assert entry.entity_type == "event" and entry.entity_id == captured["event_id"]
    assert entry.organization_id == world["orgs"]["A"]
    assert verify_chain().ok

    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "events"))
    assert message.entity_id == str(captured["id"])
    assert message.organization_id == world["orgs"]["A"]
    assert (message.method, message.path) == ("POST", "/events")
    assert message.resource_key == f"events:{captured['event_id']}"
    assert [d.key for d in message.requires] == [mapping.lot_key(SHALLOT_GTIN, "F1")]
    sent = json.loads(message.body)
    assert sent["type"] == "EPCISDocument"
    assert [e["eventID"] for e in sent["epcisBody"]["eventList"]] == [captured["event_id"]]
    assert validate_document(sent) == []


def test_ld_json_bodies_are_accepted(client, world):
    response = client.post("/api/v1/events", data=json.dumps(_harvest()),
                           content_type="application/ld+json", headers=world["a"])
    assert response.status_code == 201, response.json
    response = client.post("/api/v1/epcis/capture", data=json.dumps(document(_harvest("F2"))),
                           content_type="application/ld+json", headers=world["a"])
    assert response.status_code == 201, response.json
    response = client.post("/api/v1/events", data="<xml/>", content_type="text/xml",
                           headers=world["a"])
    assert response.status_code == 415


def test_duplicates_are_ignored_and_reported(client, world):
    doc = document(_harvest("F1"), _harvest("F2"))
    first = client.post("/api/v1/epcis/capture", json=doc, headers=world["a"])
    assert first.status_code == 201 and first.json["captured_count"] == 2
    before = (_count(EPCISEvent), _count(AuditEntry), _count(OutboxMessage))
    again = client.post("/api/v1/epcis/capture", json=doc, headers=world["a"])
    assert again.status_code == 200
    assert again.json["captured"] == []
    assert sorted(again.json["duplicates"]) == sorted(c["event_id"]
                                                      for c in first.json["captured"])
    assert (_count(EPCISEvent), _count(AuditEntry), _count(OutboxMessage)) == before
    # Repeated inside one document: recorded once.
    twice = client.post("/api/v1/epcis/capture", headers=world["a"],
                        json=document(_harvest("F1", "2026-04-09T07:00:00"),
                                      _harvest("F1", "2026-04-09T07:00:00")))
    assert twice.json["captured_count"] == 1 and twice.json["duplicate_count"] == 1


def test_an_event_id_reused_for_other_content_is_a_conflict(client, world):
    event_id = "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    post_event(client, world["a"], _harvest(eventID=event_id))
    changed = _harvest(time="2026-04-02T07:00:00", eventID=event_id)
    response = client.post("/api/v1/events", json=changed, headers=world["a"])
    assert response.status_code == 409
    assert "error declaration" in response.json["detail"]
    assert _count(EPCISEvent) == 1


def test_invalid_documents_are_refused_whole_with_every_reason(client, world):
    bad_first = _harvest()
    bad_first["action"] = "CREATE"
    bad_second = _harvest("F2")
    bad_second["bizStep"] = "harvesting"
    del bad_second["eventTimeZoneOffset"]
    doc = document(_harvest("F1", "2026-04-03T00:00:00"), bad_first, bad_second)
    audited = _count(AuditEntry)
    response = client.post("/api/v1/epcis/capture", json=doc, headers=world["a"])
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert any(path.startswith("/epcisBody/eventList/1") for path in errors)
    assert "/epcisBody/eventList/2/bizStep" in errors
    assert any("eventTimeZoneOffset" in " ".join(messages) for path, messages in errors.items()
               if path.startswith("/epcisBody/eventList/2"))
    assert _count(EPCISEvent) == 0 and _count(AuditEntry) == audited


def test_bodies_that_are_not_epcis_are_refused(client, world):
    cases = [
        ("/api/v1/events", "[1, 2]", 400),
        ("/api/v1/events", "{not json", 400),
        ("/api/v1/events", json.dumps(document(_harvest())), 400),
        ("/api/v1/epcis/capture", json.dumps(_harvest()), 400),
        ("/api/v1/epcis/capture", "", 400),
    ]
    for path, body, status in cases:
        response = client.post(path, data=body, content_type="application/json",
                               headers=world["a"])
        assert response.status_code == status, (path, body, response.json)
        assert response.json["detail"]
    assert _count(EPCISEvent) == 0


def test_who_may_record(client, world):
    response = client.post("/api/v1/events", json=_harvest())
    assert response.status_code == 401
    response = client.post("/api/v1/events", json=_harvest(), headers=world["inspector"])
    assert response.status_code == 403
    assert _count(EPCISEvent) == 0


def test_another_organizations_batch_is_refused_and_nothing_is_stored(client, world):
    own = object_event("2026-04-10T00:00:00", "inspecting",
                       [("https://id.gs1.org/01/09521234543213/10/ABC", 1, "KGM")])
    foreign = object_event("2026-04-10T01:00:00", "receiving",
                           [(lot_link(SHALLOT_GTIN, "F2"), 5, "KGM")])
    audited = _count(AuditEntry)
    response = client.post("/api/v1/epcis/capture", json=document(own, foreign),
                           headers=world["d"])
    assert response.status_code == 403
    assert "/epcisBody/eventList/1" in response.json["errors"]
    assert "F2" in response.json["errors"]["/epcisBody/eventList/1"][0]
    assert _count(EPCISEvent) == 0 and _count(TraceLink) == 0
    assert _count(AuditEntry) == audited and _event_messages() == 0
    # The processor may transform A's lot only once it holds it.
    transform = transformation_event("2026-04-11T00:00:00",
                                     [(lot_link(SHALLOT_GTIN, "F1"), 10, "KGM")],
                                     [(lot_link(PACKED_GTIN, "X9"), 9, "KGM")])
    response = client.post("/api/v1/events", json=transform, headers=world["b"])
    assert response.status_code == 403


def test_a_party_of_the_event_may_record_it(client, world):
    # The processor records the receipt of the farm's lot, naming the farm as source.
    receipt = object_event("2026-04-02T14:00:00", "receiving",
                           [(lgtin(SHALLOT_GTIN, "F1"), 600, "KGM")],
                           sources=[party(FARM_GLN)],
                           destinations=[party(PROCESSOR_GLN, role="destination")])
    transform = transformation_event("2026-04-03T00:00:00",
                                     [(lot_link(SHALLOT_GTIN, "F1"), 10, "KGM")],
                                     [(lot_link(PACKED_GTIN, "Q1"), 9, "KGM")])
    # Receipt and transformation in one document: the second is allowed by the first.
    response = client.post("/api/v1/epcis/capture", json=document(receipt, transform),
                           headers=world["b"])
    assert response.status_code == 201, response.json
    assert response.json["captured"][0]["batch_ids"] == [world["F1"]]
    assert response.json["unresolved"] == [
        {"event_id": response.json["captured"][1]["event_id"], "field": "outputQuantityList",
         "identifier": lot_link(PACKED_GTIN, "Q1")}]


def test_unresolved_identifiers_are_kept_and_reported(client, world):
    foreign_lot = "https://id.gs1.org/01/09521234543213/10/ABC"
    event = object_event("2026-04-01T08:00:00", "receiving", [(foreign_lot, 2, "KGM")],
                         epcs=["urn:epc:id:sscc:0614141.1234567890"],
                         sources=[{"type": "owning_party",
                                   "source": "urn:epc:id:pgln:0614141.00001"}],
                         readPoint={"id": "urn:epc:id:sgln:0614141.00777.0"})
    answer = post_event(client, world["a"], event)
    assert sorted((u["field"], u["identifier"]) for u in answer["unresolved"]) == sorted([
        ("quantityList", foreign_lot),
        ("epcList", "urn:epc:id:sscc:0614141.1234567890"),
        ("sourceList", "urn:epc:id:pgln:0614141.00001"),
        ("readPoint", "urn:epc:id:sgln:0614141.00777.0"),
    ])
    row = db.session.scalar(select(EPCISEvent))
    assert row.event["quantityList"][0]["epcClass"] == foreign_lot
    assert row.organization_id == world["orgs"]["A"]


def test_units_and_places_resolve_to_our_records(client, world):
    from traceability.labels.models import PrintRun, Serial

    run = PrintRun(batch_id=world["F2"], count=1)
    db.session.add(run)
    db.session.flush()
    db.session.add(Serial(batch_id=world["F2"], print_run_id=run.id, gtin=SHALLOT_GTIN,
                          serial="S123"))
    db.session.commit()
    unit = f"https://id.example.vn/01/{SHALLOT_GTIN}/21/S123"
    answer = post_event(client, world["a"], object_event(
        "2026-04-01T09:00:00", "inspecting", epcs=[unit],
        bizLocation={"id": "urn:epc:id:sgln:8930001.00010.0"}))
    assert answer["captured"][0]["batch_ids"] == [world["F2"]]
    row = db.session.scalar(select(EPCISEvent))
    assert row.location_id == world["locations"]["field"]


def test_error_declaration_retires_the_event(client, world):
    event = _harvest()
    captured = post_event(client, world["a"], event)["captured"][0]
    declared = dict(event, eventID=captured["event_id"],
                    errorDeclaration={"declarationTime": "2026-04-02T00:00:00Z",
                                      "reason": "incorrect_data"})
    # Another business cannot declare the farm's event erroneous.
    response = client.post("/api/v1/events", json=declared, headers=world["d"])
    assert response.status_code == 403
    assert "declare it erroneous" in json.dumps(response.json["errors"], ensure_ascii=False)
    answer = post_event(client, world["a"], declared)
    assert answer["captured"][0]["error_declaration"] is True
    assert answer["captured"][0]["event_id"] == captured["event_id"]
    original = db.session.scalar(select(EPCISEvent).where(
        EPCISEvent.is_error_declaration.is_(False)))
    assert original.erroneous is True
    response = client.get(f"/api/v1/batches/{world['F1']}/journey", headers=world["a"])
    assert response.json["stages"] == []


def test_an_administrator_records_for_the_organization_of_the_place(client, world):
    answer = post_event(client, world["admin"], _harvest())
    assert answer["captured"][0]["organization_id"] == world["orgs"]["A"]
    assert _event_messages() == 1


def test_capture_limits_are_explained(client, world):
    huge = _harvest()
    huge["quantityList"][0]["quantity"] = 1e20
    response = client.post("/api/v1/events", json=huge, headers=world["a"])
    assert response.status_code == 400
    assert "too large" in json.dumps(response.json["errors"])
