"""The consumer scan page: one honest status banner, the product's data, both languages."""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from tests.resolver.conftest import RICE, SHALLOT
from traceability.extensions import db
from traceability.labels.models import Serial
from traceability.registry.models import Batch
from traceability.resolver.models import CopyAlert

DL = f"/01/{SHALLOT}/10/VC2026-03A"


def page(client, path, **headers):
    response = client.get("/scan" + path, headers=headers)
    return response, response.get_data(as_text=True)


def banner_of(html: str) -> str:
    found = re.search(r'class="banner banner-([a-z_]+)"', html)
    return found.group(1) if found else ""


def test_normal_batch_shows_everything_a_shopper_needs(client, world):
    response, html = page(client, DL)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<html lang="vi">' in html
    assert banner_of(html) == "genuine" and "Sản phẩm chính hãng" in html
    for text in ("Hành tím Vĩnh Châu", "HTX Nông nghiệp Vĩnh Châu", "2200345678",
                 "Khóm Vĩnh Bình", "8930001000018", "VC2026-03A", "Ngày sản xuất",
                 "Hạn sử dụng", "Vùng trồng hành tím Vĩnh Hiệp", "TCVN 11041-2:2017",
                 "VietGAP", "Còn hiệu lực", "https://images.example.vn/hanh-tim.jpg",
                 "Báo cáo vấn đề"):
        assert text in html, text
    # The expired OCOP certificate is shown, marked as expired.
    assert re.search(r'<li class="expired">\s*<p class="cert-name">OCOP · 4 sao', html)
    assert "Hết hiệu lực từ" in html


def test_page_is_light_and_self_contained(client, world):
    response, html = page(client, DL)
    assert len(response.data) < 100_000
    assert "<script" not in html
    for url in re.findall(r'(?:href|src)="([^"]+)"', html):
        if url.endswith(".css") or ".css?" in url:
            assert url.startswith("/static/resolver/"), url  # no CDN
    css = client.get("/static/resolver/scan.css")
    assert css.status_code == 200 and len(css.data) < 20_000


