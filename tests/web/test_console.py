"""The inspector console: one box for every kind of code, the chain view, and holds and
recalls that need a reason and a confirmation."""

from datetime import date

import pytest

from tests.web.conftest import sign_in, with_check_digit
from tests.web.helpers import field_error, field_value, text_of
from traceability.accounts import services as accounts
from traceability.extensions import db
from traceability.registry import services
from traceability.registry.models import Batch
from traceability.web import codes

GS = "\x1d"
GTIN13 = with_check_digit("893000100011")
GTIN14 = "0" + GTIN13


@pytest.fixture
def batch(app, people):
    owner = accounts.get_user_by_email("a@example.vn")
    product = services.create_product(owner, {"gtin": GTIN13, "name": "Hành tím Vĩnh Châu"})
    created = services.create_batch(owner, {"product_id": product.id, "lot": "VC26A",
                                            "production_date": date(2026, 3, 12),
                                            "expiry_date": date(2026, 12, 31)})
    services.create_certificate(owner, {"type": "vietgap", "number": "VG-9",
                                        "issuer": "QUACERT", "valid_from": date(2025, 1, 1),
                                        "valid_until": date(2027, 1, 1)})
    db.session.commit()
    return created.id


def test_search_page_offers_one_box_ready_for_a_scanner(inspector):
    page = text_of(inspector.get("/console/"))
    assert 'id="code"' in page and "data-autofocus" in page
    assert "/static/console.js" in page
    assert '<label for="code">' in page


def test_digital_link_shows_the_chain(inspector, batch):
    response = inspector.get(f"/console/trace?code=https://id.example.vn/01/{GTIN14}/10/VC26A")
    page = text_of(response)
    assert response.status_code == 200
    assert "Hành tím Vĩnh Châu" in page and "VC26A" in page
    assert "HTX Hành tím Vĩnh Châu" in page and "2200123456" in page
    assert "VG-9" in page and "01/01/2027" in page  # certificate, valid until, Vietnamese date
    assert "12/03/2026" in page
    assert "Một bước trước" in page and "Một bước sau" in page


def test_raw_gs1_128_scan_with_separators(inspector, batch):
    raw = f"]C101{GTIN14}17261231" + "10VC26A"
    response = inspector.get("/console/trace", query_string={"code": raw})
    assert response.status_code == 200
    assert "VC26A" in text_of(response)
    with_gs = f"01{GTIN14}10VC26A{GS}17261231"
    assert inspector.get("/console/trace", query_string={"code": with_gs}).status_code == 200


def test_scan_whose_separator_was_dropped_is_still_found(inspector, batch):
    dropped = f"01{GTIN14}10VC26A17261231"  # the wedge typed nothing for GS
    response = inspector.get("/console/trace", query_string={"code": dropped})
    page = text_of(response)
    assert response.status_code == 200
    assert "bỏ sót ký tự phân cách" in page
    assert f"(01){GTIN14}(10)VC26A(17)261231" in page


def test_hidden_separator_readings():
    assert codes.hidden_separator_readings(f"01{GTIN14}10AB21XYZ") == [
        [("01", GTIN14), ("10", "AB21XYZ")], [("01", GTIN14), ("10", "AB"), ("21", "XYZ")]]
    assert codes.hidden_separator_readings(GTIN13) == []
    assert codes.hidden_separator_readings("https://id.example.vn/01/" + GTIN14) == []
    reading = codes.read(f"01{GTIN14}10VC26A{{GS}}17261231\r\n")
    assert reading.parsed.elements == [("01", GTIN14), ("10", "VC26A"), ("17", "261231")]


def test_unknown_and_invalid_codes_are_explained(inspector, batch):
    unknown = inspector.get("/console/trace", query_string={"code": with_check_digit(
        "893999900011")})
    assert unknown.status_code == 404
    assert "Không tìm thấy" in text_of(unknown)
    wrong_digit = GTIN13[:-1] + str((int(GTIN13[-1]) + 1) % 10)
    invalid = inspector.get("/console/trace", query_string={"code": wrong_digit})
    assert invalid.status_code == 400
    assert "Số kiểm tra của GTIN không đúng" in text_of(invalid)
    assert 'value="' + wrong_digit + '"' in text_of(invalid)  # the box keeps the code


