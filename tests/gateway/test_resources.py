"""The resources and their rules: formats, required fields, and the order of dependencies."""

import time

from traceability.gateway.client import Outcome

from . import sample


def _log(admin) -> list[tuple[str, str]]:
    return [(entry["kind"], entry["key"]) for entry in admin.get("/state").json()["applied_log"]]


# --- organizations ---------------------------------------------------------------------------

def test_new_organization_awaits_activation_and_updates_keep_status(gateway, admin, keys):
    created = gateway.put_organization(sample.TAX_CODE, sample.organization(), keys())
    assert created.status == 201
    assert created.body["trangThai"] == "cho_kich_hoat"
    assert created.body["maSoThue"] == sample.TAX_CODE
    activated = admin.post(f"/organizations/{sample.TAX_CODE}/activate")
    assert activated.json()["trangThai"] == "hoat_dong"
    updated = gateway.put_organization(sample.TAX_CODE, sample.organization(ten="HTX mới"),
                                       keys())
    assert updated.status == 200
    assert updated.body["trangThai"] == "hoat_dong"
    assert gateway.get_organization(sample.TAX_CODE).body["ten"] == "HTX mới"


def test_tax_code_format(gateway, keys):
    assert gateway.put_organization(sample.OTHER_TAX_CODE, sample.organization(), keys()).ok
    for wrong in ("030123456", "03012345678", "0301234567-01", "03012345AB"):
        result = gateway.put_organization(wrong, sample.organization(), keys())
        assert result.status == 422, wrong
        assert result.outcome is Outcome.REJECTED
        assert "maSoThue" in result.errors


def test_incomplete_organization_lists_every_field(gateway, keys):
    result = gateway.put_organization(
        sample.TAX_CODE, {"ten": "", "gln": "8938500001001", "maDoanhNghiepGS1": "8938500"},
        keys())
    assert result.status == 422
    assert set(result.errors) == {"ten", "diaChi", "tinhThanh", "gln", "maDoanhNghiepGS1"}
    assert result.body["type"].endswith("validation_failed")


def test_activating_an_unknown_organization_is_404(admin):
    assert admin.post(f"/organizations/{sample.TAX_CODE}/activate").status_code == 404


def test_unknown_organization_reads_404(gateway):
    result = gateway.get_organization(sample.TAX_CODE)
    assert result.status == 404
    assert result.outcome is Outcome.REJECTED


# --- locations -------------------------------------------------------------------------------

def test_location_needs_its_organization(gateway, keys):
    blocked = gateway.put_location(sample.FARM_GLN, sample.location(), keys())
    assert blocked.status == 409
    assert blocked.outcome is Outcome.BLOCKED
    assert blocked.code == "unknown_organization"
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    created = gateway.put_location(sample.FARM_GLN, sample.location(), keys())
    assert created.status == 201  # existing is enough: activation is not needed here
    assert created.body["gln"] == sample.FARM_GLN


def test_location_gln_check_digit_and_fields(gateway, keys):
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    wrong = gateway.put_location("8938500001001", sample.location(), keys())
    assert wrong.status == 422
    assert "gln" in wrong.errors
    incomplete = gateway.put_location(
        sample.FARM_GLN, {"maSoThue": sample.TAX_CODE, "toaDo": {"viDo": 91, "kinhDo": 0}},
        keys())
    assert set(incomplete.errors) == {"ten", "loai", "toaDo"}


# --- products --------------------------------------------------------------------------------

def test_product_blocked_until_the_organization_is_active(gateway, admin, keys):
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    blocked = gateway.put_product(sample.GTIN, sample.product(), keys())
    assert blocked.status == 409
    assert blocked.outcome is Outcome.BLOCKED
    assert blocked.code == "organization_not_active"
    assert blocked.detail
    admin.post(f"/organizations/{sample.TAX_CODE}/activate")
    created = gateway.put_product(sample.GTIN, sample.product(), keys())
    assert created.status == 201
    assert created.body["gtin"] == sample.GTIN14
    assert gateway.put_product(sample.GTIN14, sample.product(), keys()).status == 200


def test_product_of_an_unknown_organization_is_blocked(gateway, keys):
    result = gateway.put_product(sample.GTIN, sample.product(), keys())
    assert result.code == "unknown_organization"
    assert result.outcome is Outcome.BLOCKED


