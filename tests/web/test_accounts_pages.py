"""Sign-in, self-registration and password reset through a real SMTP server."""

import re
import socket

import pytest

from tests.web.conftest import PASSWORD, sign_in
from tests.web.helpers import field_error, field_value, text_of
from traceability.accounts.models import User
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry
from traceability.registry.models import Organization

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd (test dependency) is not installed")


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []
        self.logins = []

    def wait(self, count: int, timeout: float = 10.0) -> list:
        """Mail is sent in the background: wait until ``count`` messages have arrived."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        self.messages.append((envelope.rcpt_tos,
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server on this machine; the app sends through it (with a login)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        inbox.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret")

    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    previous = app.config["SMTP_URL"], app.config["MAIL_FROM"]
    app.config["SMTP_URL"] = f"smtp://mailer%40example.vn:s3cret@127.0.0.1:{port}"
    app.config["MAIL_FROM"] = "truyxuat@example.vn"
    yield inbox
    app.config["SMTP_URL"], app.config["MAIL_FROM"] = previous
    controller.stop()


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


# --------------------------------------------------------------------------- sign-in


def test_wrong_password_is_explained_and_the_email_kept(client, people):
    response = client.post("/login", data={"email": "a@example.vn", "password": "nope"})
    page = text_of(response)
    assert response.status_code == 401
    assert "Email hoặc mật khẩu không đúng." in page
    assert 'value="a@example.vn"' in page
    assert 'aria-invalid="true"' in page


def test_pages_ask_anonymous_visitors_to_sign_in_and_come_back(client, people):
    response = client.get("/portal/products?q=hành", follow_redirects=True)
    assert "Vui lòng đăng nhập để mở trang này." in text_of(response)
    login = client.post(response.request.full_path,
                        data={"email": "a@example.vn", "password": PASSWORD})
    assert login.headers["Location"].startswith("/portal/products?q=")


# --------------------------------------------------------------------------- registration

REGISTRATION = {
    "name": "Hợp tác xã Thanh long Châu Thành", "tax_code": "1101234567", "kind": "cooperative",
    "address": "Ấp 3, xã Hòa Phú", "province": "Long An", "gs1_company_prefixes": "8935555",
    "gln": "", "phone": "0272 3888 999", "account_email": "htx@example.vn",
    "password": "thanh long ngon", "password_confirm": "thanh long ngon",
}


def test_registration_rejects_bad_input_on_the_fields_and_keeps_it(client, app):
    data = {**REGISTRATION, "tax_code": "12345", "gs1_company_prefixes": "12",
            "account_email": "not-an-email", "password": "short", "password_confirm": "other"}
    response = client.post("/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "password") == "Dùng ít nhất 10 ký tự."
    assert field_error(page, "password_confirm") == "Hai mật khẩu không giống nhau."
    assert field_value(page, "password") == ""  # passwords are never sent back
    assert field_value(page, "tax_code") == "12345"
    assert field_value(page, "name") == REGISTRATION["name"]
    fixed = client.post("/register", data={**data, "password": "thanh long ngon",
                                            "password_confirm": "thanh long ngon"})
    page = fixed.get_data(as_text=True)
    assert field_error(page, "tax_code").startswith("Mã số thuế có 10 chữ số")
    assert "không phải mã doanh nghiệp GS1" in field_error(page, "gs1_company_prefixes")
    assert db.session.scalar(db.select(db.func.count()).select_from(Organization)) == 0


def test_registration_needs_the_required_fields(client, app):
    response = client.post("/register", data={"kind": "cooperative"})
    page = response.get_data(as_text=True)
    for name in ("name", "tax_code", "address", "province", "account_email", "password"):
        assert field_error(page, name) == "Vui lòng điền mục này.", name


def test_a_cooperative_registers_and_can_sign_in_while_pending(client, app):
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 201
    assert "đang chờ cơ quan quản lý" in text_of(response)
    organization = db.session.scalar(db.select(Organization))
    assert organization.status == "pending" and organization.company_prefixes == ["8935555"]
    user = db.session.scalar(db.select(User).where(User.email == "htx@example.vn"))
    assert user.organization_id == organization.id and user.role == "business"
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.password"))
    sign_in(client, "htx@example.vn", "thanh long ngon")
    assert "Đang chờ phê duyệt" in text_of(client.get("/portal/"))
    again = client.post("/register", data={**REGISTRATION, "account_email": "x@example.vn"})
    assert again.status_code == 409
    assert "đã được đăng ký" in field_error(again.get_data(as_text=True), "tax_code")


# --------------------------------------------------------------------------- password reset


def test_password_reset_by_mail_works_once(client, people, smtp):
    response = client.post("/password/forgot", data={"email": "A@Example.vn"})
    assert response.status_code == 200
    assert len(smtp.wait(1)) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["a@example.vn"]
    assert message["From"] == "truyxuat@example.vn"
    assert smtp.logins == [("mailer@example.vn", "s3cret")]
    link = _link(message)
    form = client.get(link)
    assert form.status_code == 200 and "a@example.vn" in text_of(form)
    mismatch = client.post(link, data={"password": "a brand new one", "password_confirm": "x"})
    assert mismatch.status_code == 422
    assert field_error(mismatch.get_data(as_text=True), "password_confirm")
    short = client.post(link, data={"password": "short", "password_confirm": "short"})
    assert field_error(short.get_data(as_text=True), "password") == "Dùng ít nhất 10 ký tự."
    done = client.post(link, data={"password": "a brand new one",
                                   "password_confirm": "a brand new one"})
    assert done.status_code == 303
    sign_in(client, "a@example.vn", "a brand new one")
    client.post("/logout")
    reused = client.get(link)
    assert reused.status_code == 400
    assert "không còn dùng được" in text_of(reused)
    assert client.post(link, data={"password": "another new one",
                                   "password_confirm": "another new one"}).status_code == 400


def test_password_reset_never_reveals_whether_an_email_exists(client, people, smtp):
    known = client.post("/password/forgot", data={"email": "a@example.vn"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.vn"})

    def strip(page: str) -> str:
        return page.replace("a@example.vn", "X").replace("nobody@example.vn", "X")

    assert known.status_code == unknown.status_code == 200
    assert strip(known.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    smtp.wait(2, timeout=1.0)
    assert [m[0] for m in smtp.messages] == [["a@example.vn"]]


def test_reset_links_expire_and_cannot_be_forged(client, people, app):
    from traceability.web import passwords

    user = db.session.scalar(db.select(User).where(User.email == "a@example.vn"))
    token = passwords.make_token(user)
    assert passwords.user_for_token(token).id == user.id
    assert client.get(f"/password/reset/{token[:-2]}xx").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert passwords.user_for_token(token) is None
    finally:
        del app.config["PASSWORD_RESET_MAX_AGE"]


def test_mail_failure_still_answers_the_same(client, people, app):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens there
    try:
        response = client.post("/password/forgot", data={"email": "a@example.vn"})
    finally:
        app.config["SMTP_URL"] = ""
    assert response.status_code == 200
    assert "Hãy kiểm tra email" in text_of(response)


def test_smtp_urls_are_read_with_their_defaults():
    from traceability.web.mail import parse_smtp_url

    plain = parse_smtp_url("smtp://mail.example.vn:2525")
    assert (plain.host, plain.port, plain.tls, plain.username) == (
        "mail.example.vn", 2525, False, None)
    secure = parse_smtp_url("smtps://user%40x.vn:p%40ss@mail.example.vn")
    assert (secure.port, secure.tls, secure.username, secure.password) == (
        465, True, "user@x.vn", "p@ss")
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.vn")
