"""The outbox and the sync worker against the real simulator over HTTP."""

import time
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.registry.conftest import make_gtin
from traceability.extensions import db
from traceability.gateway import outbox
from traceability.gateway.outbox import OutboxMessage
from traceability.gateway.worker import SyncWorker
from traceability.registry import services as registry

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "poll_interval": 0.01}


@pytest.fixture
def synced_app(app, simulator):
    app.config["GATEWAY_URL"] = simulator.url
    yield app
    app.config["GATEWAY_URL"] = "http://127.0.0.1:5001"


def drain(app, seconds=20.0, **options):
    """Run the worker until no message is pending (or time runs out)."""
    worker = SyncWorker(app, **{**FAST, **options})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run(until_idle=True)
        with app.app_context():
            if pending_count() == 0:
                break
        time.sleep(0.02)
    return worker


def pending_count():
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.state == "pending"))


def states():
    db.session.expire_all()
    return dict(db.session.execute(select(OutboxMessage.kind, OutboxMessage.state)
                                   .order_by(OutboxMessage.id)).all())


def build_records(admin_user, *, images=True):
    org, _ = registry.create_organization(admin_user, {
        "name": "HTX Vĩnh Châu", "tax_code": "2200123456", "kind": "cooperative",
        "address": "Vĩnh Châu", "province": "Sóc Trăng", "gs1_company_prefixes": ["8930001"]})
    location = registry.create_location(admin_user, {
        "organization_id": org.id, "name": "Vùng trồng", "type": "growing_area",
        "gln": make_gtin("893000100010"), "latitude": 9.3, "longitude": 105.9})
    product = registry.create_product(admin_user, {
        "organization_id": org.id, "gtin": make_gtin("893000100001"), "name": "Hành tím",
        "brand": "VC", "net_content": "500", "unit": "g",
        "image_urls": ["https://img.example.vn/h.jpg"] if images else []})
    batch = registry.create_batch(admin_user, {
        "product_id": product.id, "lot": "VC/01", "location_id": location.id,
        "quantity": 100, "unit": "kg", "production_date": date(2026, 3, 1)})
    db.session.commit()
    return org, location, product, batch


def test_change_and_message_are_written_together(synced_app):
    admin_user, _ = factories.user_with_key("admin@example.vn", "admin")
    build_records(admin_user)
    assert [m.kind for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            ] == ["organization", "location", "product", "batch"]
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "batch"))
    gtin14 = "0" + make_gtin("893000100001")
    assert message.path == f"/lots/{gtin14}/VC%2F01"
    assert message.payload["soLuong"] == 100
    assert {d.key for d in message.requires} == {f"product:{gtin14}",
                                                 "location:" + make_gtin("893000100010")}


def test_pending_organizations_are_not_synced(synced_app):
    registry.create_organization(None, {"name": "HKD", "tax_code": "8012345678",
                                        "kind": "household", "account_email": "x@example.vn"})
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_delivery_in_order_after_activation(synced_app, admin):
    admin_user, _ = factories.user_with_key("admin@example.vn", "admin")
    build_records(admin_user)
    drain(synced_app, seconds=2)
    # The gateway holds the organization, but not yet activated: products wait, not lost.
    current = states()
    assert current["organization"] == "sent"
    assert current["product"] == "pending" and current["batch"] == "pending"
    waiting = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "product"))
    assert waiting.waits >= 1 and waiting.attempts == 0
    assert "activ" in waiting.last_error.lower()
    assert admin.post("/organizations/2200123456/activate").status_code == 200
    db.session.execute(OutboxMessage.__table__.update().values(next_attempt_at=outbox.utcnow()))
    db.session.commit()
    drain(synced_app)
    assert set(states().values()) == {"sent"}
    log = admin.get("/state").json()["applied_log"]
    kinds = [entry["kind"] for entry in log]
    assert kinds.index("organization") < kinds.index("product") < kinds.index("lot")
    assert kinds.index("location") < kinds.index("lot")


