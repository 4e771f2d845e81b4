"""Portal forms validate as the API does, explain errors on the field in Vietnamese, keep what
was typed, and refuse to overwrite someone else's newer version silently."""

from tests.web.conftest import make_batch, make_product, with_check_digit
from tests.web.helpers import field_error, field_value, text_of
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry
from traceability.registry.models import Batch, Certificate, Location, Product

GTIN = with_check_digit("893000100011")


# --------------------------------------------------------------------------- products


def test_product_form_explains_a_bad_check_digit_and_keeps_the_input(business):
    wrong = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
    response = business.post("/portal/products/new", data={
        "gtin": wrong, "name": "Hành tím", "shelf_life_days": "abc", "net_content": "500"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "shelf_life_days") == "Nhập một số nguyên."
    assert field_value(page, "gtin") == wrong
    assert field_value(page, "name") == "Hành tím"
    assert field_value(page, "net_content") == "500"
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0


def test_product_form_shows_the_gs1_check_digit_error_in_vietnamese(business):
    wrong = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
    page = business.post("/portal/products/new", data={"gtin": wrong, "name": "Hành tím"}
                         ).get_data(as_text=True)
    assert field_error(page, "gtin") == "Số kiểm tra của GTIN không đúng tại vị trí 13"
    english = business.post("/portal/products/new?lang=en", data={"gtin": wrong, "name": "X"})
    assert "check digit" in field_error(english.get_data(as_text=True), "gtin").lower()


def test_product_form_requires_the_name_and_a_gtin_under_the_prefix(business):
    foreign = with_check_digit("893999900011")
    page = business.post("/portal/products/new", data={"gtin": foreign, "name": ""}
                         ).get_data(as_text=True)
    assert field_error(page, "name") == "Vui lòng điền mục này."
    page = business.post("/portal/products/new", data={"gtin": foreign, "name": "Hành"}
                         ).get_data(as_text=True)
    assert "không thuộc mã doanh nghiệp GS1" in field_error(page, "gtin")


def test_product_registered_then_duplicate_gtin_is_refused_on_the_field(business):
    product_id = make_product(business)
    product = db.session.get(Product, product_id)
    assert product.gtin == "0" + GTIN and product.shelf_life_days == 120
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "product.create")) is not None
    response = business.post("/portal/products/new", data={"gtin": GTIN, "name": "Again"})
    assert response.status_code == 409
    assert "đã được đăng ký" in field_error(response.get_data(as_text=True), "gtin")


