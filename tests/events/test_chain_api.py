"""The three-tier chain built through the API: one step back and forward at every tier, the
recall reach, the mass balance, the journey and who may see what."""

from decimal import Decimal

from tests.events.conftest import (
    FACTORY_GLN,
    FARM_FIELD_GLN,
    OUTSIDER_GLN,
    PACKED_GTIN,
    PROCESSOR_GLN,
    SHALLOT_GTIN,
    build_chain,
    lot_link,
    object_event,
    party,
    post_event,
)
from traceability.events import chain
from traceability.events.epcis import validate_document
from traceability.extensions import db
from traceability.registry.models import Batch


def _chain(client, headers, batch_id, direction, depth=1, status=200):
    response = client.get(f"/api/v1/batches/{batch_id}/chain?direction={direction}"
                          f"&depth={depth}", headers=headers)
    assert response.status_code == status, response.json
    return response.json


def _relations(items):
    return sorted((item["relation"], item["batch"]["lot"] if item["batch"] else None,
                   item["organization"]["name"] if item["organization"] else None)
                  for item in items)


def test_one_step_back_and_forward_at_every_tier(client, world):
    build_chain(client, world)
    inspector = world["inspector"]
    farm, processor, retailer = ("HTX Hành tím Vĩnh Châu", "Công ty Chế biến Mekong",
                                 "Siêu thị Xanh")

    # Farm tier: F1 went to B (shipped by A, received by B) and into P1.
    forward = _chain(client, inspector, world["F1"], "forward")
    assert _relations(forward["items"]) == [
        ("received_by", "F1", processor), ("shipped_to", "F1", processor),
        ("transformed_into", "P1", processor)]
    assert all(item["depth"] == 1 for item in forward["items"])
    made = next(i for i in forward["items"] if i["relation"] == "transformed_into")
    assert (made["quantity"], made["uom"]) == ("950", "KGM")
    # One step back for B's receipt of F1 is A.
    back = _chain(client, inspector, world["F1"], "back")
    assert _relations(back["items"]) == [("received_from", "F1", farm)]

    # Processor tier: P1 was made of F1 and F2 (A's) and received by C from B.
    back = _chain(client, inspector, world["P1"], "back")
    assert _relations(back["items"]) == [
        ("received_from", "P1", processor), ("transformed_from", "F1", farm),
        ("transformed_from", "F2", farm)]
    used = {i["batch"]["lot"]: i["quantity"] for i in back["items"]
            if i["relation"] == "transformed_from"}
    assert used == {"F1": "600", "F2": "400"}
    forward = _chain(client, inspector, world["P1"], "forward")
    assert _relations(forward["items"]) == [("received_by", "P1", retailer)]

    # Retailer tier: the shop's receipt names B as the source of P1.
    receipt = next(i for i in back["items"] if i["relation"] == "received_from")
    assert receipt["event_time"].startswith("2026-04-05T03:00:00")


def test_full_chain_goes_several_steps_and_stops(client, world):
    build_chain(client, world)
    forward = _chain(client, world["admin"], world["F2"], "forward", depth=20)
    by_depth = {(i["depth"], i["relation"], i["batch"]["lot"]) for i in forward["items"]}
    assert (1, "transformed_into", "P1") in by_depth
    assert (2, "received_by", "P1") in by_depth
    back = _chain(client, world["admin"], world["P1"], "back", depth=2)
    assert {i["depth"] for i in back["items"]} == {1, 2}
    assert any(i["depth"] == 2 and i["relation"] == "received_from"
               and i["batch"]["lot"] == "F1" for i in back["items"])


