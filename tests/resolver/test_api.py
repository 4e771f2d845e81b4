"""Scan statistics and copy alerts over the API, with each role's visibility."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.resolver.conftest import SHALLOT
from traceability.database import utcnow
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry
from traceability.resolver import services
from traceability.resolver.models import CopyAlert, ScanEvent


@pytest.fixture
def people(world):
    other = factories.organization(name="Trang trại thanh long Long An", tax_code="1100654321",
                                   prefixes=("8930002",), province="Long An")
    _, owner = factories.user_with_key("owner@example.vn", "business",
                                       organization_id=world["org"])
    _, stranger = factories.user_with_key("stranger@example.vn", "business",
                                          organization_id=other.id)
    _, inspector = factories.user_with_key("inspector@example.vn", "inspector")
    _, long_an = factories.user_with_key("longan@example.vn", "inspector",
                                         scope_provinces="Long An")
    _, admin = factories.user_with_key("admin@example.vn", "admin")
    return {"owner": owner, "stranger": stranger, "inspector": inspector, "long_an": long_an,
            "admin": admin, "other_org": other.id}


def add_scans(world, spec):
    """spec: (days ago, batch key or None, region, count)."""
    today = date.today()
    for days_ago, batch_key, region, count in spec:
        for _ in range(count):
            db.session.add(ScanEvent(
                scanned_at=utcnow() - timedelta(days=days_ago),
                scanned_on=services.local_today() - timedelta(days=days_ago),
                key_path=f"/01/{SHALLOT}", gtin=SHALLOT,
                lot=world["lots"][batch_key] if batch_key else None,
                product_id=world["product"], organization_id=world["org"],
                batch_id=world["batches"][batch_key] if batch_key else None,
                kind="redirect", matched="batch" if batch_key else "product",
                region=region, ip_hash="x"))
    db.session.add(ScanEvent(scanned_at=utcnow(), scanned_on=today, key_path=f"/01/{SHALLOT}",
                             gtin=SHALLOT, organization_id=world["org"], bot=True,
                             kind="redirect", region="Bot"))
    db.session.commit()


def test_stats_per_day_province_and_batch(client, world, people):
    add_scans(world, [(0, "normal", "Sóc Trăng", 3), (1, "normal", "Cần Thơ", 2),
                      (1, "recalled", "", 1), (2, None, "Sóc Trăng", 1),
                      (40, "normal", "Sóc Trăng", 5)])
    response = client.get("/api/v1/scans/stats?days=7", headers=people["owner"])
    assert response.status_code == 200, response.json
    body = response.json
    assert body["total"] == 7  # the 40-day-old scans and the crawler are not counted
    assert len(body["days"]) == 7 and body["days"][-1]["date"] == body["until"]
    assert [d["scans"] for d in body["days"][-3:]] == [1, 3, 3]
    assert body["provinces"] == [{"province": "Sóc Trăng", "scans": 4},
                                 {"province": "Cần Thơ", "scans": 2},
                                 {"province": None, "scans": 1}]
    assert body["top_batches"][0] == {"batch_id": world["batches"]["normal"], "gtin": SHALLOT,
                                      "lot": "VC2026-03A", "scans": 5}
    by_batch = client.get(f"/api/v1/scans/stats?days=7&batch_id={world['batches']['recalled']}",
                          headers=people["admin"]).json
    assert by_batch["total"] == 1
    by_product = client.get(f"/api/v1/scans/stats?days=60&product_id={world['product']}",
                            headers=people["inspector"]).json
    assert by_product["total"] == 12


def test_stats_visibility(client, world, people):
    add_scans(world, [(0, "normal", "Sóc Trăng", 2)])
    assert client.get("/api/v1/scans/stats", headers=people["stranger"]).json["total"] == 0
    for query in (f"organization_id={world['org']}", f"product_id={world['product']}",
                  f"batch_id={world['batches']['normal']}"):
        response = client.get(f"/api/v1/scans/stats?{query}", headers=people["stranger"])
        assert response.status_code == 404, query
    assert client.get("/api/v1/scans/stats", headers=people["long_an"]).json["total"] == 0
    assert client.get("/api/v1/scans/stats", headers=people["inspector"]).json["total"] == 2
    assert client.get("/api/v1/scans/stats").status_code == 401
    response = client.get("/api/v1/scans/stats?days=0", headers=people["admin"])
    assert response.status_code == 422 and "days" in response.json["errors"]


def open_alert(world, serial_index=0):
    alert = CopyAlert(serial_id=world["serial_ids"][serial_index], gtin=SHALLOT,
                      serial=world["serials"][serial_index], lot="VC2026-03A",
                      batch_id=world["batches"]["normal"], organization_id=world["org"],
                      reasons=["networks"], scans=8, networks=7, regions=2, window_hours=72)
    db.session.add(alert)
    db.session.commit()
    return alert.id


def test_copy_alerts_list_and_visibility(client, world, people):
    alert_id = open_alert(world)
    listed = client.get("/api/v1/copy-alerts", headers=people["owner"])
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json["items"]] == [alert_id]
    item = listed.json["items"][0]
    assert item["serial"] == "K7Q2M9X4" and item["reasons"] == ["networks"]
    assert item["status"] == "open" and item["lot"] == "VC2026-03A"
    assert client.get("/api/v1/copy-alerts", headers=people["stranger"]).json["total"] == 0
    assert client.get("/api/v1/copy-alerts", headers=people["inspector"]).json["total"] == 1
    assert client.get("/api/v1/copy-alerts", headers=people["long_an"]).json["total"] == 0
    assert client.get(f"/api/v1/copy-alerts/{alert_id}",
                      headers=people["stranger"]).status_code == 404
    assert client.get("/api/v1/copy-alerts?status=closed",
                      headers=people["admin"]).json["total"] == 0


def test_closing_an_alert(client, world, people):
    alert_id = open_alert(world)
    refused = client.post(f"/api/v1/copy-alerts/{alert_id}/close", json={"note": "  "},
                          headers=people["owner"])
    assert refused.status_code == 422
    assert client.post(f"/api/v1/copy-alerts/{alert_id}/close", json={"note": "x"},
                       headers=people["stranger"]).status_code == 404
    response = client.post(f"/api/v1/copy-alerts/{alert_id}/close",
                           json={"note": "Tem in trùng khi in lại, đã hủy lô tem cũ"},
                           headers=people["owner"])
    assert response.status_code == 200, response.json
    assert response.json["status"] == "closed" and response.json["closed_at"]
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "copy_alert.close")).one()
    assert entry.entity_id == str(alert_id) and entry.actor_label == "owner@example.vn"
    again = client.post(f"/api/v1/copy-alerts/{alert_id}/close", json={"note": "x"},
                        headers=people["owner"])
    assert again.status_code == 422
    # The page no longer says "copied" once the alert is closed.
    html = client.get(f"/scan/01/{SHALLOT}/10/VC2026-03A/21/K7Q2M9X4").get_data(as_text=True)
    assert "banner-genuine" in html
