"""Size limits on every input path, safe cookies, and no secret in any log."""

import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests import factories
from tests.oversight.helpers import farm_batch
from traceability.accounts import services as accounts
from traceability.extensions import db
from traceability.labels.models import Serial
from traceability.ops.logsafe import redact
from traceability.registry.models import Product

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def owner(app):
    org, product, batch = farm_batch()
    _, headers = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    return org, product, batch, headers


@pytest.fixture
def setting(app):
    """Change app settings for one test and put them back after it."""
    saved = {}

    def change(**values):
        for name, value in values.items():
            saved.setdefault(name, app.config.get(name))
            app.config[name] = value

    yield change
    app.config.update(saved)


def test_page_size_is_bounded(client, owner):
    headers = owner[3]
    assert client.get("/api/v1/products?per_page=200", headers=headers).status_code == 200
    refused = client.get("/api/v1/products?per_page=201", headers=headers)
    assert refused.status_code == 422 and "per_page" in refused.json["errors"]


def _gtin(index: int) -> str:
    from traceability.gs1 import check_digit

    body = f"89300010{index:04d}"
    return body + str(check_digit(body))


def _upload(client, headers, data, filename):
    return client.post("/api/v1/imports/products", headers=headers,
                       data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_row_count_is_bounded_and_nothing_is_written(client, owner, setting, kind):
    setting(IMPORT_MAX_ROWS=3)
    rows = [("gtin", "name")] + [(_gtin(100 + i), f"Hành tím {i}") for i in range(5)]
    if kind == "csv":
        data = "\n".join(",".join(row) for row in rows).encode()
    else:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    before = db.session.scalar(select(func.count(Product.id)))
    refused = _upload(client, owner[3], data, f"rows.{kind}")
    assert refused.status_code == 422
    assert "at most 3" in refused.json["errors"]["file"][0]
    assert db.session.scalar(select(func.count(Product.id))) == before


def test_request_body_size_is_bounded(client, owner, setting):
    setting(MAX_CONTENT_LENGTH=1024)
    refused = _upload(client, owner[3], b"gtin,name\n" + b"x" * 4096, "rows.csv")
    assert refused.status_code == 413
    assert refused.mimetype == "application/problem+json"


def test_label_run_size_is_bounded(client, owner, setting):
    setting(LABEL_MAX_SERIALS=5)
    batch = owner[2]
    refused = client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 6},
                          headers=owner[3])
    assert refused.status_code == 422 and "5" in refused.json["errors"]["count"][0]
    assert db.session.scalar(select(func.count(Serial.id))) == 0
    assert client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 5},
                       headers=owner[3]).status_code in (200, 201)


def test_session_cookie_is_http_only_lax_and_secure_when_configured(app, setting):
    setting(SESSION_COOKIE_SECURE=True)
    org = factories.organization()
    user = accounts.create_user("web@example.vn", "business", organization_id=org.id,
                                password="correct horse battery")
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email,
                                           "password": "correct horse battery"},
                           base_url="https://id.example.vn")
    assert response.status_code == 302
    cookie = next(value for name, value in response.headers.items()
                  if name == "Set-Cookie" and value.startswith("session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --------------------------------------------------------------------------- logs


def test_redaction_of_links_that_carry_secrets():
    assert redact("/password/reset/abc.DEF-123?lang=vi") == "/password/reset/[redacted]?lang=vi"
    assert (redact("GET /oversight/notices/4/ack?token=f00d&lang=en HTTP/1.1")
            == "GET /oversight/notices/4/ack?token=[redacted]&lang=en HTTP/1.1")
    assert redact("/01/08930001000018/10/L1?linkType=gs1:pip") == (
        "/01/08930001000018/10/L1?linkType=gs1:pip")


def test_no_secret_reaches_the_app_logs(client, app, setting, caplog):
    setting(ACCESS_LOG_JSON=True)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="traceability")
    org = factories.organization()
    _, admin = factories.user_with_key("admin@example.vn", "admin")
    created = client.post("/api/v1/users", headers=admin, json={
        "email": "new@example.vn", "role": "business", "organization_id": org.id,
        "password": "a long secret passphrase"})
    assert created.status_code == 201, created.json
    first = created.json["api_key"]
    key = client.post("/api/v1/api-keys", headers={"Authorization": f"Bearer {first}"},
                      json={"name": "erp"})
    plain = key.json["key"]
    assert key.status_code == 201 and plain
    client.post("/login", data={"email": "new@example.vn", "password": "a long secret passphrase"})
    client.get("/password/reset/Zm9vYmFyLnNlY3JldC10b2tlbg")
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "traceability.access" in {record.name for record in caplog.records}
    for secret in (first, plain, "a long secret passphrase", "Zm9vYmFyLnNlY3JldC10b2tlbg",
                   app.config["SECRET_KEY"]):
        assert secret not in logged


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_redacts_tokens(tmp_path):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL="sqlite:///" + str(tmp_path / "app.sqlite"),
               BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", SECRET_KEY="k",
               GATEWAY_ENABLED="false")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        httpx.get(f"http://127.0.0.1:{port}/password/reset/c2VjcmV0LXRva2Vu", timeout=5)
        httpx.get(f"http://127.0.0.1:{port}/recall-notices/1/ack?token=deadbeef", timeout=5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert re.search(r'"GET /password/reset/\[redacted\] HTTP/1\.1" \d{3}', output), output
    assert "token=[redacted]" in output
    assert "c2VjcmV0LXRva2Vu" not in output and "deadbeef" not in output
