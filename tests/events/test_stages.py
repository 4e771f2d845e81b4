"""Sector templates: the catalogue, schema-valid events from every stage, form errors."""

from datetime import timedelta

from tests.events.conftest import FARM_GLN, SHALLOT_GTIN
from traceability.database import utcnow
from traceability.events import chain, stages
from traceability.events.epcis import iter_events, validate_document
from traceability.extensions import db
from traceability.registry.models import Batch


def _stage(client, headers, batch_id, template, stage, fields, status=201, **extra):
    body = {"template": template, "stage": stage, "event_time": "2026-04-01T08:00:00",
            "fields": fields, **extra}
    response = client.post(f"/api/v1/batches/{batch_id}/stages", json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def test_catalogue_lists_sectors_stages_and_fields(client):
    response = client.get("/api/v1/event-templates")
    assert response.status_code == 200
    templates = {t["name"]: t for t in response.json["templates"]}
    assert set(templates) == {"fresh_produce", "rice", "meat", "aquaculture"}
    produce = templates["fresh_produce"]
    assert produce["standard"] == "TCVN 12827" and templates["meat"]["standard"] == "TCVN 13166"
    assert [s["name"] for s in produce["stages"]] == [
        "planting", "fertilizing", "spraying", "harvesting", "packing", "shipping", "receiving",
        "selling"]
    spraying = next(s for s in produce["stages"] if s["name"] == "spraying")
    assert spraying["label_vi"] == "Phun thuốc bảo vệ thực vật"
    assert spraying["biz_step"] == "https://ns.traceability.vn/epcis/BizStep-spraying"
    fields = {f["name"]: f for f in spraying["fields"]}
    assert fields["product_name"]["required"] is True
    assert fields["withdrawal_period_days"] == {
        "name": "withdrawal_period_days", "type": "integer",
        "label_vi": "Thời gian cách ly (ngày)", "label_en": "Withdrawal period (days)",
        "required": True, "min": 0, "max": 365,
        "help_vi": fields["withdrawal_period_days"]["help_vi"],
        "help_en": fields["withdrawal_period_days"]["help_en"]}
    harvesting = next(s for s in produce["stages"] if s["name"] == "harvesting")
    assert (harvesting["biz_step"], harvesting["action"]) == ("commissioning", "ADD")
    uom = next(f for f in harvesting["fields"] if f["name"] == "uom")
    assert {o["value"] for o in uom["options"]} >= {"KGM", "TNE"}
    assert [f["name"] for f in produce["common_fields"]] == ["event_time", "location_id"]
    milling = next(s for s in templates["rice"]["stages"] if s["name"] == "milling")
    assert milling["event_type"] == "TransformationEvent"
    assert next(s for s in templates["meat"]["stages"]
                if s["name"] == "slaughtering")["biz_step"] == "killing"


def _sample(field: dict, world: dict):
    kind = field["type"]
    if kind == "party":
        return world["orgs"]["B"] if field["name"] == "destination" else FARM_GLN
    if kind == "code":
        return f"(01){SHALLOT_GTIN}(10)F2"
    if kind == "select":
        return field["options"][0]["value"]
    if kind == "integer":
        return int(field.get("min", 0)) + 3
    if kind == "number":
        return "12.5"
    if kind == "date":
        return "2026-03-20"
    return f"{field['label_vi']} mẫu"


def test_every_stage_of_every_template_makes_a_valid_event(app, world):
    from traceability.accounts.services import authenticate_key

    user = authenticate_key(world["a"]["Authorization"].split(" ", 1)[1])
    batch = db.session.get(Batch, world["F1"])
    moment = utcnow() - timedelta(days=30)
    recorded = 0
    for template in stages.template_catalog():
        for stage in template["stages"]:
            moment += timedelta(minutes=7)
            values = {f["name"]: _sample(f, world) for f in stage["fields"]}
            outcome = stages.record_stage(user, batch, template["name"], stage["name"], {
                "event_time": moment.isoformat(), "fields": values})
            assert validate_document(outcome["document"]) == [], (template["name"],
                                                                  stage["name"])
            assert outcome["event"] is not None and not outcome["duplicate"]
            (event,) = iter_events(outcome["document"])
            assert event["type"] == stage["event_type"]
            assert event["vnt:stage"] == stage["name"]
            recorded += 1
    db.session.commit()
    journey = chain.journey(batch)
    assert len(journey) == recorded
    names = {stage["biz_step"] for stage in journey}
    assert {"planting", "spraying", "harvesting", "slaughtering", "milling", "selling"} <= names
    assert all(stage["biz_step_vi"] and stage["biz_step_en"] for stage in journey)


def test_spraying_then_an_early_harvest_is_flagged(client, world):
    sprayed = _stage(client, world["a"], world["F1"], "fresh_produce", "spraying", {
        "product_name": "Abamectin 3.6EC", "active_ingredient": "Abamectin",
        "dosage": "10 ml/bình 16 lít", "withdrawal_period_days": 7})
    assert sprayed["warnings"] == []
    assert sprayed["stage"]["biz_step"] == "spraying"
    assert sprayed["stage"]["details"]["withdrawalEndDate"] == "2026-04-08"
    assert validate_document(sprayed["document"]) == []
    (event,) = iter_events(sprayed["document"])
    assert event["eventTime"].endswith("+07:00")  # Vietnam time when no offset is given
    assert event["vnt:inputProductName"] == "Abamectin 3.6EC"
    harvested = _stage(client, world["a"], world["F1"], "fresh_produce", "harvesting",
                       {"quantity": "600", "harvest_end_date": "2026-04-06"},
                       event_time="2026-04-05T07:00:00+07:00")
    (warning,) = harvested["warnings"]
    assert warning["code"] == "withdrawal_period"
    assert "Abamectin 3.6EC" in warning["message_vi"] and "2026-04-08" in warning["message_en"]
    (event,) = iter_events(harvested["document"])
    assert event["action"] == "ADD" and event["bizStep"] == "commissioning"
    assert event["quantityList"][0]["uom"] == "KGM"  # from the batch's unit, kg
    assert event["ilmd"]["cbvmda:harvestStartDate"] == "2026-04-05"
    assert event["ilmd"]["cbvmda:harvestEndDate"] == "2026-04-06"
    assert event["ilmd"]["cbvmda:lotNumber"] == "F1"
    journey = client.get(f"/api/v1/batches/{world['F1']}/journey", headers=world["a"]).json
    assert [(s["biz_step"], s["biz_step_vi"]) for s in journey["stages"]] == [
        ("spraying", "Phun thuốc bảo vệ thực vật"), ("harvesting", "Thu hoạch")]
    assert journey["stages"][0]["details"]["withdrawalPeriodDays"] == 7
    # After the withdrawal period there is nothing to flag.
    later = _stage(client, world["a"], world["F2"], "fresh_produce", "harvesting",
                   {"quantity": "400"}, event_time="2026-04-09T07:00:00+07:00")
    assert later["warnings"] == []


def test_shipping_and_receiving_by_template_link_the_chain(client, world):
    _stage(client, world["a"], world["F1"], "fresh_produce", "shipping",
           {"destination": world["orgs"]["B"], "quantity": 600, "uom": "KGM",
            "document_number": "PX-0042"})
    # Now the processor sees the lot and records its receipt, naming the farm by GLN.
    received = _stage(client, world["b"], world["F1"], "fresh_produce", "receiving",
                      {"source": FARM_GLN, "quantity": 598, "uom": "KGM", "condition": "good"},
                      event_time="2026-04-01T15:00:00",
                      location_id=world["locations"]["factory"])
    assert received["stage"]["location"]["name"] == "Xưởng đóng gói Trà Nóc"
    batch = db.session.get(Batch, world["F1"])
    forward = [(i["relation"], i["organization"].name, i["quantity"])
               for i in chain.one_step_forward(batch)]
    assert ("shipped_to", "Công ty Chế biến Mekong", 600) in forward
    assert ("received_by", "Công ty Chế biến Mekong", 598) in forward
    back = [(i["relation"], i["organization"].name) for i in chain.one_step_back(batch)]
    assert back == [("received_from", "HTX Hành tím Vĩnh Châu")]


def test_the_same_stage_twice_is_one_event(client, world):
    fields = {"crop_variety": "Hành tím Vĩnh Châu", "area_hectares": "1.5"}
    first = _stage(client, world["a"], world["F1"], "fresh_produce", "planting", fields)
    again = _stage(client, world["a"], world["F1"], "fresh_produce", "planting", fields,
                   status=200)
    assert again["duplicate"] is True and again["event"] is None
    assert again["event_id"] == first["event_id"]


def test_form_errors_name_the_field(client, world):
    cases = [
        ("fresh_produce", "spraying", {"withdrawal_period_days": 7}, {}, "product_name"),
        ("fresh_produce", "spraying", {"product_name": "X", "withdrawal_period_days": "bảy"},
         {}, "withdrawal_period_days"),
        ("fresh_produce", "spraying", {"product_name": "X", "withdrawal_period_days": 2.5},
         {}, "withdrawal_period_days"),
        ("fresh_produce", "planting", {"crop_variety": "A", "colour": "red"}, {}, "colour"),
        ("fresh_produce", "shipping", {"destination": "8930001000002"}, {}, "destination"),
        ("fresh_produce", "shipping", {"destination": 999999}, {}, "destination"),
        ("fresh_produce", "packing", {"quantity": -1}, {}, "quantity"),
        ("fresh_produce", "packing", {"uom": "BAG"}, {}, "uom"),
        ("rice", "milling", {"input": "(01)123", "input_quantity": 1, "quantity": 1}, {},
         "input"),
        ("fresh_produce", "selling", {}, {"event_time": "2026-13-01T00:00"}, "event_time"),
        ("fresh_produce", "selling", {},
         {"event_time": (utcnow() + timedelta(days=2)).isoformat()}, "event_time"),
        ("fresh_produce", "selling", {}, {"event_time": None}, "event_time"),
        ("fresh_produce", "selling", {}, {"location_id": 10**6}, "location_id"),
        ("fruit", "selling", {}, {}, "template"),
        ("fresh_produce", "milling", {}, {}, "stage"),
    ]
    for template, stage, fields, extra, field in cases:
        answer = _stage(client, world["a"], world["F1"], template, stage, fields, status=422,
                        **extra)
        assert field in answer["errors"], (stage, fields, extra, answer)
    # Another organization's location is not yours to name.
    answer = _stage(client, world["a"], world["F1"], "fresh_produce", "selling", {},
                    status=422, location_id=world["locations"]["factory"])
    assert "location_id" in answer["errors"]


def test_stages_follow_the_access_rules(client, world):
    fields = {"crop_variety": "Hành tím"}
    _stage(client, world["d"], world["F1"], "fresh_produce", "planting", fields, status=404)
    _stage(client, world["inspector"], world["F1"], "fresh_produce", "planting", fields,
           status=403)
    response = client.post(f"/api/v1/batches/{world['F1']}/stages",
                           json={"template": "fresh_produce", "stage": "planting"})
    assert response.status_code == 401