def test_chain_is_cycle_safe(client, world):
    build_chain(client, world)
    # B (holding P1) records that P1 went back into F1: a loop in the data.
    post_event(client, world["admin"], {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "TransformationEvent", "eventTime": "2026-04-06T00:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "inputQuantityList": [{"epcClass": lot_link(PACKED_GTIN, "P1")}],
        "outputQuantityList": [{"epcClass": lot_link(SHALLOT_GTIN, "F1")}]})
    items = chain.full_chain(db.session.get(Batch, world["F1"]), "forward")
    lots = [(item["depth"], item["relation"], item["batch"].lot) for item in items]
    assert (2, "transformed_into", "F1") in lots  # reported once, not followed again
    assert max(depth for depth, _, _ in lots) == 2


def test_recall_from_a_farm_lot_reaches_the_processor_and_the_retailer(client, world):
    build_chain(client, world)
    affected = chain.affected_by_recall(db.session.get(Batch, world["F1"]))
    organizations = {entry["organization"].name for entry in affected}
    assert organizations == {"Công ty Chế biến Mekong", "Siêu thị Xanh"}
    assert {entry["batch"].lot for entry in affected} == {"F1", "P1"}
    retailer = next(e for e in affected if e["organization"].name == "Siêu thị Xanh")
    assert retailer["contact"] == {
        "id": world["orgs"]["C"], "name": "Siêu thị Xanh", "tax_code": "0301112223",
        "contact_email": "kho@xanh.example.vn", "phone": "028 3999 1111",
        "address": "Phường 1, thị xã Vĩnh Châu", "province": "TP Hồ Chí Minh"}
    assert retailer["batch"].lot == "P1" and retailer["depth"] == 2
    assert str(retailer["quantity"]) == "950"  # a Decimal without the column's zeros
    # No duplicates for the same organization and batch.
    keys = [(e["organization"].id, e["batch"].id) for e in affected]
    assert len(keys) == len(set(keys))


def test_mass_balance_of_the_packed_lot(client, world):
    build_chain(client, world)
    response = client.get(f"/api/v1/batches/{world['P1']}/mass-balance",
                          headers=world["inspector"])
    assert response.status_code == 200, response.json
    balance = response.json
    assert balance["produced_by_transformation"] is True
    assert balance["input_totals"] == {"KGM": "1000"}
    assert balance["output_totals"] == {"KGM": "950"}
    (row,) = balance["by_uom"]
    assert row == {"uom": "KGM", "input": "1000", "output": "950", "difference": "50",
                   "yield_percent": "95", "balanced": True}
    assert sorted(i["lot"] for i in balance["inputs"]) == ["F1", "F2"]
    # A farm lot was not made by a transformation.
    farm = chain.mass_balance(db.session.get(Batch, world["F1"]))
    assert farm["produced_by_transformation"] is False and farm["by_uom"] == []


def test_mass_balance_flags_more_output_than_input(client, world):
    build_chain(client, world)
    post_event(client, world["b"], {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "TransformationEvent", "eventTime": "2026-04-04T09:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "inputQuantityList": [{"epcClass": lot_link(SHALLOT_GTIN, "F1"), "quantity": 10,
                               "uom": "KGM"}],
        "outputQuantityList": [{"epcClass": lot_link(PACKED_GTIN, "P1"), "quantity": 200,
                                "uom": "KGM"}]})
    balance = chain.mass_balance(db.session.get(Batch, world["P1"]))
    assert balance["input_totals"]["KGM"] == Decimal("1010")
    assert balance["output_totals"]["KGM"] == Decimal("1150")
    assert balance["balanced"] is False


def test_journey_of_the_farm_lot(client, world):
    build_chain(client, world)
    response = client.get(f"/api/v1/batches/{world['F1']}/journey", headers=world["a"])
    assert response.status_code == 200, response.json
    stages = response.json["stages"]
    assert [s["biz_step"] for s in stages] == ["commissioning", "shipping", "receiving",
                                               "commissioning"]
    assert stages[1]["biz_step_vi"] == "Xuất hàng" and stages[1]["biz_step_en"] == "Shipping"
    assert stages[0]["location"]["gln"] == FARM_FIELD_GLN
    assert stages[0]["location"]["name"] == "Vùng trồng Vĩnh Hiệp"
    assert stages[0]["organization"]["id"] == world["orgs"]["A"]
    assert stages[0]["details"]["quantity"] == "600"
    assert stages[2]["details"]["sources"] == ["HTX Hành tím Vĩnh Châu"]
    assert stages[3]["location"]["gln"] == FACTORY_GLN
    assert stages[3]["details"]["outputs"][0]["lot"] == "P1"
    assert stages[0]["event_time"] == "2026-04-01T07:00:00+07:00"


