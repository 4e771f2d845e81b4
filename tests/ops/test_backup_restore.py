"""A backup restores to exactly what was backed up, on SQLite and on PostgreSQL."""

import shutil

import pytest
from sqlalchemy import func, select

from tests.oversight.helpers import farm_batch
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry, verify_chain
from traceability.registry.models import Batch


def test_backup_then_restore(app, runner, tmp_path, database_url):
    if database_url.startswith("postgres") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    farm_batch(lot="KEEP")
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    out = tmp_path / "snapshot.backup"
    result = runner.invoke(args=["ops", "backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0

    # Disaster: the batch is deleted and a stray audit entry is forged.
    db.session.execute(Batch.__table__.delete())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 0

    result = runner.invoke(args=["ops", "restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert [b.lot for b in db.session.scalars(select(Batch))] == ["KEEP"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    assert verify_chain().ok


def test_restore_refuses_garbage(app, runner, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup")
    result = runner.invoke(args=["ops", "restore", str(junk), "--yes"])
    assert result.exit_code != 0


def test_metrics(app, client):
    farm_batch()
    client.get("/healthz")
    client.get("/api/v1/me")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'traceability_http_requests_total{endpoint="web.healthz",method="GET",status="200"}' \
        in body
    assert "traceability_http_request_duration_seconds_bucket" in body
    assert 'traceability_outbox_messages{state="pending"}' in body
    assert "traceability_outbox_oldest_pending_seconds" in body
    app.config["METRICS_TOKEN"] = "s3cret"
    try:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}
                          ).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = ""


def test_security_headers(client):
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in page.headers
    secure = client.get("/", base_url="https://id.example.vn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "unsafe-inline" in client.get("/api/docs").headers["Content-Security-Policy"]


def test_session_cookie_is_http_only(app, client):
    from traceability.accounts import services

    services.create_user("c@example.vn", "inspector", password="a long password")
    db.session.commit()
    response = client.post("/login", data={"email": "c@example.vn",
                                           "password": "a long password"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