def test_organizations_activate_themselves_after_the_configured_delay(gateway, admin, keys):
    admin.post("/config", json={"auto_activate_after": 0.3})
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    assert gateway.put_product(sample.GTIN, sample.product(), keys()).code == (
        "organization_not_active")
    time.sleep(0.4)
    assert admin.get("/state").json()["organizations"] == {sample.TAX_CODE: "hoat_dong"}
    assert gateway.put_product(sample.GTIN, sample.product(), keys()).status == 201


def test_incomplete_product_gets_field_errors(gateway, active_organization, keys):
    result = gateway.put_product(
        sample.GTIN, sample.product(ten=None, hinhAnh=[], khoiLuongTinh=None), keys())
    assert result.status == 422
    assert result.outcome is Outcome.REJECTED
    assert set(result.errors) == {"ten", "hinhAnh", "khoiLuongTinh"}
    assert "image" in result.errors["hinhAnh"][0]
    assert "hinhAnh" in result.message
    not_urls = gateway.put_product(sample.GTIN, sample.product(hinhAnh=["thanh-long.jpg"]),
                                   keys())
    assert set(not_urls.errors) == {"hinhAnh"}
    structured = gateway.put_product(
        sample.GTIN, sample.product(khoiLuongTinh={"giaTri": 10, "donVi": "kg"}), keys())
    assert structured.status == 201


def test_product_gtin_check_digit(gateway, active_organization, keys):
    result = gateway.put_product("8938500000011", sample.product(), keys())
    assert result.status == 422
    assert "gtin" in result.errors


# --- lots ------------------------------------------------------------------------------------

def test_lot_needs_its_product_first(gateway, active_organization, keys):
    blocked = gateway.put_lot(sample.GTIN, sample.LOT, sample.lot(glnSanXuat=None), keys())
    assert blocked.status == 409
    assert blocked.code == "unknown_product"
    assert blocked.outcome is Outcome.BLOCKED


def test_lot_production_site_must_be_known(gateway, active_organization, keys):
    assert gateway.put_product(sample.GTIN, sample.product(), keys()).ok
    blocked = gateway.put_lot(sample.GTIN, sample.LOT, sample.lot(), keys())
    assert blocked.code == "unknown_location"
    assert blocked.outcome is Outcome.BLOCKED


def test_lot_numbers_with_reserved_characters_round_trip(gateway, held_lot, keys):
    for number in ("/A//B/", "50%OFF?x=1&y", "#1".replace("#", "+"), "a\"'<>;:_"):
        created = gateway.put_lot(sample.GTIN, number, sample.lot(), keys())
        assert created.status == 201, (number, created.message)
        assert created.body["soLo"] == number
        assert gateway.trace(sample.GTIN14, number).body["lo"]["soLo"] == number
    assert gateway.put_lot(sample.GTIN, "x" * 21, sample.lot(), keys()).status == 422
    assert gateway.put_lot(sample.GTIN, "Lô-1", sample.lot(), keys()).status == 422


def test_lot_fields(gateway, held_lot, keys):
    result = gateway.put_lot(sample.GTIN, "L2", sample.lot(nsx="2024-13-01", hsd="2023-01-01",
                                                            soLuong=-1), keys())
    assert set(result.errors) == {"nsx", "soLuong"}
    order = gateway.put_lot(sample.GTIN, "L2", sample.lot(hsd="2024-06-01"), keys())
    assert set(order.errors) == {"hsd"}
    update = gateway.put_lot(sample.GTIN, sample.LOT, sample.lot(soLuong=80), keys())
    assert update.status == 200
    assert update.body["soLuong"] == 80


# --- events ----------------------------------------------------------------------------------

def test_events_naming_an_unsent_lot_are_blocked_and_nothing_is_kept(gateway, held_lot, admin,
                                                                     keys):
    document = sample.epcis_document(
        sample.object_event("urn:uuid:1", [sample.digital_link()]),
        sample.object_event("urn:uuid:2", [sample.digital_link(lot_number="NOT-SENT")]),
    )
    result = gateway.post_events(document, keys())
    assert result.status == 409
    assert result.outcome is Outcome.BLOCKED
    assert result.code == "unknown_lot"
    assert result.body["lots"] == [{"gtin": sample.GTIN14, "soLo": "NOT-SENT"}]
    assert admin.get("/state").json()["counts"]["events"] == 0


