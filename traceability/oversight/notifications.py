"""Delivering recall notices: email through the configured SMTP server, signed webhooks.

Notices are written in the recall's transaction and delivered here, outside it, with retries;
the sync worker calls :func:`deliver_due` between its rounds (and ``flask oversight notify``
does it on demand).
"""

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import httpx
from flask import current_app
from sqlalchemy import select

from ..database import utcnow
from ..extensions import db
from .models import RecallNotice
from .services import ack_token

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
SIGNATURE_HEADER = "X-Traceability-Signature"


def deliver_due(limit: int = 50) -> int:
    """Send the notices that are due; returns how many were sent."""
    notices = db.session.scalars(
        select(RecallNotice).where(RecallNotice.state == "pending",
                                   RecallNotice.next_attempt_at <= utcnow())
        .order_by(RecallNotice.id).limit(limit)).all()
    sent = 0
    for notice in notices:
        payload = notice_payload(notice)
        try:
            if notice.channel == "email":
                send_email(notice.target, payload)
            else:
                send_webhook(notice.target, notice.organization.webhook_secret, payload)
        except Exception as error:  # noqa: BLE001 - any failure is retried, then reported
            notice.attempts += 1
            notice.last_error = f"{type(error).__name__}: {error}"[:1000]
            if notice.attempts >= MAX_ATTEMPTS:
                notice.state = "failed"
            else:
                delay = min(3600, 5 * 2 ** notice.attempts)
                notice.next_attempt_at = utcnow() + timedelta(seconds=delay)
            log.warning("recall notice %s not delivered: %s", notice.id, notice.last_error)
        else:
            notice.attempts += 1
            notice.state = "sent"
            notice.sent_at = utcnow()
            notice.last_error = ""
            sent += 1
        db.session.commit()
    return sent


def notice_payload(notice: RecallNotice) -> dict:
    decision, batch = notice.decision, notice.decision.batch
    base = current_app.config["RESOLVER_BASE_URL"]
    return {
        "type": "recall",
        "notice_id": notice.id,
        "recalled_batch": {"gtin": batch.gtin, "lot": batch.lot, "product": batch.product.name,
                           "producer": batch.organization.name},
        "your_batch_id": notice.batch_id,
        "relation": notice.relation,
        "reason": decision.reason,
        "level": decision.level,
        "decided_at": decision.decided_at.isoformat(),
        "acknowledge_url": f"{base}/recall-notices/{notice.id}/ack?token={ack_token(notice.id)}",
    }


def send_email(to: str, payload: dict) -> None:
    url = current_app.config.get("SMTP_URL") or ""
    if not url:
        raise RuntimeError("SMTP_URL is not configured")
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    batch = payload["recalled_batch"]
    message["Subject"] = f"[Thu hồi / Recall] {batch['product']} – lô {batch['lot']}"
    message.set_content(
        f"Lô hàng {batch['product']} (GTIN {batch['gtin']}, lô {batch['lot']}) của "
        f"{batch['producer']} đã bị thu hồi.\nLý do: {payload['reason']}\n"
        f"Mức độ: {payload['level']}\n\nXin ngừng bán, cách ly hàng và xác nhận đã nhận thông "
        f"báo tại:\n{payload['acknowledge_url']}\n\n---\n"
        f"Batch {batch['lot']} of {batch['product']} (GTIN {batch['gtin']}) was recalled.\n"
        f"Reason: {payload['reason']}\nPlease stop selling it, set it aside and acknowledge:\n"
        f"{payload['acknowledge_url']}\n"
    )
    smtp_send(url, message)


def smtp_send(url: str, message: EmailMessage) -> None:
    """Send through ``smtp://[user:pass@]host:port`` (STARTTLS when offered) or ``smtps://``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port or 465, timeout=15,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port or 25, timeout=15)
    with client:
        if parts.scheme == "smtp":
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def send_webhook(url: str, secret: str, payload: dict) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    response = httpx.post(url, content=body, timeout=10.0, headers={
        "Content-Type": "application/json",
        "X-Traceability-Timestamp": timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    })
    if response.status_code >= 300:
        raise RuntimeError(f"webhook answered HTTP {response.status_code}")
