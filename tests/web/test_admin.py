"""Administration: approve or reject businesses, manage inspectors, read the audit log,
watch and requeue gateway messages."""

from tests import factories
from tests.web.conftest import sign_in
from tests.web.helpers import field_error, field_value, text_of
from traceability.accounts.models import User
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.oversight.audit import AuditEntry
from traceability.registry.models import Organization


def _pending(**extra):
    return factories.organization(name="HTX Mới", tax_code="3300111222", status="pending",
                                  prefixes=("8930003",), **extra)


def test_pending_registrations_are_listed_and_approved(admin):
    org = _pending()
    listing = text_of(admin.get("/admin/organizations"))
    assert "HTX Mới" in listing and "Đang chờ phê duyệt" in listing
    assert "HTX Hành tím" not in listing  # approved ones are not in the default list
    response = admin.post(f"/admin/organizations/{org.id}", data={"decision": "approved"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "approved"
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "organization.approve")) is not None
    assert db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.kind == "organization", OutboxMessage.entity_id == str(org.id)))


def test_rejection_needs_a_reason_shown_to_the_business(admin, client):
    org = _pending()
    response = admin.post(f"/admin/organizations/{org.id}", data={"decision": "rejected",
                                                                  "reason": ""})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "reason") == (
        "Ghi rõ lý do để doanh nghiệp sửa lại.")
    response = admin.post(f"/admin/organizations/{org.id}", data={
        "decision": "rejected", "reason": "Mã số thuế không khớp giấy phép"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status_reason == "Mã số thuế không khớp giấy phép"


def test_inspector_created_with_a_scope_and_switched_off(admin, client):
    bad = admin.post("/admin/inspectors/new", data={"email": "không hợp lệ",
                                                     "provinces": "Long An"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert field_error(page, "email") == "Nhập một địa chỉ email hợp lệ."
    assert field_value(page, "provinces") == "Long An"
    created = admin.post("/admin/inspectors/new", data={
        "email": "kt.longan@example.vn", "name": "Nguyễn Văn A",
        "provinces": "Long An\nTiền Giang", "password": "mật khẩu đủ dài"})
    assert created.status_code == 303
    user = db.session.scalar(db.select(User).where(User.email == "kt.longan@example.vn"))
    assert user.role == "inspector" and user.provinces == ["Long An", "Tiền Giang"]
    duplicate = admin.post("/admin/inspectors/new", data={"email": "kt.longan@example.vn"})
    assert duplicate.status_code == 409
    assert "Đã có tài khoản" in field_error(duplicate.get_data(as_text=True), "email")
    edited = admin.post(f"/admin/inspectors/{user.id}", data={"name": "Nguyễn Văn B",
                                                                "provinces": ""})
    assert edited.status_code == 303
    db.session.expire_all()
    assert user.name == "Nguyễn Văn B" and user.provinces == []
    off = admin.post(f"/admin/inspectors/{user.id}/active")
    assert off.status_code == 303
    db.session.expire_all()
    assert user.active is False
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.deactivate"))
    other = client.application.test_client()
    refused = other.post("/login", data={"email": "kt.longan@example.vn",
                                         "password": "mật khẩu đủ dài"})
    assert refused.status_code == 401


def test_only_inspectors_are_managed_here(admin):
    business = db.session.scalar(db.select(User).where(User.role == "business"))
    assert admin.get(f"/admin/inspectors/{business.id}").status_code == 404
    assert admin.post(f"/admin/inspectors/{business.id}/active").status_code == 404


def test_audit_log_newest_first_filtered_and_verified(admin):
    org = _pending()
    admin.post(f"/admin/organizations/{org.id}", data={"decision": "approved"})
    page = text_of(admin.get("/admin/audit"))
    assert "còn nguyên vẹn" in page
    first_approve = page.index("organization.approve")
    assert first_approve < page.index("user.create")  # newest first
    filtered = text_of(admin.get(f"/admin/audit?entity_type=organization&entity_id={org.id}"))
    assert "organization.approve" in filtered and "user.create" not in filtered
    # Tampering shows.
    entry = db.session.scalar(db.select(AuditEntry).order_by(AuditEntry.seq))
    entry.details = '{"tampered": true}'
    db.session.commit()
    broken = text_of(admin.get("/admin/audit"))
    assert "Chuỗi nhật ký bị phá vỡ" in broken


def test_gateway_status_and_requeue_of_a_dead_message(admin, people):
    org = _pending()
    admin.post(f"/admin/organizations/{org.id}", data={"decision": "approved"})
    message = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.entity_id == str(org.id)))
    message.state, message.attempts, message.last_error = "dead", 12, "503 Service Unavailable"
    db.session.commit()
    page = text_of(admin.get("/admin/gateway"))
    assert "503 Service Unavailable" in page
    response = admin.post(f"/admin/gateway/messages/{message.id}/requeue")
    assert response.status_code == 303
    db.session.expire_all()
    assert message.state == "pending" and message.attempts == 0
    assert admin.post("/admin/gateway/messages/999999/requeue").status_code == 404


def test_inspector_created_without_password_gets_a_link(admin, app, monkeypatch):
    from traceability.web import mail

    sent = []
    monkeypatch.setattr(mail, "send_in_background", lambda *args: sent.append(args))
    response = admin.post("/admin/inspectors/new", data={"email": "moi@example.vn"})
    assert response.status_code == 303
    assert "liên kết" in text_of(admin.get("/admin/inspectors"))
    (to, subject, body), = sent
    assert to == "moi@example.vn" and "/password/reset/" in body


def test_business_cannot_reach_administration(client, people):
    sign_in(client, "a@example.vn")
    assert client.post("/admin/organizations/1", data={"decision": "approved"}
                       ).status_code == 403
