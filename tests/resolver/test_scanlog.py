"""Scan log: buffered per process, privacy-preserving, copy detection on write."""

import pytest
from sqlalchemy import select

from tests.resolver.conftest import SHALLOT
from tests.resolver.support import count_queries
from traceability.extensions import db
from traceability.resolver import scanlog
from traceability.resolver.cache import cache
from traceability.resolver.models import CopyAlert, ScanEvent, SerialScanState

DL = f"/01/{SHALLOT}/10/VC2026-03A"
UNIT = f"{DL}/21/K7Q2M9X4"


def scan(client, path=UNIT, ip="203.0.113.7", region="", agent="Mozilla/5.0 (Linux; Android 14)"):
    headers = {"User-Agent": agent}
    if region:
        headers["X-Geo-Region"] = region
    response = client.get(path, headers=headers, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 307
    return response


def test_a_scan_is_buffered_then_written_with_its_records_and_no_raw_ip(client, world, app):
    scan(client, UNIT, ip="203.0.113.7", region="Cần Thơ")
    assert db.session.scalar(select(db.func.count(ScanEvent.id))) == 0
    assert scanlog.buffer.pending() == 1
    assert scanlog.flush() == 1
    event = db.session.scalars(select(ScanEvent)).one()
    assert (event.gtin, event.lot, event.serial) == (SHALLOT, "VC2026-03A", "K7Q2M9X4")
    assert event.batch_id == world["batches"]["normal"]
    assert event.serial_id == world["serial_ids"][0]
    assert (event.product_id, event.organization_id) == (world["product"], world["org"])
    assert (event.matched, event.kind, event.region) == ("serial", "redirect", "Cần Thơ")
    assert event.ip_hash == scanlog.network_hash("203.0.113.7", app.config["SECRET_KEY"])
    assert len(event.ip_hash) == 16 and "203.0.113" not in event.ip_hash
    assert event.key_path == f"/01/{SHALLOT}"


def test_region_header_name_comes_from_config(client, world, app):
    app.config["GEO_REGION_HEADER"] = "CF-Region"
    try:
        client.get(DL, headers={"CF-Region": "Sóc Trăng", "X-Geo-Region": "spoofed"})
    finally:
        app.config.pop("GEO_REGION_HEADER")
    scanlog.flush()
    assert db.session.scalars(select(ScanEvent.region)).one() == "Sóc Trăng"


def test_what_each_scan_matched(client, world):
    for path in (DL, f"/01/{SHALLOT}", f"/01/{SHALLOT}/10/NOSUCH", f"{DL}/21/NOSUCH",
                 f"{DL}?linkType=linkset", f"{DL}?linkType=gs1:pip"):
        client.get(path)
    client.get("/01/08930001000025")  # unknown GTIN: logged as unknown (404)
    client.head(DL)  # HEAD is not a scan
    assert scanlog.flush() == 7
    rows = db.session.execute(select(ScanEvent.matched, ScanEvent.kind, ScanEvent.link_type)
                              .order_by(ScanEvent.id)).all()
    assert rows == [("batch", "redirect", ""), ("product", "redirect", ""),
                    ("product", "redirect", ""), ("batch", "redirect", ""),
                    ("batch", "linkset", "linkset"), ("batch", "link", "gs1:pip"),
                    ("unknown", "redirect", "")]


def test_resolving_a_cached_code_runs_no_query(client, world, app):
    app.config["RESOLVER_CACHE_CHECK_SECONDS"] = 3600
    try:
        client.get(DL)  # warm the cache (and the generation token)
        with count_queries() as statements:
            for lot in ("VC2026-03A", "VC2025-01", "ANY"):
                assert client.get(f"/01/{SHALLOT}/10/{lot}/21/X{lot}").status_code == 307
        assert statements == []
    finally:
        app.config.pop("RESOLVER_CACHE_CHECK_SECONDS")


def test_ipv6_privacy_addresses_of_one_phone_are_one_network():
    secret = "k"
    one = scanlog.network_hash("2001:db8:1:2:aaaa::1", secret)
    assert one == scanlog.network_hash("2001:db8:1:2:bbbb:cccc:dddd:eeee", secret)
    assert one != scanlog.network_hash("2001:db8:1:3::1", secret)
    assert scanlog.network_hash("::ffff:198.51.100.4", secret) == scanlog.network_hash(
        "198.51.100.4", secret)
    assert scanlog.network_hash("198.51.100.4", "other") != scanlog.network_hash(
        "198.51.100.4", secret)
    assert scanlog.network_hash("not an ip", secret) == ""


def test_first_scan_of_a_unit_is_recorded_and_shown(client, world):
    scan(client, region="Sóc Trăng")
    scan(client, ip="198.51.100.9", region="Cần Thơ")
    scanlog.flush()
    state = db.session.get(SerialScanState, world["serial_ids"][0])
    first = state.first_scanned_at
    assert state.first_region == "Sóc Trăng"
    scan(client, region="Hà Nội")
    scanlog.flush()
    db.session.refresh(state)
    assert (state.first_scanned_at, state.first_region) == (first, "Sóc Trăng")
    cache.clear()
    html = client.get("/scan" + UNIT).get_data(as_text=True)
    assert "Lần quét đầu tiên:" in html and "(Sóc Trăng)" in html


@pytest.mark.parametrize("setting,make_scans,reason", [
    ("COPY_SCAN_THRESHOLD", lambda c: [scan(c) for _ in range(4)], "scans"),
    ("COPY_DISTINCT_NETWORKS", lambda c: [scan(c, ip=f"198.51.100.{i}") for i in range(4)],
     "networks"),
    ("COPY_DISTINCT_REGIONS", lambda c: [scan(c, region=r) for r in ("A", "B", "C", "D")],
     "regions"),
])
def test_copy_detection(client, world, app, setting, make_scans, reason):
    app.config[setting] = 3
    try:
        make_scans(client)
        scanlog.flush()
    finally:
        app.config.pop(setting)
    alert = db.session.scalars(select(CopyAlert)).one()
    assert reason in alert.reasons and alert.status == "open"
    assert (alert.gtin, alert.serial, alert.lot) == (SHALLOT, "K7Q2M9X4", "VC2026-03A")
    assert alert.organization_id == world["org"] and alert.window_hours == 72
    html = client.get("/scan" + UNIT).get_data(as_text=True)
    assert 'banner-suspected_copy' in html  # shown at once, no stale cache


def test_plausible_use_raises_no_alert(client, world):
    for i in range(3):
        scan(client, ip=f"198.51.100.{i}", region="Sóc Trăng")
    scanlog.flush()
    assert db.session.scalar(select(db.func.count(CopyAlert.id))) == 0


def test_one_open_alert_per_serial_until_closed(client, world, app):
    app.config["COPY_SCAN_THRESHOLD"] = 2
    try:
        for _ in range(3):
            scan(client)
        scanlog.flush()
        for _ in range(3):
            scan(client)
        scanlog.flush()
        assert db.session.scalar(select(db.func.count(CopyAlert.id))) == 1
        alert = db.session.scalars(select(CopyAlert)).one()
        alert.status = "closed"
        db.session.commit()
        scan(client)
        scanlog.flush()
    finally:
        app.config.pop("COPY_SCAN_THRESHOLD")
    statuses = db.session.scalars(select(CopyAlert.status).order_by(CopyAlert.id)).all()
    assert statuses == ["closed", "open"]


def test_crawlers_and_linkset_reads_do_not_count_as_copies(client, world, app):
    app.config["COPY_SCAN_THRESHOLD"] = 2
    try:
        for i in range(5):
            scan(client, ip=f"198.51.100.{i}", agent="facebookexternalhit/1.1")
            client.get(UNIT + "?linkType=linkset", environ_base={"REMOTE_ADDR": f"192.0.2.{i}"})
        scanlog.flush()
    finally:
        app.config.pop("COPY_SCAN_THRESHOLD")
    assert db.session.scalar(select(db.func.count(ScanEvent.id))) == 10
    assert db.session.scalar(select(db.func.count(CopyAlert.id))) == 0
    assert db.session.scalar(select(db.func.count()).select_from(SerialScanState)) == 0


def test_scans_outside_the_window_are_forgotten(client, world, app):
    from datetime import timedelta

    app.config["COPY_SCAN_THRESHOLD"] = 3
    try:
        for _ in range(3):
            scan(client)
        scanlog.flush()
        for event in db.session.scalars(select(ScanEvent)):
            event.scanned_at = event.scanned_at - timedelta(hours=100)
        db.session.commit()
        scan(client)
        scanlog.flush()
    finally:
        app.config.pop("COPY_SCAN_THRESHOLD")
    assert db.session.scalar(select(db.func.count(CopyAlert.id))) == 0


def test_a_failed_write_keeps_the_scans_for_the_next_attempt(client, world, monkeypatch):
    scan(client)

    def broken(items, config):
        raise RuntimeError("database down")

    monkeypatch.setattr(scanlog, "write_scans", broken)
    scanlog.buffer.flush_quietly()
    assert scanlog.buffer.pending() == 1
    monkeypatch.undo()
    assert scanlog.flush() == 1


def test_background_writer_flushes_without_being_asked(client, world, app):
    import time

    app.config["SCAN_FLUSH_SECONDS"] = 0.05
    buffer = scanlog.ScanBuffer()

    def written() -> int:
        db.session.rollback()  # see what the writer thread committed
        return db.session.scalar(select(db.func.count(ScanEvent.id)))

    try:
        buffer.record(app, scanlog.Scan(*_scan_values()))
        deadline = time.monotonic() + 10
        while not written() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert written() == 1
        assert buffer.pending() == 0
    finally:
        app.config["SCAN_FLUSH_SECONDS"] = 0
        buffer.stop()


def _scan_values():
    from datetime import date

    from traceability.database import utcnow

    return (utcnow(), date.today(), f"/01/{SHALLOT}", None, None, SHALLOT, "VC2026-03A", None,
            "redirect", "", "product", "abc", "", False)


def test_a_due_buffer_is_written_once_the_response_is_sent(client, world, app):
    app.config["SCAN_FLUSH_SIZE"] = 3
    try:
        for _ in range(2):
            scan(client).close()
        assert db.session.scalar(select(db.func.count(ScanEvent.id))) == 0
        response = scan(client)
        response.close()  # the server closes the response after sending it
    finally:
        app.config.pop("SCAN_FLUSH_SIZE")
    assert scanlog.buffer.pending() == 0
    assert db.session.scalar(select(db.func.count(ScanEvent.id))) == 3