def test_rejection_is_shown_and_fix_goes_through(synced_app, admin, client):
    admin_user, admin_headers = factories.user_with_key("admin@example.vn", "admin")
    org, _, product, _ = build_records(admin_user, images=False)
    admin.post("/config", json={"auto_activate_after": 0})
    drain(synced_app, seconds=3)
    rejected = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "product"))
    assert rejected.state == "rejected"
    assert "hinhAnh" in rejected.last_error
    # The lot waits behind its rejected product instead of failing at the gateway.
    assert db.session.scalar(select(OutboxMessage.state).where(
        OutboxMessage.kind == "batch")) == "pending"
    _, business = factories.user_with_key("owner@example.vn", "business",
                                           organization_id=org.id)
    seen = client.get("/api/v1/gateway/messages", query_string={"state": "rejected"},
                      headers=business).json
    assert seen["total"] == 1 and "hinhAnh" in seen["items"][0]["last_error"]

    registry.update_product(admin_user, product.id,
                            {"image_urls": ["https://img.example.vn/fixed.jpg"]})
    db.session.commit()
    drain(synced_app)
    db.session.expire_all()
    by_state = dict(db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
    assert by_state == {"sent": 4, "superseded": 1}
    held = admin.get("/records/products").json()["items"]
    assert held[0]["hinhAnh"] == ["https://img.example.vn/fixed.jpg"]


def test_transient_faults_are_retried_and_applied_once(synced_app, admin):
    admin_user, _ = factories.user_with_key("admin@example.vn", "admin")
    org, *_ = build_records(admin_user)
    admin.post("/config", json={"auto_activate_after": 0})
    admin.post("/faults", json={"error_5xx": 0.3, "rate_429": 0.2, "retry_after": 0,
                                "drop": 0.1})
    drain(synced_app, seconds=30)
    admin.delete("/faults")
    assert set(states().values()) == {"sent"}
    state = admin.get("/state").json()
    keys = [(entry["kind"], entry["key"]) for entry in state["applied_log"]]
    assert len(keys) == len(set(keys)) == 4


def test_dead_after_bounded_attempts_then_requeue(synced_app, admin, client):
    admin_user, admin_headers = factories.user_with_key("admin@example.vn", "admin")
    registry.create_organization(admin_user, {
        "name": "HTX", "tax_code": "2200123456", "kind": "cooperative", "address": "x",
        "province": "Sóc Trăng"})
    db.session.commit()
    admin.post("/faults", json={"down": True, "down_retry_after": 0})
    drain(synced_app, seconds=2, max_attempts=3)
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.state == "dead" and message.attempts == 3
    status = client.get("/api/v1/gateway/status", headers=admin_headers).json
    assert status["dead"] == 1 and status["last_error"]["status"] == 503
    admin.delete("/faults")
    requeued = client.post(f"/api/v1/gateway/messages/{message.id}/retry", headers=admin_headers)
    assert requeued.status_code == 200 and requeued.json["state"] == "pending"
    drain(synced_app)
    assert states() == {"organization": "sent"}


def test_dry_run_sends_nothing(synced_app, admin):
    admin_user, _ = factories.user_with_key("admin@example.vn", "admin")
    build_records(admin_user)
    drain(synced_app, dry_run=True)
    assert set(states().values()) == {"sent"}
    assert all(m.dry_run for m in db.session.scalars(select(OutboxMessage)))
    assert admin.get("/state").json()["applied_log"] == []


def test_reconcile_requeues_what_the_gateway_lacks(synced_app, admin, runner):
    admin_user, _ = factories.user_with_key("admin@example.vn", "admin")
    build_records(admin_user)
    admin.post("/config", json={"auto_activate_after": 0})
    drain(synced_app)
    assert set(states().values()) == {"sent"}
    admin.post("/reset")  # the gateway lost everything
    admin.post("/config", json={"auto_activate_after": 0})
    result = runner.invoke(args=["gateway", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 missing at the gateway, 1 queued again" in result.output
    drain(synced_app)
    lots = admin.get("/records/lots").json()["items"]
    assert len(lots) == 1


def test_gateway_status_needs_staff(client, synced_app):
    _, business = factories.user_with_key(
        "b@example.vn", "business", organization_id=factories.organization().id)
    assert client.get("/api/v1/gateway/status", headers=business).status_code == 403
    assert client.get("/api/v1/gateway/status").status_code == 401


def test_a_waiting_chain_does_not_hold_back_others(app):
    """Only a message's own prerequisites and older messages of its resource make it wait."""
    outbox.enqueue("organization", 1, 1, "PUT", "/organizations/a", {}, "organization:a", [])
    outbox.enqueue("product", 2, 1, "PUT", "/products/p", {}, "product:p", ["organization:a"])
    outbox.enqueue("batch", 3, 1, "PUT", "/lots/p/1", {}, "lot:p/1", ["product:p"])
    outbox.enqueue("organization", 4, 2, "PUT", "/organizations/b", {}, "organization:b", [])
    outbox.enqueue("location", 5, 2, "PUT", "/locations/g", {}, "location:g", ["organization:b"])
    db.session.commit()
    ids = {m.id: m.resource_key for m in db.session.scalars(select(OutboxMessage))}
    claimed = outbox.claim_due("w1", limit=10)
    db.session.commit()
    assert sorted(ids[i] for i in claimed) == ["organization:a", "organization:b"]
    # A second worker finds nothing more to take while those are leased.
    assert outbox.claim_due("w2", limit=10) == []
    db.session.rollback()


def test_newer_message_supersedes_undelivered_older(app):
    first = outbox.enqueue("product", 1, 1, "PUT", "/products/p", {"v": 1}, "product:p", [])
    db.session.commit()
    second = outbox.enqueue("product", 1, 1, "PUT", "/products/p", {"v": 2}, "product:p", [])
    db.session.commit()
    db.session.refresh(first)
    assert first.state == "superseded" and second.state == "pending"
    assert outbox.sync_state("product", 1)["message_id"] == second.id


def test_business_sees_sync_state_of_its_records(synced_app, client):
    admin_user, _ = factories.user_with_key("admin@example.vn", "admin")
    org, _, product, batch = build_records(admin_user)
    _, owner = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    state = client.get("/api/v1/gateway/sync-state", query_string={"kind": "batch",
                                                                   "id": batch.id},
                       headers=owner).json
    assert state["state"] == "pending"
    other = factories.organization(tax_code="1100654321", prefixes=("8930002",))
    _, stranger = factories.user_with_key("x@example.vn", "business", organization_id=other.id)
    assert client.get("/api/v1/gateway/sync-state", query_string={
        "kind": "product", "id": product.id}, headers=stranger).status_code == 404
    assert client.get("/api/v1/gateway/sync-state", query_string={
        "kind": "spaceship", "id": 1}, headers=owner).status_code == 422