def test_events_are_accepted_then_deduplicated_by_event_id(gateway, held_lot, admin, keys):
    first = sample.object_event("urn:uuid:1", [sample.digital_link()])
    second = sample.object_event("urn:uuid:2", [sample.digital_link()], biz_step="shipping")
    accepted = gateway.post_events(sample.epcis_document(first, second), keys())
    assert accepted.status == 202
    assert (accepted.body["accepted"], accepted.body["duplicates"]) == (2, 0)
    again = gateway.post_events(sample.epcis_document(second, first, first), keys())
    assert again.status == 202
    assert (again.body["accepted"], again.body["duplicates"]) == (0, 3)
    state = admin.get("/state").json()
    assert state["counts"]["events"] == 2
    assert state["duplicates"]["events"] == 3
    assert [key for kind, key in _log(admin) if kind == "event"] == ["urn:uuid:1", "urn:uuid:2"]


def test_lots_are_found_in_every_list_and_in_both_identifier_forms(gateway, held_lot, keys):
    urn_lot = "urn:epc:class:lgtin:8938500.000001.L2024%2F07-A"
    transformation = {
        "type": "TransformationEvent", "eventID": "urn:uuid:t", "eventTimeZoneOffset": "+07:00",
        "eventTime": "2024-07-03T08:00:00+07:00",
        "inputQuantityList": [{"epcClass": urn_lot, "quantity": 10, "uom": "KGM"}],
        "outputEPCList": ["https://id.example.vn/01/08938500000027/10/OUT-1"],
    }
    result = gateway.post_events(sample.epcis_document(transformation), keys())
    assert result.code == "unknown_lot"
    assert result.body["lots"] == [{"gtin": "08938500000027", "soLo": "OUT-1"}]
    aggregation = {
        "type": "AggregationEvent", "eventID": "urn:uuid:a", "action": "ADD",
        "eventTime": "2024-07-03T09:00:00Z", "eventTimeZoneOffset": "+00:00",
        "parentID": "urn:epc:id:sscc:8938500.0000000001",
        "childQuantityList": [{"epcClass": urn_lot, "quantity": 2}],
        "childEPCs": ["urn:epc:id:sgtin:8938500.000001.7"],
    }
    accepted = gateway.post_events(sample.epcis_document(aggregation), keys())
    assert accepted.body["accepted"] == 1
    trace = gateway.trace(sample.GTIN, sample.LOT)
    assert [event["eventID"] for event in trace.body["suKien"]] == ["urn:uuid:a"]


def test_invalid_epcis_documents_get_field_errors(gateway, keys):
    result = gateway.post_events({"type": "EPCISDocument", "epcisBody": {"eventList": [
        {"type": "ObjectEvent", "eventTime": "yesterday", "action": "MOVE"}, "text"]}}, keys())
    assert result.status == 422
    assert set(result.errors) == {
        "epcisBody.eventList[0].eventID", "epcisBody.eventList[0].eventTime",
        "epcisBody.eventList[0].eventTimeZoneOffset", "epcisBody.eventList[0].action",
        "epcisBody.eventList[1]",
    }
    assert gateway.post_events({"type": "Nope"}, keys()).status == 422
    assert gateway.post_events([1, 2], keys()).status == 400


# --- certificates and recalls ----------------------------------------------------------------

def test_certificates_name_known_records(gateway, active_organization, keys):
    number = "123/2024/CN-VietGAP"
    blocked = gateway.put_certificate(number, sample.certificate(), keys())
    assert blocked.code == "unknown_product"
    assert blocked.outcome is Outcome.BLOCKED
    assert gateway.put_product(sample.GTIN, sample.product(), keys()).ok
    created = gateway.put_certificate(number, sample.certificate(), keys())
    assert created.status == 201
    assert created.body["soChungNhan"] == number
    assert gateway.put_certificate(number, sample.certificate(noiCap="Bộ NN"), keys()).status == 200
    invalid = gateway.put_certificate("X", sample.certificate(
        phamVi={}, ngayCap="2024-01-10", ngayHetHan="2023-01-01"), keys())
    assert set(invalid.errors) == {"phamVi", "ngayHetHan"}


def test_recall_needs_the_lot_and_shows_in_the_trace(gateway, held_lot, keys):
    unknown = gateway.post_recall(sample.recall(soLo="NOT-SENT"), keys())
    assert unknown.code == "unknown_lot"
    assert unknown.outcome is Outcome.BLOCKED
    incomplete = gateway.post_recall({"gtin": sample.GTIN, "soLo": sample.LOT, "ngay": "x"},
                                     keys())
    assert set(incomplete.errors) == {"lyDo", "mucDo", "ngay"}
    created = gateway.post_recall(sample.recall(), keys())
    assert created.status == 201
    recalls = gateway.trace(sample.GTIN, sample.LOT).body["thuHoi"]
    assert [recall["lyDo"] for recall in recalls] == [sample.recall()["lyDo"]]


# --- reads -----------------------------------------------------------------------------------

