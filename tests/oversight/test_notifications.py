"""Recall notices are delivered by real SMTP and signed webhooks, and acknowledged by link."""

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from tests.events.conftest import build_chain, world  # noqa: F401 - fixture
from traceability.extensions import db
from traceability.oversight import notifications
from traceability.oversight.models import RecallNotice
from traceability.registry.models import Organization

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _webhook_server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def test_recall_notices_by_mail_and_signed_webhook(app, client, world):  # noqa: F811
    inbox = _Inbox()
    port = _free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    server, received = _webhook_server()
    retailer = db.session.get(Organization, world["orgs"]["C"])
    retailer.webhook_url = f"http://127.0.0.1:{server.server_port}/recalls"
    db.session.commit()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        build_chain(client, world)
        client.post(f"/api/v1/batches/{world['F1']}/recall", headers=world["inspector"],
                    json={"reason": "Dư lượng vượt ngưỡng", "level": "1"})
        sent = notifications.deliver_due()
        assert sent == db.session.scalar(select(db.func.count()).select_from(RecallNotice))
        recipients = {to for tos, _ in inbox.messages for to in tos}
        assert {"qa@mekong.example.vn", "kho@xanh.example.vn"} <= recipients
        raw = next(body for tos, body in inbox.messages if "kho@xanh.example.vn" in tos)
        mail = email.message_from_string(raw, policy=email.policy.default)
        assert "Thu hồi" in mail["Subject"] and "F1" in mail["Subject"]
        text = mail.get_content()
        assert "Dư lượng vượt ngưỡng" in text and "/recall-notices/" in text

        headers, body = received[0]
        payload = json.loads(body)
        assert payload["recalled_batch"]["lot"] == "F1"
        expected = notifications.sign(retailer.webhook_secret,
                                      headers["X-Traceability-Timestamp"], body)
        assert headers["X-Traceability-Signature"] == expected

        # The link in the notice acknowledges it without signing in.
        link = payload["acknowledge_url"].split("id.example.vn", 1)[1]
        page = client.get(link)
        assert page.status_code == 200
        done = client.post(link.split("?")[0], data={"token": link.split("token=")[1],
                                                     "name": "Chị Lan, kho Quận 3"})
        assert done.status_code == 200
        notice = db.session.get(RecallNotice, payload["notice_id"])
        db.session.refresh(notice)
        assert notice.acknowledged_by == "Chị Lan, kho Quận 3"
        forged = client.get(link.split("?")[0] + "?token=forged")
        assert forged.status_code == 404
    finally:
        controller.stop()
        server.shutdown()
        app.config["SMTP_URL"] = ""


def test_undeliverable_notice_is_retried_then_failed(app, client, world):  # noqa: F811
    build_chain(client, world)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens
    try:
        client.post(f"/api/v1/batches/{world['F1']}/recall", headers=world["inspector"],
                    json={"reason": "x"})
        assert notifications.deliver_due() == 0
        notice = db.session.scalars(select(RecallNotice)).first()
        assert notice.state == "pending" and notice.attempts == 1 and notice.last_error
    finally:
        app.config["SMTP_URL"] = ""