def test_journey_items_for_other_engineers_are_plain(client, world):
    build_chain(client, world)
    stages = chain.journey(db.session.get(Batch, world["P1"]))
    assert stages[0]["event_time"].tzinfo is not None
    assert set(stages[0]) >= {"event_id", "event_time", "biz_step", "biz_step_vi",
                              "biz_step_en", "disposition", "location", "organization",
                              "details"}
    assert stages[0]["organization"] == {"id": world["orgs"]["B"],
                                         "name": "Công ty Chế biến Mekong"}


def test_businesses_see_their_own_and_linked_batches(client, world):
    build_chain(client, world)
    # The retailer received P1: it may read it, and one step back is B; the farm's lots are
    # two steps away and stay hidden.
    back = _chain(client, world["c"], world["P1"], "back", depth=2)
    assert _relations(back["items"]) == [("received_from", "P1", "Công ty Chế biến Mekong")]
    _chain(client, world["c"], world["F1"], "back", status=404)
    # The farm sees P1, one step forward of its lot.
    response = client.get(f"/api/v1/batches/{world['P1']}/journey", headers=world["a"])
    assert response.status_code == 200
    # An unrelated business sees none of it.
    for batch in ("F1", "P1"):
        response = client.get(f"/api/v1/batches/{world[batch]}/journey", headers=world["d"])
        assert response.status_code == 404
    assert client.get(f"/api/v1/batches/{world['F1']}/chain").status_code == 401


def test_chain_arguments_are_checked(client, world):
    response = client.get(f"/api/v1/batches/{world['F1']}/chain?direction=sideways",
                          headers=world["admin"])
    assert response.status_code == 422 and "direction" in response.json["errors"]
    response = client.get(f"/api/v1/batches/{world['F1']}/chain?depth=21",
                          headers=world["admin"])
    assert response.status_code == 422 and "depth" in response.json["errors"]


def test_erroneous_events_leave_the_chain(client, world):
    ids = build_chain(client, world)
    transform_id = ids["transform"]["captured"][0]["event_id"]
    stored = client.get(f"/api/v1/epcis/events?EQ_eventID={transform_id}",
                        headers=world["b"]).json["epcisBody"]["queryResults"]["resultsBody"]
    event = dict(stored["eventList"][0])
    event.pop("recordTime")
    event["@context"] = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
    event["errorDeclaration"] = {"declarationTime": "2026-04-04T00:00:00Z",
                                 "reason": "incorrect_data"}
    answer = post_event(client, world["b"], event)
    assert answer["captured"][0]["error_declaration"] is True
    assert answer["captured"][0]["event_id"] == transform_id
    items = chain.one_step_back(db.session.get(Batch, world["P1"]))
    assert [i["relation"] for i in items] == ["received_from"]


def test_passport_of_a_batch(client, world):
    build_chain(client, world)
    response = client.get(f"/api/v1/batches/{world['P1']}/passport", headers=world["b"])
    assert response.status_code == 200, response.json
    passport = response.json
    assert passport["gtin"] == PACKED_GTIN
    assert passport["producer"]["tax_code"] == "1800654321"
    assert passport["batch"]["production_date"] == "2026-04-01"
    assert passport["batch"]["expiry_date"] == "2026-06-01"
    assert passport["origin"]["production_location"]["gln"] == FACTORY_GLN
    assert passport["safety_warnings"] == "Rửa sạch trước khi dùng."
    assert [s["biz_step"] for s in passport["traceability"]["journey"]] == [
        "commissioning", "receiving"]
    assert {i["batch"]["lot"] for i in passport["traceability"]["one_step_back"]} == {
        "F1", "F2", "P1"}
    assert passport["certificates"] == []
    assert client.get(f"/api/v1/batches/{world['P1']}/passport",
                      headers=world["d"]).status_code == 404


