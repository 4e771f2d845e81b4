"""Outgoing mail through the SMTP server named by ``SMTP_URL``.

``smtp://host:port`` (plain, upgraded with STARTTLS when the server offers it),
``smtps://user:password@host:465`` (TLS from the start); user and password are optional and
percent-decoded. ``MAIL_FROM`` is the sender. With no ``SMTP_URL`` (development), the message
is written to the log instead, so a reset link can still be followed locally.
"""

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps)
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://host:port or "
                         "smtps://user:password@host:465")
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname, port=parts.port or (465 if tls else 25), tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send(to: str, subject: str, body: str, config=None) -> None:
    """Send a plain-text message; raises ``OSError``/``smtplib.SMTPException`` on failure."""
    config = config if config is not None else current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or "no-reply@traceability.local"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="traceability.local")
    message.set_content(body)
    url = config.get("SMTP_URL") or ""
    if not url:
        log.warning("SMTP_URL is not set; mail to %s not sent:\n%s\n%s", to, subject, body)
        return
    settings = parse_smtp_url(url)
    context = ssl.create_default_context()
    if settings.tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if not settings.tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def send_in_background(to: str, subject: str, body: str) -> threading.Thread:
    """Send without making the request wait: a page that answers the same whether or not an
    account exists must also take the same time (the mail server's pace would tell)."""
    config = {key: current_app.config.get(key) for key in ("SMTP_URL", "MAIL_FROM")}

    def deliver() -> None:
        try:
            send(to, subject, body, config)
        except (OSError, smtplib.SMTPException, ValueError):
            log.exception("Could not send mail to %s", to)

    thread = threading.Thread(target=deliver, name="mail", daemon=True)
    thread.start()
    return thread
