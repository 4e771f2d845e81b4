"""Recorded events reach the national gateway (the simulator, over HTTP) after their lots."""

import time

from sqlalchemy import select

from tests import factories
from tests.events.conftest import with_check_digit
from tests.gateway import conftest as gateway_fixtures
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.gateway.worker import SyncWorker

# The gateway tests' simulator fixtures, shared rather than copied.
simulator_database = gateway_fixtures.simulator_database
running_simulator = gateway_fixtures.running_simulator
simulator = gateway_fixtures.simulator
simulator_admin = gateway_fixtures.admin

GTIN = "0" + with_check_digit("893000100001")


def _drain(app, seconds=20.0):
    worker = SyncWorker(app, backoff_base=0.01, backoff_cap=0.05, poll_interval=0.01)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run(until_idle=True)
        db.session.expire_all()
        if not db.session.scalar(select(OutboxMessage.id).where(
                OutboxMessage.state == "pending").limit(1)):
            return
        time.sleep(0.02)


def test_a_stage_is_delivered_after_its_lot(app, client, simulator, simulator_admin):
    app.config["GATEWAY_URL"] = simulator.url
    try:
        simulator_admin.post("/config", json={"auto_activate_after": 0})
        _, admin = factories.user_with_key("admin@example.vn", "admin")
        org = client.post("/api/v1/organizations", headers=admin, json={
            "name": "HTX Vĩnh Châu", "tax_code": "2200123456", "kind": "cooperative",
            "address": "Vĩnh Châu", "province": "Sóc Trăng",
            "gs1_company_prefixes": ["8930001"]}).json
        location = client.post("/api/v1/locations", headers=admin, json={
            "organization_id": org["id"], "name": "Vùng trồng", "type": "growing_area",
            "gln": with_check_digit("893000100010")}).json
        product = client.post("/api/v1/products", headers=admin, json={
            "organization_id": org["id"], "gtin": GTIN, "name": "Hành tím", "unit": "kg",
            "net_content": "1", "image_urls": ["https://img.example.vn/h.jpg"]}).json
        batch = client.post("/api/v1/batches", headers=admin, json={
            "product_id": product["id"], "lot": "VC/01", "location_id": location["id"],
            "production_date": "2026-04-01", "quantity": "100", "unit": "kg"}).json
        _, farmer = factories.user_with_key("farmer@example.vn", "business",
                                            organization_id=org["id"])
        recorded = client.post(f"/api/v1/batches/{batch['id']}/stages", headers=farmer, json={
            "template": "fresh_produce", "stage": "harvesting",
            "event_time": "2026-04-01T07:00:00+07:00", "fields": {"quantity": 100}})
        assert recorded.status_code == 201, recorded.json
        _drain(app)
        states = dict(db.session.execute(select(OutboxMessage.kind, OutboxMessage.state)).all())
        assert states == {"organization": "sent", "location": "sent", "product": "sent",
                          "batch": "sent", "events": "sent"}
        (event,) = simulator_admin.get("/records/events").json()["items"]
        assert event["eventID"] == recorded.json["event_id"]
        log = [entry["kind"] for entry in simulator_admin.get("/state").json()["applied_log"]]
        assert log.index("lot") < log.index("event")
    finally:
        app.config["GATEWAY_URL"] = "http://127.0.0.1:5001"
