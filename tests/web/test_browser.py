"""End-to-end journeys in headless Chromium against a real server with CSRF switched on.

A cooperative registers, an administrator approves it, the cooperative adds a product and a
batch and prints labels; an inspector scans a raw GS1-128 string with a keyboard-wedge
scanner and recalls the batch; a consumer opens the batch's code and sees the recall.
Screenshots at phone and desktop sizes go to test-artifacts/screenshots/.
"""

import os
import re
import threading
from pathlib import Path

import pytest

from tests.conftest import TEST_CONFIG
from tests.web.conftest import PASSWORD, with_check_digit
from traceability.accounts import services as accounts
from traceability.extensions import db

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
GS = "\x1d"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app, database_url):
    """The application with CSRF protection on, served by a real HTTP server in a thread."""
    from werkzeug.serving import make_server

    from traceability import create_app

    served = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                         "WTF_CSRF_ENABLED": True, "SMTP_URL": ""})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    served.config["RESOLVER_BASE_URL"] = base  # the codes it issues resolve here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(5)
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def staff(app):
    accounts.create_user("admin@example.vn", "admin", password=PASSWORD)
    accounts.create_user("inspector@example.vn", "inspector", password=PASSWORD)
    db.session.commit()


def snap(page, name: str) -> None:
    """Full-page screenshots of the current page at phone and desktop sizes."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


def new_page(browser, base: str, viewport=PHONE):
    context = browser.new_context(viewport=viewport, base_url=base, locale="vi-VN")
    context.set_default_timeout(15000)
    return context.new_page()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


# --------------------------------------------------------------------------- journeys


def test_cooperative_registers_is_approved_and_prints_labels(browser, live_server, staff):
    gtin = with_check_digit("893555500012")
    home = new_page(browser, live_server)
    home.goto("/")
    snap(home, "01-home")

    # The cooperative registers itself (a mistake first: the typed values stay).
    coop = home
    coop.get_by_role("link", name="Đăng ký doanh nghiệp").first.click()
    coop.get_by_label("Tên doanh nghiệp").fill("Hợp tác xã Thanh long Châu Thành")
    coop.get_by_label("Loại hình").select_option("cooperative")
    coop.get_by_label("Mã số thuế (MST)").fill("110123456")
    coop.get_by_label("Địa chỉ").fill("Ấp 3, xã Hòa Phú, huyện Châu Thành")
    coop.get_by_label("Tỉnh/thành phố").fill("Long An")
    coop.get_by_label("Mã doanh nghiệp GS1").fill("8935555")
    coop.get_by_label("Email").fill("htx.chauthanh@example.vn")
    coop.locator("#f-password").fill("thanh long ruột đỏ")
    coop.locator("#f-password_confirm").fill("thanh long ruột đỏ")
    coop.get_by_role("button", name="Gửi đăng ký").click()
    assert coop.locator("#f-tax_code-error").is_visible()
    assert coop.get_by_label("Tên doanh nghiệp").input_value() == (
        "Hợp tác xã Thanh long Châu Thành")
    snap(coop, "02-register-error")
    coop.get_by_label("Mã số thuế (MST)").fill("1101234567")
    coop.locator("#f-password").fill("thanh long ruột đỏ")
    coop.locator("#f-password_confirm").fill("thanh long ruột đỏ")
    coop.get_by_role("button", name="Gửi đăng ký").click()
    coop.get_by_role("heading", name="Đã nhận đăng ký").wait_for()
    snap(coop, "03-registered")

    # An administrator approves it (desktop).
    admin = new_page(browser, live_server, DESKTOP)
    sign_in(admin, "admin@example.vn")
    assert admin.url.endswith("/admin/")
    snap(admin, "04-admin-dashboard")
    admin.get_by_role("link", name="Tổ chức", exact=True).click()
    admin.get_by_role("link", name="Hợp tác xã Thanh long Châu Thành").click()
    snap(admin, "05-admin-organization")
    admin.get_by_role("button", name="Phê duyệt").click()
    assert "Đã phê duyệt" in admin.locator(".flash").inner_text()
    admin.get_by_role("link", name="Nhật ký thay đổi").click()
    assert "còn nguyên vẹn" in admin.locator("main").inner_text()
    snap(admin, "05b-admin-audit")
    admin.get_by_role("link", name="Đồng bộ Cổng quốc gia").click()
    snap(admin, "05c-admin-gateway")

    # The cooperative signs in, registers a product (a wrong digit first) and a batch.
    sign_in(coop, "htx.chauthanh@example.vn", "thanh long ruột đỏ")
    assert coop.url.endswith("/portal/")
    snap(coop, "06-portal-dashboard")
    coop.goto("/portal/products/new")
    coop.get_by_label("GTIN (số mã vạch)").fill(gtin[:-1] + str((int(gtin[-1]) + 1) % 10))
    coop.locator("#f-name").fill("Thanh long ruột đỏ Châu Thành")
    coop.get_by_label("Khối lượng tịnh").fill("1")
    coop.locator("#f-unit").fill("kg")
    coop.get_by_label("Hạn sử dụng (ngày)").fill("20")
    coop.get_by_role("button", name="Đăng ký sản phẩm").click()
    error = coop.locator("#f-gtin-error")
    assert "Số kiểm tra của GTIN không đúng" in error.inner_text()
    assert coop.locator("#f-name").input_value() == (
        "Thanh long ruột đỏ Châu Thành")
    snap(coop, "07-product-error")
    coop.get_by_label("GTIN (số mã vạch)").fill(gtin)
    coop.get_by_role("button", name="Đăng ký sản phẩm").click()
    coop.get_by_role("heading", name="Thanh long ruột đỏ Châu Thành").wait_for()
    snap(coop, "08-product")
    coop.get_by_role("link", name="Lô hàng mới").first.click()
    coop.get_by_label("Số lô").fill("TL2026-05")
    coop.get_by_label("Ngày sản xuất").fill("2026-05-02")
    coop.get_by_label("Số lượng").fill("3.500")
    coop.get_by_role("button", name="Đăng ký lô hàng").click()
    coop.get_by_text("Đã đăng ký lô TL2026-05.").wait_for()
    assert "22/05/2026" in coop.content()  # expiry from 20 days of shelf life
    assert "3.500 kg" in coop.content()  # "3.500" is three and a half thousand in Vietnamese
    snap(coop, "09-batch")

    # Labels: 12 serialised units on an A4 sheet; progress, then the PDF.
    coop.get_by_role("link", name="In tem").first.click()
    stock = coop.locator("#f-stock option").nth(1).get_attribute("value")
    coop.get_by_label("Giấy in tem").select_option(stock)
    coop.get_by_label("Số sản phẩm có sê-ri riêng").fill("12")
    snap(coop, "10-labels-form")
    coop.get_by_role("button", name="Chuẩn bị tem").click()
    download_link = coop.get_by_role("link", name="Tải tệp PDF")
    coop.get_by_text("Đã xong").wait_for(timeout=30000)
    assert coop.locator("#job-count").inner_text() == "12 / 12 tem"
    assert download_link.is_visible()
    snap(coop, "11-labels-ready")
    with coop.expect_download() as download:
        download_link.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # A spreadsheet with a bad row: every problem listed, nothing imported.
    coop.get_by_role("link", name="Nhập tệp").click()
    coop.get_by_label("Lô hàng", exact=True).check()
    coop.get_by_label("Chỉ kiểm tra tệp (không lưu)").uncheck()
    coop.locator("#f-file").set_input_files(files=[{
        "name": "lo-hang.csv", "mimeType": "text/csv",
        "buffer": (f"mã gtin,số lô,nsx,số lượng\n{gtin},TL2026-06,2026-05-09,1200\n"
                   f"{gtin},TL 2026/07,09/05/2026,nhiều\n").encode()}])
    coop.get_by_role("button", name="Nhập tệp").click()
    problems = coop.locator("table").inner_text()
    assert "Nhập một số." in problems and "3" in problems
    snap(coop, "11b-import-problems")
    _record_scans("TL2026-05")
    coop.get_by_role("link", name="Lượt quét").click()
    coop.get_by_role("heading", name="Lượt quét theo ngày").wait_for()
    assert coop.locator("svg.chart").count() == 3
    assert coop.locator("svg.chart rect.bar").count() > 30
    snap(coop, "11c-stats")


def test_inspector_scans_a_raw_gs1_128_string_and_recalls(browser, live_server, people_batch):
    gtin14, lot = people_batch
    inspector = new_page(browser, live_server, DESKTOP)
    sign_in(inspector, "inspector@example.vn")
    assert inspector.url.endswith("/console/")
    box = inspector.locator("#code")
    assert inspector.evaluate("document.activeElement.id") == "code"
    snap(inspector, "12-console")
    # A keyboard wedge types the symbology identifier and data, Ctrl+] for GS, then Enter.
    box.press_sequentially(f"]C101{gtin14}10{lot}")
    box.press("Control+BracketRight")
    box.press_sequentially("17261231")
    assert inspector.evaluate("document.getElementById('code').value").count(GS) == 1
    box.press("Enter")
    inspector.wait_for_load_state()
    inspector.get_by_role("heading", name=re.compile("Hành tím Vĩnh Châu")).wait_for()
    snap(inspector, "13-trace")
    inspector.get_by_role("link", name="Thu hồi").click()
    inspector.get_by_role("button", name=re.compile("Xác nhận")).click()
    assert inspector.locator("#f-reason-error").is_visible()
    inspector.get_by_label("Lý do").fill("Dư lượng thuốc bảo vệ thực vật vượt ngưỡng")
    inspector.get_by_label("Mức độ thu hồi").select_option("1")
    snap(inspector, "14-recall-confirm")
    inspector.get_by_role("button", name=re.compile("Xác nhận")).click()
    inspector.get_by_text("Lô hàng đã bị thu hồi.").wait_for()
    snap(inspector, "15-recalled")

    # A consumer scans the QR code with a phone: the page says the batch is recalled.
    consumer = new_page(browser, live_server, PHONE)
    response = consumer.goto(f"/01/{gtin14}/10/{lot}")
    assert response.status == 200
    assert consumer.locator("html").get_attribute("lang") == "vi"
    assert "thu hồi" in consumer.locator("body").inner_text().lower()
    snap(consumer, "16-consumer-recalled")


def test_inspector_sees_separator_readings_when_a_scan_lost_them(browser, live_server,
                                                                  people_batch):
    gtin14, lot = people_batch
    page = new_page(browser, live_server, PHONE)
    sign_in(page, "inspector@example.vn")
    page.locator("#code").fill(f"01{gtin14}10{lot}17261231")
    page.locator("#code").press("Enter")
    page.wait_for_load_state()
    assert "bỏ sót ký tự phân cách" in page.locator("main").inner_text()
    snap(page, "17-trace-dropped-separator")


def _record_scans(lot: str) -> None:
    """Scans of the batch over the last weeks, as the resolver logs them."""
    from datetime import timedelta

    from traceability.database import utcnow
    from traceability.registry.models import Batch
    from traceability.resolver.models import ScanEvent
    from traceability.resolver.services import local_today

    batch = db.session.scalar(db.select(Batch).where(Batch.lot == lot))
    regions = ["Long An", "Thành phố Hồ Chí Minh", "Long An", "Tiền Giang", "Hà Nội", "Cần Thơ"]
    for day in range(28):
        for n in range((day * 7) % 11 + 1):
            db.session.add(ScanEvent(
                scanned_at=utcnow() - timedelta(days=day), region=regions[(day + n) % 6],
                scanned_on=local_today() - timedelta(days=day), batch_id=batch.id,
                organization_id=batch.organization_id, product_id=batch.product_id,
                gtin=batch.gtin, lot=batch.lot))
    db.session.commit()


@pytest.fixture
def people_batch(app, staff):
    from datetime import date

    from tests import factories
    from traceability.registry import services

    org = factories.organization()
    owner = accounts.create_user("a@example.vn", "business", organization_id=org.id,
                                 password=PASSWORD)
    product = services.create_product(owner, {
        "gtin": with_check_digit("893000100011"), "name": "Hành tím Vĩnh Châu",
        "brand": "Hành tím Vĩnh Châu", "net_content": "500", "unit": "g",
        "standards": ["TCVN 11041-2:2017"]})
    batch = services.create_batch(owner, {"product_id": product.id, "lot": "VC26A",
                                          "production_date": date(2026, 3, 12),
                                          "expiry_date": date(2026, 12, 31)})
    db.session.commit()
    return batch.gtin, batch.lot