def test_trace_is_the_public_view_of_a_lot(gateway, held_lot, raw, keys):
    later = sample.object_event("urn:uuid:2", [sample.digital_link()], biz_step="shipping",
                                time="2024-07-05T08:00:00+07:00")
    earlier = sample.object_event("urn:uuid:1", [sample.digital_link()],
                                  time="2024-07-02T01:00:00Z")
    assert gateway.post_events(sample.epcis_document(later, earlier), keys()).ok
    assert gateway.put_certificate("CN-1", sample.certificate(), keys()).ok
    assert gateway.post_recall(sample.recall(), keys()).ok
    answer = raw.get(f"/trace/01/{sample.GTIN14}/10/L2024%2F07-A")  # no token: public
    assert answer.status_code == 200
    view = answer.json()
    assert view["sanPham"]["ten"] == sample.product()["ten"]
    assert view["toChuc"]["maSoThue"] == sample.TAX_CODE
    assert view["lo"]["soLo"] == sample.LOT
    assert [event["eventID"] for event in view["suKien"]] == ["urn:uuid:1", "urn:uuid:2"]
    assert len(view["thuHoi"]) == 1
    assert [c["soChungNhan"] for c in view["chungNhan"]] == ["CN-1"]
    missing = gateway.trace(sample.GTIN, "NOPE")
    assert missing.status == 404
    assert missing.outcome is Outcome.REJECTED


def test_reconciliation_lists_lots_by_organization_and_since_across_pages(gateway, held_lot,
                                                                          keys):
    for number in ("L-1", "L-2", "L-3", "L-4"):
        assert gateway.put_lot(sample.GTIN, number, sample.lot(), keys()).ok
    everything = gateway.list_lots(sample.TAX_CODE, page_size=2)
    assert everything.ok
    numbers = [item["soLo"] for item in everything.body["items"]]
    assert numbers == [sample.LOT, "L-1", "L-2", "L-3", "L-4"]
    assert everything.body["items"][0]["maSoThue"] == sample.TAX_CODE
    assert everything.body["items"][0]["soSuKien"] == 0
    moment = everything.body["items"][-1]["capNhatLuc"]
    time.sleep(0.01)
    assert gateway.put_lot(sample.GTIN, "L-1", sample.lot(soLuong=5), keys()).ok
    changed = gateway.list_lots(sample.TAX_CODE, since=moment)
    assert [item["soLo"] for item in changed.body["items"]] == ["L-4", "L-1"]
    assert gateway.list_lots(sample.OTHER_TAX_CODE).body == {"items": []}


def test_reconciliation_counts_events_and_recalls(gateway, held_lot, keys):
    event = sample.object_event("urn:uuid:1", [sample.digital_link()])
    assert gateway.post_events(sample.epcis_document(event), keys()).ok
    assert gateway.post_recall(sample.recall(), keys()).ok
    [item] = gateway.list_lots().body["items"]
    assert (item["soSuKien"], item["soThuHoi"]) == (1, 1)


def test_reconciliation_query_is_checked(raw, token):
    answer = raw.get("/lots", params={"since": "last week", "limit": "0", "maSoThue": "1"},
                     headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"since", "limit", "maSoThue"}


def test_the_applied_log_follows_dependency_order(gateway, held_lot, admin, keys):
    event = sample.object_event("urn:uuid:1", [sample.digital_link()])
    assert gateway.post_events(sample.epcis_document(event), keys()).ok
    assert gateway.post_recall(sample.recall(), keys()).ok
    assert _log(admin) == [
        ("organization", sample.TAX_CODE), ("location", sample.FARM_GLN),
        ("product", sample.GTIN14), ("lot", f"{sample.GTIN14}/{sample.LOT}"),
        ("event", "urn:uuid:1"), ("recall", f"{sample.GTIN14}/{sample.LOT}"),
    ]
    entries = admin.get("/state", params={"log_after": 4}).json()["applied_log"]
    assert [entry["seq"] for entry in entries] == [5, 6]


def test_records_are_readable_by_kind(gateway, held_lot, admin):
    products = admin.get("/records/products").json()["items"]
    assert [product["gtin"] for product in products] == [sample.GTIN14]
    assert admin.get("/records/nothing").status_code == 404


def test_unknown_routes_and_methods_are_problems(raw, token):
    headers = {"Authorization": f"Bearer {token}"}
    assert raw.get("/nowhere", headers=headers).headers["Content-Type"].startswith(
        "application/problem+json")
    assert raw.delete("/lots", headers=headers).status_code == 405
