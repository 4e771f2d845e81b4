"""Issue 8's end-to-end check through the API: a three-tier chain; the inspector scans the
retailer's raw GS1-128 string and sees the farm one step back; a recall of the farm lot lists
the processor and the retailer, recalls what was made from it (so every consumer page in the
chain shows it), queues gateway messages, notifies and is in the audit log."""

import importlib.util

from sqlalchemy import select

from tests.events.conftest import PACKED_GTIN, build_chain, world  # noqa: F401 - fixture
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.oversight.audit import AuditEntry, verify_chain
from traceability.oversight.models import RecallNotice
from traceability.registry.models import Batch

GS = "\x1d"


def test_scan_trace_and_recall_through_the_chain(client, world):  # noqa: F811
    build_chain(client, world)
    inspector = world["inspector"]
    gtin14 = PACKED_GTIN.zfill(14)
    scanned = f"]C101{gtin14}10P1"  # what a handheld GS1-128 scanner sends for the shop's lot
    trace = client.get("/api/v1/trace", query_string={"code": scanned}, headers=inspector)
    assert trace.status_code == 200, trace.json
    assert trace.json["batch"]["lot"] == "P1"
    back = {(item["relation"], item["organization"]["name"])
            for item in trace.json["one_step_back"] if item["organization"]}
    assert ("transformed_from", "HTX Hành tím Vĩnh Châu") in back
    assert [stage["biz_step"] for stage in trace.json["journey"]]

    recalled = client.post(f"/api/v1/batches/{world['F1']}/recall", headers=inspector,
                           json={"reason": "Dư lượng thuốc BVTV vượt MRL", "level": "1"})
    assert recalled.status_code == 200, recalled.json
    affected = {item["organization"]["name"] for item in recalled.json["affected"]
                if item["organization"]}
    assert {"Công ty Chế biến Mekong", "Siêu thị Xanh"} <= affected
    notified = {n["organization"]["name"] for n in recalled.json["notices"]}
    assert {"Công ty Chế biến Mekong", "Siêu thị Xanh"} <= notified

    # What was made from F1 is recalled too, so the shop's scan shows it.
    assert db.session.get(Batch, world["P1"]).status == "recalled"
    assert db.session.get(Batch, world["F2"]).status == "active"
    if importlib.util.find_spec("traceability.resolver.views") is not None:
        resolved = client.get(f"/01/{gtin14}/10/P1", headers={"Accept": "text/html"})
        assert resolved.status_code == 307
        page = client.get(resolved.headers["Location"].replace("https://id.example.vn", ""))
        assert page.status_code == 200
        assert "thu hồi" in page.get_data(as_text=True).lower()

    recalls = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "recall")).all()
    assert {m.payload["soLo"] for m in recalls} == {"F1", "P1"}
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "batch.recall" in actions
    assert verify_chain().ok
    assert db.session.scalars(select(RecallNotice)).all()

    # A business acknowledges its notice.
    notice = db.session.scalar(select(RecallNotice).join(RecallNotice.organization)
                               .where(RecallNotice.organization_id == world["orgs"]["C"]))
    ack = client.post(f"/api/v1/recall-notices/{notice.id}/acknowledge", headers=world["c"])
    assert ack.status_code == 200 and ack.json["acknowledged_at"]
    report = client.get(f"/api/v1/batches/{world['F1']}/recall-report", headers=inspector).json
    assert report["acknowledged"] == 1
