"""A farm → processor → retailer world, built through the API, and JSON-LD event builders."""

import pytest

from tests import factories
from traceability import gs1

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
           {"ex": "https://example.vn/epcis/"}]
OFFSET = "+07:00"


def with_check_digit(body: str) -> str:
    return body + str(gs1.check_digit(body))


FARM_GLN = with_check_digit("893000100000")  # organization A (party GLN)
FARM_FIELD_GLN = with_check_digit("893000100010")  # A's growing area
PROCESSOR_GLN = with_check_digit("893000200000")  # organization B
FACTORY_GLN = with_check_digit("893000200010")  # B's packing house
SHOP_GLN = with_check_digit("893000300010")  # C's shop (C itself has no GLN)
OUTSIDER_GLN = with_check_digit("893000400000")  # organization D, unrelated
SHALLOT_GTIN = "0" + with_check_digit("893000100001")
PACKED_GTIN = "0" + with_check_digit("893000200001")


def lot_link(gtin: str, lot: str, domain: str = "https://id.example.vn") -> str:
    return f"{domain}/01/{gtin}/10/{lot}"


def lgtin(gtin: str, lot: str, prefix_length: int = 7) -> str:
    return gs1.elements_to_epc_uri([("01", gtin), ("10", lot)], prefix_length)


def party(gln: str, kind: str = "owning_party", role: str = "source") -> dict:
    ai = "414" if kind == "location" else "417"
    return {"type": kind, role: f"https://id.gs1.org/{ai}/{gln}"}


def place(gln: str) -> dict:
    return {"id": f"https://id.gs1.org/414/{gln}"}


def object_event(time: str, biz_step: str, quantities=(), *, action="OBSERVE", location=None,
                 sources=(), destinations=(), disposition=None, epcs=(), **extra) -> dict:
    event = {"@context": CONTEXT, "type": "ObjectEvent", "eventTime": f"{time}{OFFSET}",
             "eventTimeZoneOffset": OFFSET, "action": action, "bizStep": biz_step}
    if epcs:
        event["epcList"] = list(epcs)
    if quantities:
        event["quantityList"] = [quantity(*q) for q in quantities]
    if disposition:
        event["disposition"] = disposition
    if location:
        event["readPoint"] = place(location)
        event["bizLocation"] = place(location)
    if sources:
        event["sourceList"] = list(sources)
    if destinations:
        event["destinationList"] = list(destinations)
    event.update(extra)
    return event


def quantity(epc_class: str, amount=None, uom=None) -> dict:
    item = {"epcClass": epc_class}
    if amount is not None:
        item["quantity"] = amount
    if uom is not None:
        item["uom"] = uom
    return item


def transformation_event(time: str, inputs, outputs, *, location=None, **extra) -> dict:
    event = {"@context": CONTEXT, "type": "TransformationEvent", "eventTime": f"{time}{OFFSET}",
             "eventTimeZoneOffset": OFFSET,
             "inputQuantityList": [quantity(*q) for q in inputs],
             "outputQuantityList": [quantity(*q) for q in outputs],
             "bizStep": "commissioning", "disposition": "active"}
    if location:
        event["bizLocation"] = place(location)
    event.update(extra)
    return event


def document(*events) -> dict:
    body = []
    for event in events:
        event = dict(event)
        event.pop("@context", None)
        body.append(event)
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-05-01T00:00:00Z", "epcisBody": {"eventList": body}}


