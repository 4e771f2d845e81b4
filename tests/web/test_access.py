"""Every page: the right role sees it; anonymous visitors are sent to sign in; other roles
get 403, and another organization's records are 404."""

from datetime import date

import pytest

from tests.web.conftest import sign_in, with_check_digit
from traceability.accounts.models import User
from traceability.extensions import db
from traceability.registry import services


@pytest.fixture
def records(app, people):
    from traceability.accounts.services import get_user_by_email

    owner = get_user_by_email("a@example.vn")
    location = services.create_location(owner, {"name": "Vùng trồng", "type": "growing_area",
                                                 "gln": with_check_digit("893000100001")})
    product = services.create_product(owner, {"gtin": with_check_digit("893000100011"),
                                              "name": "Hành tím"})
    batch = services.create_batch(owner, {"product_id": product.id, "lot": "L1"})
    certificate = services.create_certificate(owner, {
        "type": "vietgap", "number": "VG-1", "issuer": "QUACERT",
        "valid_from": date(2025, 1, 1)})
    db.session.commit()
    inspector = db.session.scalar(db.select(User).where(User.role == "inspector"))
    return {"product": product.id, "batch": batch.id, "location": location.id,
            "certificate": certificate.id, "inspector": inspector.id, "org_a": people["org_a"]}


def portal_pages(r):
    return ["/portal/", "/portal/products", "/portal/products/new",
            f"/portal/products/{r['product']}", f"/portal/products/{r['product']}/edit",
            "/portal/locations", "/portal/locations/new",
            f"/portal/locations/{r['location']}/edit", "/portal/batches", "/portal/batches/new",
            f"/portal/batches/{r['batch']}", f"/portal/batches/{r['batch']}/edit",
            "/portal/certificates", "/portal/certificates/new",
            f"/portal/certificates/{r['certificate']}/edit", "/portal/import"]


def console_pages(r):
    return ["/console/", "/console/trace?code=" + with_check_digit("893000100011")]


def admin_pages(r):
    return ["/admin/", "/admin/organizations", f"/admin/organizations/{r['org_a']}",
            "/admin/inspectors", "/admin/inspectors/new", f"/admin/inspectors/{r['inspector']}",
            f"/admin/inspectors/{r['inspector']}/active", "/admin/audit", "/admin/gateway"]


PUBLIC = ["/", "/login", "/register", "/password/forgot"]


def test_public_pages_need_no_sign_in(client, records):
    for path in PUBLIC:
        assert client.get(path).status_code == 200, path


def test_anonymous_visitors_are_sent_to_sign_in(client, records):
    for path in portal_pages(records) + console_pages(records) + admin_pages(records):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_business_sees_the_portal_only(client, records):
    sign_in(client, "a@example.vn")
    for path in portal_pages(records):
        assert client.get(path).status_code == 200, path
    for path in console_pages(records) + admin_pages(records):
        assert client.get(path).status_code == 403, path


def test_inspector_sees_the_console_only(client, records):
    sign_in(client, "inspector@example.vn")
    for path in console_pages(records):
        assert client.get(path).status_code == 200, path
    for path in portal_pages(records) + admin_pages(records):
        assert client.get(path).status_code == 403, path


def test_admin_sees_administration_and_console(client, records):
    sign_in(client, "admin@example.vn")
    for path in admin_pages(records) + console_pages(records):
        assert client.get(path).status_code == 200, path
    for path in portal_pages(records):
        assert client.get(path).status_code == 403, path


def test_another_organizations_records_are_not_found(client, records):
    sign_in(client, "b@example.vn")
    for path in portal_pages(records):
        if any(str(records[k]) in path.split("/") for k in
               ("product", "batch", "location", "certificate")):
            assert client.get(path).status_code == 404, path
    edit = client.post(f"/portal/products/{records['product']}/edit", data={"name": "Stolen"})
    assert edit.status_code == 404


def test_sign_in_lands_each_role_in_its_area(client, people):
    for email, home in (("a@example.vn", "/portal/"), ("inspector@example.vn", "/console/"),
                        ("admin@example.vn", "/admin/")):
        response = sign_in(client, email)
        assert response.headers["Location"] == home
        client.post("/logout")


def test_sign_in_returns_to_the_page_asked_for(client, people):
    response = client.post("/login?next=/portal/products",
                           data={"email": "a@example.vn", "password": "correct horse battery"})
    assert response.headers["Location"] == "/portal/products"


def test_switched_off_account_cannot_sign_in(client, people):
    user = db.session.scalar(db.select(User).where(User.email == "inspector@example.vn"))
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": "inspector@example.vn",
                                           "password": "correct horse battery"})
    assert response.status_code == 401


def test_navigation_follows_the_role_and_marks_the_current_section(client, records):
    sign_in(client, "a@example.vn")
    page = client.get(f"/portal/products/{records['product']}").get_data(as_text=True)
    assert '<a href="/portal/products" aria-current="page">' in page
    assert "/admin/" not in page and "/console/" not in page
    client.post("/logout")
    sign_in(client, "admin@example.vn")
    page = client.get(f"/admin/organizations/{records['org_a']}").get_data(as_text=True)
    assert '<a href="/admin/organizations" aria-current="page">' in page
    assert '<a href="/console/">' in page and "/portal/" not in page
