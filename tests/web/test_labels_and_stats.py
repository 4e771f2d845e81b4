"""Label printing (choose batch, serial count, label stock; watch progress; download the PDF)
and scan statistics drawn as inline SVG."""

import re
import time

import pytest

from tests.web.conftest import make_batch, make_product
from tests.web.helpers import field_error, text_of
from traceability.extensions import db
from traceability.labels.models import LabelJob, Serial
from traceability.web import charts


def _wait_for_job(client, job_id, timeout=30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/portal/labels/jobs/{job_id}/status").json
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"label job {job_id} did not finish")


def test_labels_form_checks_its_fields(business):
    product_id = make_product(business)
    batch_id = make_batch(business, product_id)
    page = text_of(business.get(f"/portal/labels?batch_id={batch_id}"))
    assert "A4" in page and "Giấy in tem" in page
    response = business.post("/portal/labels", data={"batch_id": str(batch_id), "stock": "",
                                                     "serial_count": "mười"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "stock") == "Vui lòng điền mục này."
    assert field_error(page, "serial_count") == "Nhập một số nguyên."
    assert 'value="mười"' in page


def test_labels_are_prepared_and_downloaded(business):
    product_id = make_product(business)
    batch_id = make_batch(business, product_id)
    stock = re.search(r'<option value="([^"]+)">A4', business.get("/portal/labels")
                      .get_data(as_text=True)).group(1)
    response = business.post("/portal/labels", data={"batch_id": str(batch_id),
                                                     "stock": stock, "serial_count": "5"})
    assert response.status_code == 303
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert db.session.scalar(db.select(db.func.count()).select_from(Serial)) == 5
    status = _wait_for_job(business, job_id)
    assert status == {"status": "done", "total": 5, "done": 5, "error": ""}
    page = text_of(business.get(f"/portal/labels/jobs/{job_id}"))
    assert "Tải tệp PDF" in page
    pdf = business.get(f"/portal/labels/jobs/{job_id}/labels.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_another_business_cannot_see_the_job(business, client, people):
    product_id = make_product(business)
    batch_id = make_batch(business, product_id)
    stock = re.search(r'<option value="([^"]+)">A4', business.get("/portal/labels")
                      .get_data(as_text=True)).group(1)
    response = business.post("/portal/labels", data={"batch_id": str(batch_id),
                                                     "stock": stock, "serial_count": "0"})
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    _wait_for_job(business, job_id)
    business.post("/logout")
    from tests.web.conftest import sign_in

    sign_in(business, "b@example.vn")
    assert business.get(f"/portal/labels/jobs/{job_id}").status_code == 404
    assert business.get(f"/portal/labels/jobs/{job_id}/labels.pdf").status_code == 404
    assert db.session.get(LabelJob, job_id).status == "done"


def test_scan_statistics_page_draws_svg_charts(business):
    page = text_of(business.get("/portal/stats"))
    assert "Lượt quét theo ngày" in page
    assert "Không có lượt quét nào trong khoảng này." in page  # nothing scanned yet
    assert "<script" not in page.split("<main")[1]


def test_charts_are_accessible_svg_with_escaped_labels():
    data = {"days": [{"date": "2026-03-01", "scans": 3}, {"date": "2026-03-02", "scans": 1200}],
            "provinces": [{"province": "Sóc Trăng", "scans": 900},
                          {"province": None, "scans": 3}],
            "top_batches": [{"batch_id": 7, "gtin": "08930001000114", "lot": "<L1>",
                             "scans": 1203}]}
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        per_day, per_province, top = charts.scan_charts(data, {7: "Hành tím & tỏi"})
    assert per_day.rows == [("1 Mar 2026", 3), ("2 Mar 2026", 1200)]  # English: no selector
    assert ">1 Mar</text>" in str(per_day.svg)
    svg = str(per_day.svg)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="per-day-t per-day-d"' in svg
    assert svg.count('class="bar"') == 2
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', svg)]
    assert heights[1] > heights[0] * 100
    assert per_province.rows[1][0] == "Unknown"
    top_svg = str(top.svg)
    assert "&lt;L1&gt;" in top_svg and "<L1>" not in top_svg
    assert "Hành tím &amp; tỏi" in top_svg
    assert "1,203" in top_svg  # numbers formatted for the locale (default here: en)


@pytest.mark.parametrize("days", ["7", "abc", "9999"])
def test_stats_period_is_bounded(business, days):
    assert business.get(f"/portal/stats?days={days}").status_code == 200


def test_stats_count_real_scans(business):
    from traceability.accounts.services import get_user_by_email
    from traceability.database import utcnow
    from traceability.resolver.models import ScanEvent
    from traceability.resolver.services import local_today

    product_id = make_product(business)
    batch_id = make_batch(business, product_id)
    owner = get_user_by_email("a@example.vn")
    for region in ("Sóc Trăng", "Sóc Trăng", "Cần Thơ"):
        db.session.add(ScanEvent(scanned_at=utcnow(), scanned_on=local_today(), region=region,
                                 organization_id=owner.organization_id, batch_id=batch_id,
                                 product_id=product_id, gtin="08930001000114",
                                 lot="VC2026-03A"))
    db.session.commit()
    page = text_of(business.get("/portal/stats?days=7"))
    assert "3 lượt quét trong 7 ngày." in page
    assert "Sóc Trăng" in page and "Cần Thơ" in page
    assert "Hành tím Vĩnh Châu · VC2026-03A" in page
