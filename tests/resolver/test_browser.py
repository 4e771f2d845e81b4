"""The consumer page in headless Chromium at a phone's size, in both languages.

Screenshots go to test-artifacts/screenshots/ (git-ignored). Skips when Debian's chromium
is not installed (``make system-deps``).
"""

import io
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.resolver.conftest import RICE, SHALLOT

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app, world):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    saved = app.config["RESOLVER_BASE_URL"]
    app.config["RESOLVER_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.config["RESOLVER_BASE_URL"] = saved


def _product_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (120, 60, 90))
    draw = ImageDraw.Draw(image)
    for i in range(9):
        x, y = 60 + (i % 3) * 130, 60 + (i // 3) * 90
        draw.ellipse((x, y, x + 100, y + 80), fill=(170 + i * 6, 80, 120), outline=(90, 40, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _contrast(foreground: str, background: str) -> float:
    def luminance(css: str) -> float:
        parts = [float(p) for p in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
        channels = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
                    for c in parts]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


CASES = [
    # name, how to open it, expected banner, Vietnamese title, English title, status
    ("normal", f"/01/{SHALLOT}/10/VC2026-03A", "genuine", "Sản phẩm chính hãng",
     "Genuine product", 200),
    ("recalled", f"/scan/01/{SHALLOT}/10/VC2026-02R", "recalled", "Sản phẩm bị thu hồi",
     "Product recalled", 200),
    ("expired", f"/scan/01/{SHALLOT}/10/VC2025-01", "expired", "Đã hết hạn sử dụng",
     "Expired", 200),
    ("unknown-lot", f"/01/{SHALLOT}/10/LOT-LA", "unknown", "Mã không xác định",
     "Unknown code", 200),
    ("unknown", f"/01/{RICE}/10/X1", "unknown", "Mã không xác định", "Unknown code", 404),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_consumer_page_on_a_phone(browser, live_server, case, lang):
    name, path, banner, title_vi, title_en, status = case
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN" if lang == "vi" else "en-US",
                                  extra_http_headers={"Accept-Language": lang})
    external: list[str] = []
    photo = _product_photo()

    def route(request_route):
        url = request_route.request.url
        if url.startswith(live_server):
            return request_route.continue_()
        external.append(url)
        if url == "https://images.example.vn/hanh-tim.jpg":
            return request_route.fulfill(status=200, content_type="image/png", body=photo)
        return request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        response = page.goto(live_server + path, wait_until="load")
        assert response.status == status
        assert page.get_attribute("html", "lang") == lang
        banner_box = page.locator(".banner")
        assert f"banner-{banner}" in banner_box.get_attribute("class")
        title = page.locator(".banner-title").inner_text()
        assert title == (title_vi if lang == "vi" else title_en)
        assert banner_box.locator("svg.icon").count() == 1  # an icon, not colour alone
        colors = banner_box.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert _contrast(*colors) >= 4.5, colors
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], "no sideways scrolling on a phone"
        assert all(url == "https://images.example.vn/hanh-tim.jpg" for url in external), external
        if status == 200:
            assert page.locator("h1").inner_text().startswith(
                "Hành tím Vĩnh Châu" if lang == "vi" else "Vinh Chau shallots")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"resolver-{name}-{lang}.png"), full_page=True)
    finally:
        context.close()


def test_report_form_on_a_phone(browser, live_server, app):
    app.config["REPORT_MIN_SECONDS"] = 0
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/scan/01/{SHALLOT}/10/VC2026-03A")
        page.get_by_role("link", name="Báo cáo vấn đề").click()
        page.get_by_label("Nghi hàng giả, tem giả").check()
        page.get_by_label("Mô tả").fill("Tem dán lệch, mã QR bị in chồng lên tem khác.")
        box = page.locator("#website").bounding_box()
        assert box["x"] + box["width"] <= 0  # the honeypot stays out of people's sight
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "resolver-report-vi.png"), full_page=True)
        page.get_by_role("button", name="Gửi báo cáo").click()
        assert page.locator("h1").inner_text() == "Cảm ơn bạn!"
    finally:
        context.close()


def test_journey_on_a_phone(browser, live_server, world, monkeypatch):
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from tests.resolver.test_page import _stage, record_event
    from traceability.events import chain

    record_event(world["batches"]["normal"])
    farm = {"gln": "8930001000019", "name": "Vùng trồng hành tím Vĩnh Hiệp",
            "address": "Ấp Vĩnh Hiệp", "province": "Sóc Trăng"}
    monkeypatch.setattr(chain, "journey", lambda batch: [
        _stage("planting", "Gieo trồng", "Planting", datetime(2025, 12, 20, 0, 0, tzinfo=UTC),
               farm),
        _stage("harvesting", "Thu hoạch", "Harvesting", datetime(2026, 3, 10, 1, 30, tzinfo=UTC),
               farm),
        _stage("packing", "Đóng gói", "Packing", datetime(2026, 3, 11, 8, 0, tzinfo=UTC),
               {"gln": "8930001000026", "name": "Nhà sơ chế HTX Vĩnh Châu", "address": "",
                "province": "Sóc Trăng"}),
    ])
    monkeypatch.setattr(chain, "one_step_back", lambda batch: [{
        "batch": SimpleNamespace(gtin="08930001000025", lot="SEED-01",
                                 product=SimpleNamespace(name="Giống hành tím")),
        "organization": SimpleNamespace(name="Công ty Giống cây trồng Miền Nam"),
        "relation": "transformed_from", "event_id": "e1",
        "event_time": datetime(2025, 12, 1, tzinfo=UTC), "quantity": 40, "uom": "kg"}])
    monkeypatch.setattr(chain, "one_step_forward", lambda batch: [{
        "batch": None, "organization": SimpleNamespace(name="Siêu thị Co.opmart Sóc Trăng"),
        "relation": "shipped_to", "event_id": "e2",
        "event_time": datetime(2026, 3, 12, tzinfo=UTC), "quantity": None, "uom": ""}])
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/scan/01/{SHALLOT}/10/VC2026-03A#hanh-trinh")
        steps = page.locator(".timeline .step").all_inner_texts()
        assert steps == ["Gieo trồng", "Thu hoạch", "Đóng gói"]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#hanh-trinh").screenshot(path=str(SCREENSHOTS / "resolver-journey-vi.png"))
    finally:
        context.close()