def post_event(client, headers, event, status=201):
    response = client.post("/api/v1/events", json=event, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def _location(client, headers, name, kind, gln):
    response = client.post("/api/v1/locations", headers=headers, json={
        "name": name, "type": kind, "gln": gln, "address": f"Địa chỉ {name}"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _product(client, headers, gtin, name, unit="kg"):
    response = client.post("/api/v1/products", headers=headers, json={
        "gtin": gtin, "name": name, "unit": unit, "sector": "fresh_produce",
        "safety_warnings": "Rửa sạch trước khi dùng."})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _batch(client, headers, product_id, lot, location_id, quantity="1000"):
    response = client.post("/api/v1/batches", headers=headers, json={
        "product_id": product_id, "lot": lot, "production_date": "2026-04-01",
        "expiry_date": "2026-06-01", "quantity": quantity, "unit": "kg",
        "location_id": location_id})
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def world(app, client):
    """Farm A (lots F1, F2), processor B (lot P1), retailer C (a shop), outsider D."""
    farm = factories.organization(name="HTX Hành tím Vĩnh Châu", tax_code="2200123456",
                                  prefixes=("8930001",), gln=FARM_GLN,
                                  contact_email="htx@example.vn", phone="0299 123 456")
    processor = factories.organization(name="Công ty Chế biến Mekong", tax_code="1800654321",
                                       prefixes=("8930002",), gln=PROCESSOR_GLN,
                                       province="Cần Thơ", kind="enterprise",
                                       contact_email="qa@mekong.example.vn",
                                       phone="0292 555 000")
    retailer = factories.organization(name="Siêu thị Xanh", tax_code="0301112223",
                                      prefixes=("8930003",), province="TP Hồ Chí Minh",
                                      kind="enterprise", contact_email="kho@xanh.example.vn",
                                      phone="028 3999 1111")
    outsider = factories.organization(name="Vựa trái cây Bến Tre", tax_code="1300999888",
                                      prefixes=("8930004",), gln=OUTSIDER_GLN,
                                      province="Bến Tre", kind="household")
    _, a = factories.user_with_key("a@example.vn", "business", organization_id=farm.id)
    _, b = factories.user_with_key("b@example.vn", "business", organization_id=processor.id)
    _, c = factories.user_with_key("c@example.vn", "business", organization_id=retailer.id)
    _, d = factories.user_with_key("d@example.vn", "business", organization_id=outsider.id)
    _, inspector = factories.user_with_key("inspector@example.vn", "inspector")
    _, admin = factories.user_with_key("admin@example.vn", "admin")
    field_id = _location(client, a, "Vùng trồng Vĩnh Hiệp", "growing_area", FARM_FIELD_GLN)
    factory_id = _location(client, b, "Xưởng đóng gói Trà Nóc", "packing_house", FACTORY_GLN)
    shop_id = _location(client, c, "Cửa hàng Xanh Quận 3", "shop", SHOP_GLN)
    shallot = _product(client, a, SHALLOT_GTIN, "Hành tím Vĩnh Châu")
    packed = _product(client, b, PACKED_GTIN, "Hành tím sấy đóng túi")
    return {
        "orgs": {"A": farm.id, "B": processor.id, "C": retailer.id, "D": outsider.id},
        "a": a, "b": b, "c": c, "d": d, "inspector": inspector, "admin": admin,
        "locations": {"field": field_id, "factory": factory_id, "shop": shop_id},
        "F1": _batch(client, a, shallot, "F1", field_id),
        "F2": _batch(client, a, shallot, "F2", field_id),
        "P1": _batch(client, b, packed, "P1", factory_id, quantity="950"),
    }


def build_chain(client, world) -> dict:
    """Harvest F1, F2 at A; ship to B; B receives and makes P1; C receives P1 from B."""
    f1, f2 = lot_link(SHALLOT_GTIN, "F1"), lgtin(SHALLOT_GTIN, "F2")
    p1 = lot_link(PACKED_GTIN, "P1", domain="https://brand.example.com")
    ids = {}
    ids["harvest"] = post_event(client, world["a"], object_event(
        "2026-04-01T07:00:00", "commissioning", [(f1, 600, "KGM"), (f2, 400, "KGM")],
        action="ADD", location=FARM_FIELD_GLN, disposition="active"))
    ids["ship_a"] = post_event(client, world["a"], object_event(
        "2026-04-02T06:00:00", "shipping", [(f1, 600, "KGM"), (f2, 400, "KGM")],
        location=FARM_FIELD_GLN, disposition="in_transit",
        sources=[party(FARM_GLN)], destinations=[party(PROCESSOR_GLN, role="destination")]))
    ids["receive_b"] = post_event(client, world["b"], object_event(
        "2026-04-02T14:00:00", "receiving", [(f1, 600, "KGM"), (f2, 400, "KGM")],
        location=FACTORY_GLN, disposition="in_progress",
        sources=[party(FARM_GLN)], destinations=[party(PROCESSOR_GLN, role="destination")]))
    ids["transform"] = post_event(client, world["b"], transformation_event(
        "2026-04-03T09:00:00", [(f1, 600, "KGM"), (f2, 400, "KGM")], [(p1, 950, "KGM")],
        location=FACTORY_GLN))
    ids["receive_c"] = post_event(client, world["c"], object_event(
        "2026-04-05T10:00:00", "receiving", [(p1, 950, "KGM")], location=SHOP_GLN,
        sources=[party(PROCESSOR_GLN)],
        destinations=[party(SHOP_GLN, "location", role="destination")]))
    return ids