def test_batch_history_exports_as_a_valid_epcis_document(client, world):
    build_chain(client, world)
    response = client.get(f"/api/v1/batches/{world['F1']}/epcis", headers=world["a"])
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    exported = response.get_json()
    assert validate_document(exported) == []
    assert [e["bizStep"] for e in exported["epcisBody"]["eventList"]] == [
        "commissioning", "shipping", "receiving", "commissioning"]
    assert all("recordTime" in e for e in exported["epcisBody"]["eventList"])


def test_a_receipt_without_a_named_source_still_records_who_holds_the_lot(client, world):
    build_chain(client, world)
    post_event(client, world["c"], object_event(
        "2026-04-07T10:00:00", "receiving", [(lot_link(PACKED_GTIN, "P1"), 10, "KGM")],
        destinations=[{"type": "location", "destination": "urn:epc:id:sgln:8930003.00010.0"}]))
    forward = chain.one_step_forward(db.session.get(Batch, world["P1"]))
    assert [i["relation"] for i in forward] == ["received_by", "received_by"]
    back = chain.one_step_back(db.session.get(Batch, world["P1"]))
    assert [i["relation"] for i in back].count("received_from") == 1


def test_logistic_units_carry_the_batches_packed_in_them(client, world):
    build_chain(client, world)
    sscc = "urn:epc:id:sscc:8930002.0000000017"
    packed = {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "AggregationEvent", "eventTime": "2026-04-06T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00", "parentID": sscc, "action": "ADD",
        "childQuantityList": [{"epcClass": lot_link(PACKED_GTIN, "P1"), "quantity": 100,
                               "uom": "KGM"}],
        "bizStep": "packing", "disposition": "in_progress"}
    post_event(client, world["b"], packed)
    # The outsider cannot take the pallet without being named as its destination…
    taken = object_event("2026-04-06T15:00:00", "receiving", epcs=[sscc],
                         sources=[party(PROCESSOR_GLN)])
    response = client.post("/api/v1/events", json=taken, headers=world["d"])
    assert response.status_code == 403 and "P1" in str(response.json["errors"])
    # …the processor ships it to D, and D records the receipt of the pallet alone.
    post_event(client, world["b"], object_event(
        "2026-04-06T09:00:00", "shipping", epcs=[sscc], sources=[party(PROCESSOR_GLN)],
        destinations=[party(OUTSIDER_GLN, role="destination")]))
    post_event(client, world["d"], taken)
    forward = chain.one_step_forward(db.session.get(Batch, world["P1"]))
    to_outsider = [(i["relation"], i["quantity"]) for i in forward
                   if i["organization"] and i["organization"].id == world["orgs"]["D"]]
    assert sorted(to_outsider) == [("received_by", 100), ("shipped_to", 100)]
    # D now reads the batch and sees the pallet's journey in it.
    response = client.get(f"/api/v1/batches/{world['P1']}/journey", headers=world["d"])
    assert response.status_code == 200
    assert [s["biz_step"] for s in response.json["stages"]][-3:] == [
        "packing", "shipping", "receiving"]


def test_inspectors_scoped_to_a_province_follow_the_chain_within_it(client, world):
    from tests import factories

    build_chain(client, world)
    _, can_tho = factories.user_with_key("ct@example.vn", "inspector",
                                         scope_provinces=["Cần Thơ"])
    back = _chain(client, can_tho, world["P1"], "back")
    assert _relations(back["items"]) == [("received_from", "P1", "Công ty Chế biến Mekong")]
    _chain(client, can_tho, world["F1"], "forward", status=404)
    everything = _chain(client, world["inspector"], world["P1"], "back")
    assert len(everything["items"]) == 3
