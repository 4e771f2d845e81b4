"""The inspectors' inbox: consumer reports with triage states, and suspected copies."""

from sqlalchemy import select

from tests import factories
from tests.oversight.helpers import farm_batch
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry
from traceability.resolver.models import ConsumerReport


def _report(batch, message="Hành bị mốc, nghi hàng giả"):
    report = ConsumerReport(gtin=batch.gtin, lot=batch.lot, batch_id=batch.id,
                            product_id=batch.product_id, organization_id=batch.organization_id,
                            category="counterfeit", message=message, contact="0909 000 111")
    db.session.add(report)
    db.session.commit()
    return report


def test_reports_are_triaged_then_closed_with_a_note(app, client):
    _, _, batch = farm_batch()
    report = _report(batch)
    _, inspector = factories.user_with_key("ins@example.vn", "inspector")
    listed = client.get("/api/v1/reports", query_string={"status": "new"},
                        headers=inspector).json
    assert [r["id"] for r in listed["items"]] == [report.id]
    url = f"/api/v1/reports/{report.id}/triage"
    triaged = client.post(url, json={"status": "triaged"}, headers=inspector)
    assert triaged.status_code == 200 and triaged.json["status"] == "triaged"
    no_note = client.post(url, json={"status": "closed"}, headers=inspector)
    assert no_note.status_code == 422 and "note" in no_note.json["errors"]
    closed = client.post(url, json={"status": "closed", "note": "Đã kiểm tra: hàng thật"},
                         headers=inspector)
    assert closed.json["status"] == "closed"
    bad = client.post(url, json={"status": "triaged"}, headers=inspector)
    assert bad.status_code == 422
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_type == "consumer_report")).all()
    assert actions == ["report.triaged", "report.closed"]


def test_inbox_respects_roles_and_scope(app, client):
    org, _, batch = farm_batch()
    _report(batch)
    _, owner = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    _, elsewhere = factories.user_with_key("la@example.vn", "inspector",
                                           scope_provinces=["Long An"])
    assert client.get("/api/v1/reports", headers=owner).status_code == 403
    assert client.get("/api/v1/reports", headers=elsewhere).json["total"] == 0
    assert client.get("/api/v1/reports").status_code == 401


def test_console_inbox_page(app, client):
    from traceability.accounts import services

    _, _, batch = farm_batch()
    report = _report(batch, message="Bao bì khác mẫu đăng ký")
    services.create_user("web-ins@example.vn", "inspector", password="a long password")
    db.session.commit()
    client.post("/login", data={"email": "web-ins@example.vn", "password": "a long password"})
    page = client.get("/console/inbox")
    assert page.status_code == 200
    assert "Bao bì khác mẫu đăng ký" in page.get_data(as_text=True)
    done = client.post(f"/console/reports/{report.id}/triage", data={"status": "triaged"})
    assert done.status_code == 303
    db.session.refresh(report)
    assert report.status == "triaged"


def test_console_triage_of_a_report_outside_the_scope_is_not_found(app, client):
    from traceability.accounts import services

    _, _, batch = farm_batch()
    report = _report(batch)
    services.create_user("la@example.vn", "inspector", password="a long password",
                         scope_provinces=["Long An"])
    db.session.commit()
    client.post("/login", data={"email": "la@example.vn", "password": "a long password"})
    refused = client.post(f"/console/reports/{report.id}/triage", data={"status": "triaged"})
    assert refused.status_code == 404
    assert client.post("/console/reports/999999/triage",
                       data={"status": "triaged"}).status_code == 404
    db.session.refresh(report)
    assert report.status == "new"