@pytest.mark.parametrize("how", ["query", "header"])
def test_english_with_lang_or_accept_language(client, world, how):
    if how == "query":
        _, html = page(client, DL + "?lang=en")
    else:
        _, html = page(client, DL, **{"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in html
    assert "Genuine product" in html and "Vinh Chau shallots" in html
    assert "Production date" in html and "Tiếng Việt" in html


def test_recalled_batch_says_why_and_what_to_do(client, world):
    response, html = page(client, f"/01/{SHALLOT}/10/VC2026-02R")
    assert response.status_code == 200
    assert banner_of(html) == "recalled"
    assert 'role="alert"' in html
    assert "Sản phẩm bị thu hồi" in html
    assert "Phát hiện dư lượng thuốc bảo vệ thực vật vượt mức" in html
    assert "Ngừng sử dụng sản phẩm. Liên hệ nơi bán" in html
    _, english = page(client, f"/01/{SHALLOT}/10/VC2026-02R?lang=en")
    assert "Product recalled" in english and "Stop using the product" in english


def test_expired_batch(client, world):
    _, html = page(client, f"/01/{SHALLOT}/10/VC2025-01")
    assert banner_of(html) == "expired"
    assert "Đã hết hạn sử dụng" in html and "Không sử dụng sản phẩm." in html


@pytest.mark.parametrize("status,banner,text", [
    ("on_hold", "on_hold", "Tạm dừng lưu thông"),
    ("void", "void", "Tem không còn hiệu lực"),
])
def test_batch_status_changes_show_at_the_next_scan(client, world, status, banner, text):
    assert banner_of(page(client, DL)[1]) == "genuine"  # cached now
    batch = db.session.get(Batch, world["batches"]["normal"])
    batch.status, batch.status_reason = status, "Kiểm tra mẫu định kỳ"
    db.session.commit()
    _, html = page(client, DL)
    assert banner_of(html) == banner and text in html and "Kiểm tra mẫu định kỳ" in html


def test_void_serial(client, world):
    _, html = page(client, f"{DL}/21/VOID0001")
    assert banner_of(html) == "void" and "Tem in lỗi" in html


def test_unit_page_shows_its_serial_and_that_it_was_never_scanned(client, world):
    _, html = page(client, f"{DL}/21/K7Q2M9X4")
    assert banner_of(html) == "genuine"
    assert "K7Q2M9X4" in html and "Chưa ghi nhận lần quét nào trước đây." in html


def test_suspected_copy(client, world):
    serial = db.session.get(Serial, world["serial_ids"][0])
    db.session.add(CopyAlert(serial_id=serial.id, gtin=SHALLOT, serial=serial.serial,
                             lot="VC2026-03A", batch_id=serial.batch_id,
                             organization_id=world["org"], reasons=["networks"], scans=9,
                             networks=9, regions=1, window_hours=72))
    db.session.commit()
    _, html = page(client, f"{DL}/21/{serial.serial}")
    assert banner_of(html) == "suspected_copy"
    assert "Nghi ngờ tem bị sao chép" in html
    # The same batch without the copied serial is not affected.
    assert banner_of(page(client, DL)[1]) == "genuine"


@pytest.mark.parametrize("path,text", [
    (f"/01/{SHALLOT}/10/NOSUCHLOT", "lô NOSUCHLOT thì không"),
    (f"{DL}/21/NOSUCHSERIAL", "Số sê-ri NOSUCHSERIAL không có"),
    (f"/01/{SHALLOT}/10/VC2025-01/21/K7Q2M9X4", "không thuộc lô VC2025-01"),
])
def test_unknown_lot_or_serial_walks_up_honestly(client, world, path, text):
    response, html = page(client, path)
    assert response.status_code == 200
    assert banner_of(html) == "unknown" and "Mã không xác định" in html
    assert text in html
    assert "Hành tím Vĩnh Châu" in html  # the product itself is known


def test_product_only_code(client, world):
    _, html = page(client, f"/01/{SHALLOT}")
    assert banner_of(html) == "genuine"
    assert "không có số lô" in html


def test_unknown_and_invalid_codes(client, world):
    response, html = page(client, f"/01/{RICE}/10/X")
    assert response.status_code == 404 and "Mã không xác định" in html
    response, html = page(client, f"/01/{SHALLOT}/zz")
    assert response.status_code == 400 and "Mã không hợp lệ" in html
    response = client.get(f"/scan/01/{SHALLOT[1:]}/10/VC2026-03A")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://id.example.vn/scan{DL}"


def test_recall_status_endpoint(client, world):
    response = client.get(f"/status/01/{SHALLOT}/10/VC2026-02R")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json["status"] == "recalled" and response.json["recalled"] is True
    assert response.json["reason"].startswith("Phát hiện dư lượng")
    assert client.get(f"/status{DL}").json["status"] == "genuine"
    assert client.get(f"/status/01/{SHALLOT}/10/NOPE").json["unknown_part"] == "lot"


def _stage(step, vi, en, when, place):
    return {"event_id": "ni:///sha-256;x", "event_time": when, "biz_step": step,
            "biz_step_vi": vi, "biz_step_en": en, "disposition": None,
            "location": place, "organization": {"id": 1, "name": "HTX Nông nghiệp Vĩnh Châu"},
            "details": {}}


def record_event(batch_id: int, lot: str = "VC2026-03A") -> None:
    """A stored EPCIS event naming the batch (what the events capability keeps)."""
    models = pytest.importorskip("traceability.events.models")
    event = models.EPCISEvent(event_id=f"urn:uuid:test-{batch_id}-{lot}", content_hash="test",
                              event_type="ObjectEvent", action="OBSERVE",
                              event_time=datetime(2026, 3, 10, tzinfo=UTC),
                              event_time_zone_offset="+07:00", event={})
    event.objects = [models.EventObject(field="quantityList", identifier=f"{SHALLOT}/{lot}",
                                        canonical=f"{SHALLOT}/{lot}", gtin=SHALLOT, lot=lot,
                                        batch_id=batch_id)]
    db.session.add(event)
    db.session.commit()


def test_journey_and_one_step_back_and_forward(client, world, monkeypatch):
    from traceability.events import chain

    record_event(world["batches"]["normal"])
    supplier = SimpleNamespace(name="Công ty Giống cây trồng Miền Nam")
    shop = SimpleNamespace(name="Siêu thị Co.opmart Sóc Trăng")
    seed = SimpleNamespace(gtin="08930001000025", lot="SEED-01",
                           product=SimpleNamespace(name="Giống hành tím"))
    monkeypatch.setattr(chain, "journey", lambda batch: [
        _stage("harvesting", "Thu hoạch", "Harvesting", datetime(2026, 3, 10, 1, 30, tzinfo=UTC),
               {"gln": "8930001000019", "name": "Vùng trồng hành tím Vĩnh Hiệp",
                "address": "Ấp Vĩnh Hiệp", "province": "Sóc Trăng"}),
        _stage("packing", "Đóng gói", "Packing", datetime(2026, 3, 11, 8, 0, tzinfo=UTC), None),
    ])
    monkeypatch.setattr(chain, "one_step_back", lambda batch: [{
        "batch": seed, "organization": supplier, "relation": "transformed_from",
        "event_id": "e1", "event_time": datetime(2025, 12, 1, tzinfo=UTC), "quantity": 40,
        "uom": "KGM"}])
    monkeypatch.setattr(chain, "one_step_forward", lambda batch: [{
        "batch": None, "organization": shop, "relation": "shipped_to", "event_id": "e2",
        "event_time": datetime(2026, 3, 12, tzinfo=UTC), "quantity": None, "uom": ""}])
    _, html = page(client, DL)
    assert html.index("Thu hoạch") < html.index("Đóng gói")
    assert "08:30 10/03/2026" in html  # local time (UTC+7)
    assert "Vùng trồng hành tím Vĩnh Hiệp, Ấp Vĩnh Hiệp, Sóc Trăng" in html
    assert 'href="/scan/01/08930001000025/10/SEED-01?lang=vi"' in html
    assert "Công ty Giống cây trồng Miền Nam" in html and "Siêu thị Co.opmart Sóc Trăng" in html
    _, english = page(client, DL + "?lang=en")
    assert "Harvesting" in english and "One step back" in english


def test_a_failing_journey_does_not_break_the_page(client, world, monkeypatch):
    from traceability.events import chain

    record_event(world["batches"]["normal"])
    def broken(batch):
        raise RuntimeError("boom")

    monkeypatch.setattr(chain, "journey", broken)
    response, html = page(client, DL)
    assert response.status_code == 200 and "Hành tím Vĩnh Châu" in html


def test_journey_is_absent_until_the_events_module_exists(client, world, monkeypatch):
    from traceability.resolver import services

    monkeypatch.setattr(services, "chain_available", lambda: False)
    _, html = page(client, DL)
    assert "Chưa có thông tin hành trình cho lô hàng này." in html
    assert "Một bước trước" not in html