def test_product_code_lists_its_batches(inspector, batch):
    page = text_of(inspector.get("/console/trace", query_string={"code": GTIN13}))
    assert "Các lô của sản phẩm này" in page and "VC26A" in page


def test_hold_needs_a_reason_then_release_then_recall(inspector, batch):
    confirm = inspector.get(f"/console/batches/{batch}/hold")
    assert confirm.status_code == 200 and "Lý do" in text_of(confirm)
    missing = inspector.post(f"/console/batches/{batch}/hold", data={"reason": "  "})
    assert missing.status_code == 422
    assert field_error(missing.get_data(as_text=True), "reason")
    assert db.session.get(Batch, batch).status == "active"
    held = inspector.post(f"/console/batches/{batch}/hold", data={"reason": "Chờ kết quả mẫu"})
    assert held.status_code == 303
    db.session.expire_all()
    assert db.session.get(Batch, batch).status == "on_hold"
    page = text_of(inspector.get(held.headers["Location"]))
    assert "Tạm dừng lưu thông" in page and "Chờ kết quả mẫu" in page
    again = inspector.post(f"/console/batches/{batch}/hold", data={"reason": "lại"})
    assert again.status_code == 409
    released = inspector.post(f"/console/batches/{batch}/release", data={"reason": "Mẫu đạt"})
    assert released.status_code == 303
    recall = inspector.post(f"/console/batches/{batch}/recall",
                            data={"reason": "Dư lượng thuốc BVTV vượt ngưỡng", "level": "9"})
    assert recall.status_code == 422
    assert field_value(recall.get_data(as_text=True), "reason") == (
        "Dư lượng thuốc BVTV vượt ngưỡng")
    recall = inspector.post(f"/console/batches/{batch}/recall",
                            data={"reason": "Dư lượng thuốc BVTV vượt ngưỡng", "level": "1"})
    assert recall.status_code == 303
    db.session.expire_all()
    assert db.session.get(Batch, batch).status == "recalled"
    assert "Đã thu hồi" in text_of(inspector.get(recall.headers["Location"]))


def test_inspector_outside_the_province_sees_nothing(client, batch):
    accounts.create_user("longan@example.vn", "inspector", password="correct horse battery",
                         scope_provinces=["Long An"])
    db.session.commit()
    sign_in(client, "longan@example.vn")
    response = client.get("/console/trace", query_string={"code": GTIN13})
    assert response.status_code == 404
    assert client.get(f"/console/batches/{batch}/hold").status_code == 404


def test_unknown_action_is_not_found(inspector, batch):
    assert inspector.get(f"/console/batches/{batch}/destroy").status_code == 404


def test_inspection_form_checks_and_records(inspector, batch, people):
    from traceability.oversight.models import Inspection

    page = text_of(inspector.get(f"/console/inspections/new?organization_id={people['org_a']}"
                                 f"&batch_id={batch}"))
    assert field_value(page, "batch_id") == str(batch)
    missing = inspector.post("/console/inspections/new", data={
        "organization_id": "", "date": "31/02/2026", "notes": "Kiểm tra nhãn"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert field_error(page, "organization_id") == "Vui lòng điền mục này."
    assert field_error(page, "date") == "Nhập ngày theo dạng ngày/tháng/năm (dd/mm/yyyy)."
    assert field_value(page, "notes") == "Kiểm tra nhãn"
    done = inspector.post("/console/inspections/new", data={
        "organization_id": str(people["org_a"]), "batch_id": str(batch),
        "date": "20/03/2026", "result": "non_compliant", "place": "Chợ Sóc Trăng",
        "notes": "Tem không đúng lô"})
    assert done.status_code == 303
    inspection = db.session.scalar(db.select(Inspection))
    assert inspection.batch_ids == [batch] and inspection.result == "non_compliant"
    listing = text_of(inspector.get("/console/inspections"))
    assert "Không đạt" in listing and "20/03/2026" in listing
    trace = text_of(inspector.get("/console/trace", query_string={"code": GTIN13 + "x"}))
    assert trace  # a bad code still renders the console


def test_business_cannot_record_inspections(business):
    assert business.get("/console/inspections").status_code == 403
