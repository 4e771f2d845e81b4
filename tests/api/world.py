"""A small world for fuzzing: one of every record the API names by id, and a key per role.

Built through the API like a business and an inspector would, plus the rows only scanning
makes (copy alerts, consumer reports) and a recall notice, written directly.
"""

from sqlalchemy import select

from tests import factories
from traceability import create_app, gs1
from traceability.accounts import services as accounts
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.labels import services as labels
from traceability.labels.models import Serial
from traceability.oversight.models import RecallNotice, StatusDecision
from traceability.resolver.models import ConsumerReport, CopyAlert

ROLES = ("business", "inspector", "admin", "anonymous")
FARM_GLN = "893000100001" + str(gs1.check_digit("893000100001"))
GTIN = "0" + "893000100002" + str(gs1.check_digit("893000100002"))
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]


def openapi_document() -> dict:
    """The OpenAPI document as the application serves it (no database needed)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "openapi", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _created(response) -> dict:
    assert response.status_code in (200, 201, 202), response.get_json()
    return response.get_json()


def build_world(app) -> dict:
    """An approved organization's records, and a neighbour's account; answers the ids to put
    in requests and each role's headers."""
    farm = factories.organization(contact_email="farm@example.vn")
    neighbour = factories.organization(name="Trang trại Long An", tax_code="1100654321",
                                       prefixes=("8930002",), province="Long An")
    headers = {"anonymous": {}}
    users = {}
    for role, organization_id in (("business", farm.id), ("inspector", None),
                                  ("admin", None)):
        users[role], headers[role] = factories.user_with_key(
            f"{role}@example.vn", role, organization_id=organization_id)
    factories.user_with_key("neighbour@example.vn", "business", organization_id=neighbour.id)
    client = app.test_client()
    owner, inspector = headers["business"], headers["inspector"]

    location = _created(client.post("/api/v1/locations", headers=owner, json={
        "name": "Vùng trồng Vĩnh Hiệp", "type": "growing_area", "gln": FARM_GLN}))
    product = _created(client.post("/api/v1/products", headers=owner, json={
        "gtin": GTIN, "name": "Hành tím", "unit": "kg", "sector": "fresh_produce",
        "image_urls": ["https://img.example.vn/h.jpg"], "shelf_life_days": 90}))
    batch = _created(client.post("/api/v1/batches", headers=owner, json={
        "product_id": product["id"], "lot": "VC26A", "production_date": "2026-04-01",
        "quantity": "1000", "unit": "kg", "location_id": location["id"]}))
    recalled = _created(client.post("/api/v1/batches", headers=owner, json={
        "product_id": product["id"], "lot": "VC26R", "production_date": "2026-04-02"}))
    certificate = _created(client.post("/api/v1/certificates", headers=owner, json={
        "type": "vietgap", "number": "VG-01", "issuer": "Trung tâm chứng nhận",
        "valid_from": "2026-01-01", "valid_until": "2028-01-01"}))
    issued = _created(client.post(f"/api/v1/batches/{batch['id']}/serials", headers=owner,
                                  json={"count": 3}))
    run, serial = issued["print_run"], issued["serials"][0]["serial"]
    job = _created(client.post(f"/api/v1/batches/{batch['id']}/label-jobs", headers=owner,
                               json={"print_run_id": run["id"]}))
    labels.run_label_job(app, job["id"])
    event = _created(client.post("/api/v1/events", headers=owner, json={
        "@context": CONTEXT, "type": "ObjectEvent", "action": "OBSERVE",
        "eventTime": "2026-04-03T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
        "bizStep": "inspecting", "readPoint": {"id": f"https://id.gs1.org/414/{FARM_GLN}"},
        "quantityList": [{"epcClass": batch["digital_link"], "quantity": 10, "uom": "KGM"}]}))
    inspection = _created(client.post("/api/v1/inspections", headers=inspector, json={
        "organization_id": farm.id, "batch_id": batch["id"], "result": "compliant"}))
    _created(client.post(f"/api/v1/batches/{recalled['id']}/recall", headers=inspector,
                         json={"reason": "Dư lượng vượt ngưỡng", "level": "2"}))

    decision = db.session.scalar(select(StatusDecision).where(
        StatusDecision.batch_id == recalled["id"]))
    notice = RecallNotice(decision_id=decision.id, organization_id=farm.id,
                          batch_id=recalled["id"], channel="email", target="farm@example.vn")
    report = ConsumerReport(gtin=GTIN, lot="VC26A", batch_id=batch["id"],
                            product_id=product["id"], organization_id=farm.id,
                            category="counterfeit", message="Nghi hàng giả")
    serial_id = db.session.scalar(select(Serial.id).where(Serial.serial == serial))
    alert = CopyAlert(serial_id=serial_id, gtin=GTIN, serial=serial, lot="VC26A",
                      batch_id=batch["id"], organization_id=farm.id, reasons=["scans"],
                      scans=40, networks=9, regions=3, window_hours=24)
    db.session.add_all([notice, report, alert])
    db.session.commit()
    message_id = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))

    base = {
        "organization_id": farm.id, "location_id": location["id"], "product_id": product["id"],
        "batch_id": batch["id"], "certificate_id": certificate["id"], "run_id": run["id"],
        "print_run": run["id"], "print_run_id": run["id"], "job_id": job["id"],
        "alert_id": alert.id, "notice_id": notice.id, "inspection_id": inspection["id"],
        "report_id": report.id, "message_id": message_id, "serial": serial,
        "event_id": event["captured"][0]["event_id"], "code": batch["digital_link"],
        "gtin": GTIN, "If-Match": "*",
    }
    ids = {}
    for role in ROLES:
        ids[role] = dict(base)
        if role in users:
            # A second key to revoke: the one the requests carry stays valid.
            spare, _ = accounts.issue_api_key(users[role], "spare")
            db.session.commit()
            ids[role]["key_id"] = spare.id
    return {"ids": ids, "headers": headers}