def test_product_edit_saves_and_detects_a_concurrent_change(business):
    product_id = make_product(business)
    form = business.get(f"/portal/products/{product_id}/edit").get_data(as_text=True)
    version = field_version(form)
    # Someone else saves first.
    first = business.post(f"/portal/products/{product_id}/edit", data={
        "version": version, "name": "Hành tím loại 1", "standards": "TCVN 1\nVietGAP",
        "shelf_life_days": "90"})
    assert first.status_code == 303
    product = db.session.get(Product, product_id)
    assert product.name == "Hành tím loại 1" and product.standards == ["TCVN 1", "VietGAP"]
    # A second person still holds the old version: nothing is overwritten silently.
    stale = business.post(f"/portal/products/{product_id}/edit", data={
        "version": version, "name": "Hành tím loại 2"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Hành tím loại 1" in page  # the other person's version is shown
    assert field_value(page, "name") == "Hành tím loại 2"  # what this person typed is kept
    db.session.expire_all()
    assert db.session.get(Product, product_id).name == "Hành tím loại 1"
    # Saving again with the version now on the form is a deliberate overwrite.
    again = business.post(f"/portal/products/{product_id}/edit", data={
        "version": field_version(page), "name": "Hành tím loại 2"})
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get(Product, product_id).name == "Hành tím loại 2"


def field_version(page: str) -> str:
    import re

    return re.search(r'name="version" value="([^"]+)"', page).group(1).replace("&#34;", '"')


def test_product_edit_rejects_bad_values_and_keeps_them(business):
    product_id = make_product(business)
    version = field_version(business.get(f"/portal/products/{product_id}/edit")
                            .get_data(as_text=True))
    response = business.post(f"/portal/products/{product_id}/edit", data={
        "version": version, "name": "", "shelf_life_days": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "name") == "Vui lòng điền mục này."
    assert field_error(page, "shelf_life_days") == "Nhập một số từ 1 đến 36500."
    assert field_value(page, "shelf_life_days") == "0"


# --------------------------------------------------------------------------- locations


def test_location_form_checks_the_gln_and_keeps_the_input(business):
    response = business.post("/portal/locations/new", data={
        "name": "Vùng trồng", "type": "growing_area", "gln": "8930001000012",
        "latitude": "95"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "latitude") == "Nhập một số từ -90 đến 90."
    assert field_value(page, "latitude") == "95"
    response = business.post("/portal/locations/new", data={
        "name": "Vùng trồng", "type": "growing_area", "gln": "8930001000012"})
    error = field_error(response.get_data(as_text=True), "gln")
    assert error.startswith("Số kiểm tra của GLN không đúng")
    assert field_value(response.get_data(as_text=True), "name") == "Vùng trồng"


def test_location_created_with_vietnamese_decimals_and_edited(business):
    gln = with_check_digit("893000100001")
    response = business.post("/portal/locations/new", data={
        "name": "Vùng trồng Vĩnh Hiệp", "type": "growing_area", "gln": gln,
        "latitude": "9,3412", "longitude": "105,9902", "area_hectares": "42"})
    assert response.status_code == 303
    location = db.session.scalar(db.select(Location))
    assert location.latitude == 9.3412 and location.province == "Sóc Trăng"
    page = business.get(f"/portal/locations/{location.id}/edit").get_data(as_text=True)
    saved = business.post(f"/portal/locations/{location.id}/edit", data={
        "version": field_version(page), "name": "Vùng trồng mới", "type": "farm",
        "latitude": "", "longitude": "", "area_hectares": "", "address": "", "province": "X"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert location.name == "Vùng trồng mới" and location.latitude is None


# --------------------------------------------------------------------------- batches


def test_batch_form_explains_lot_and_date_errors(business):
    product_id = make_product(business)
    response = business.post("/portal/batches/new", data={
        "product_id": str(product_id), "lot": "LÔ 1", "production_date": "2026-03-12",
        "quantity": "-5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "quantity") == "Nhập một số không nhỏ hơn 0."
    assert field_value(page, "lot") == "LÔ 1"
    response = business.post("/portal/batches/new", data={
        "product_id": str(product_id), "lot": "LÔ 1"})
    assert "không dùng được trong số lô" in field_error(response.get_data(as_text=True), "lot")
    response = business.post("/portal/batches/new", data={
        "product_id": str(product_id), "lot": "L1", "production_date": "12/03/2026",
        "expiry_date": "01/03/2026"})
    assert field_error(response.get_data(as_text=True), "expiry_date") == (
        "Hạn sử dụng sớm hơn ngày sản xuất.")
    response = business.post("/portal/batches/new", data={"lot": "L1"})
    assert field_error(response.get_data(as_text=True), "product_id") == "Vui lòng điền mục này."
    assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == 0


def test_batch_registered_with_dd_mm_yyyy_and_vietnamese_quantity(business):
    product_id = make_product(business)
    batch_id = make_batch(business, product_id, production_date="12/03/2026",
                          quantity="1.250,5")
    batch = db.session.get(Batch, batch_id)
    assert batch.production_date.isoformat() == "2026-03-12"
    assert str(batch.expiry_date) == "2026-07-10"  # 120 days of shelf life
    assert str(batch.quantity) == "1250.500"
    page = text_of(business.get(f"/portal/batches/{batch_id}"))
    assert "12/03/2026" in page and "1.250,5 kg" in page
    assert "https://id.example.vn/01/0" + GTIN + "/10/VC2026-03A" in page
    duplicate = business.post("/portal/batches/new", data={"product_id": str(product_id),
                                                           "lot": "VC2026-03A"})
    assert duplicate.status_code == 409
    assert "đã được đăng ký" in field_error(duplicate.get_data(as_text=True), "lot")


def test_batch_edit_checks_dates_and_version(business):
    product_id = make_product(business)
    batch_id = make_batch(business, product_id)
    version = field_version(business.get(f"/portal/batches/{batch_id}/edit")
                            .get_data(as_text=True))
    bad = business.post(f"/portal/batches/{batch_id}/edit", data={
        "version": version, "production_date": "2026-03-12", "expiry_date": "2026-01-01",
        "quantity": "3", "unit": "kg", "location_id": "", "notes": "x"})
    assert bad.status_code == 422
    assert field_value(bad.get_data(as_text=True), "expiry_date") == "2026-01-01"
    good = business.post(f"/portal/batches/{batch_id}/edit", data={
        "version": version, "production_date": "2026-03-12", "expiry_date": "2026-09-01",
        "quantity": "3", "unit": "kg", "location_id": "", "notes": "x"})
    assert good.status_code == 303
    stale = business.post(f"/portal/batches/{batch_id}/edit", data={
        "version": version, "quantity": "4"})
    assert stale.status_code == 409


# --------------------------------------------------------------------------- certificates


def test_certificate_form_checks_rules_and_keeps_input(business):
    response = business.post("/portal/certificates/new", data={
        "type": "ocop", "number": "OCOP-1", "issuer": "UBND tỉnh", "valid_from": "2025-01-01",
        "valid_until": "2024-01-01", "scope_type": "organization"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "valid_until") == "Chứng nhận không thể hết hạn trước khi bắt đầu."
    assert field_error(page, "star_rating") == "Chứng nhận OCOP ghi hạng sao: 3, 4 hoặc 5 sao."
    assert field_value(page, "number") == "OCOP-1"
    missing = business.post("/portal/certificates/new", data={"type": "vietgap"})
    page = missing.get_data(as_text=True)
    for name in ("number", "issuer", "valid_from"):
        assert field_error(page, name) == "Vui lòng điền mục này.", name


def test_certificate_recorded_then_edited(business):
    response = business.post("/portal/certificates/new", data={
        "type": "ocop", "number": "OCOP-1", "issuer": "UBND tỉnh Sóc Trăng",
        "valid_from": "01/09/2023", "valid_until": "01/09/2026", "scope_type": "organization",
        "star_rating": "4"})
    assert response.status_code == 303
    certificate = db.session.scalar(db.select(Certificate))
    assert certificate.star_rating == 4
    page = business.get(f"/portal/certificates/{certificate.id}/edit").get_data(as_text=True)
    assert field_value(page, "star_rating") == "4"
    saved = business.post(f"/portal/certificates/{certificate.id}/edit", data={
        "version": field_version(page), "issuer": "UBND tỉnh Sóc Trăng",
        "valid_from": "2023-09-01", "valid_until": "2027-09-01", "star_rating": "5",
        "scope_description": "", "document_url": ""})
    assert saved.status_code == 303
    db.session.expire_all()
    assert certificate.star_rating == 5 and str(certificate.valid_until) == "2027-09-01"


# --------------------------------------------------------------------------- import


def test_import_reports_every_bad_row_and_changes_nothing(business):
    csv = ("gtin,name,shelf_life_days\n"
           f"{GTIN},Hành tím,120\n"
           "8930001000110,Sai số kiểm tra,abc\n").encode()
    response = business.post("/portal/import", data={
        "kind": "products", "file": (__import__("io").BytesIO(csv), "products.csv")},
        content_type="multipart/form-data")
    page = text_of(response)
    assert response.status_code == 422
    assert "nothing was imported" in page.lower() or "không có gì được nhập" in page.lower()
    assert "Nhập một số nguyên." in page  # row 3, shelf_life_days, in Vietnamese
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0


def test_import_checks_then_imports(business):
    import io

    csv = f"mã gtin,tên sản phẩm\n{GTIN},Hành tím\n".encode()
    checked = business.post("/portal/import", data={
        "kind": "products", "dry_run": "1", "file": (io.BytesIO(csv), "p.csv")},
        content_type="multipart/form-data")
    assert checked.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0
    done = business.post("/portal/import", data={
        "kind": "products", "file": (io.BytesIO(csv), "p.csv")},
        content_type="multipart/form-data")
    assert done.status_code == 200
    assert db.session.scalar(db.select(Product.name)) == "Hành tím"


def test_import_without_a_file_says_so_on_the_field(business):
    response = business.post("/portal/import", data={"kind": "products"},
                             content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "file") == (
        "Chọn một tệp .csv hoặc .xlsx.")
    bad = business.post("/portal/import", data={
        "kind": "batches", "file": (__import__("io").BytesIO(b"x"), "data.pdf")},
        content_type="multipart/form-data")
    assert field_error(bad.get_data(as_text=True), "file") == "Chọn một tệp .csv hoặc .xlsx."


# --------------------------------------------------------------------------- pending business


def test_a_pending_business_is_told_to_wait(client, app):
    from tests import factories
    from tests.web.conftest import sign_in
    from traceability.accounts import services as accounts

    org = factories.organization(status="pending", tax_code="3300111222", prefixes=("8930003",))
    accounts.create_user("new@example.vn", "business", organization_id=org.id,
                         password="correct horse battery")
    db.session.commit()
    sign_in(client, "new@example.vn")
    assert "Đang chờ phê duyệt" in text_of(client.get("/portal/"))
    response = client.post("/portal/products/new", data={
        "gtin": with_check_digit("893000300011"), "name": "Hành"})
    assert response.status_code == 403
    assert "đang chờ cơ quan quản lý" in text_of(response)
    assert field_value(response.get_data(as_text=True), "name") == "Hành"
