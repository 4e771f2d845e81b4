"""People and records for page tests: two approved businesses, an inspector and an admin,
each able to sign in with a password."""

import pytest

from tests import factories
from traceability.accounts import services as accounts
from traceability.extensions import db
from traceability.gs1 import check_digit

PASSWORD = "correct horse battery"


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def sign_in(client, email: str, password: str = PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture(autouse=True)
def _fresh_locale_per_request(app):
    """Each request chooses its language, as in production where every request has its own
    application context (the ``app`` fixture keeps one context open for the whole test)."""
    from flask import g, request_started

    def reset(sender, **extra):
        g.pop("_flask_babel", None)

    request_started.connect(reset, app)
    yield
    request_started.disconnect(reset, app)


@pytest.fixture
def people(app):
    org_a = factories.organization(name="HTX Hành tím Vĩnh Châu", tax_code="2200123456",
                                   prefixes=("8930001",))
    org_b = factories.organization(name="Trang trại thanh long Long An", tax_code="1100654321",
                                   prefixes=("8930002",), province="Long An")
    for email, role, org in (("a@example.vn", "business", org_a.id),
                             ("b@example.vn", "business", org_b.id),
                             ("inspector@example.vn", "inspector", None),
                             ("admin@example.vn", "admin", None)):
        accounts.create_user(email, role, organization_id=org, password=PASSWORD)
    db.session.commit()
    return {"org_a": org_a.id, "org_b": org_b.id}


@pytest.fixture
def business(client, people):
    sign_in(client, "a@example.vn")
    return client


@pytest.fixture
def inspector(client, people):
    sign_in(client, "inspector@example.vn")
    return client


@pytest.fixture
def admin(client, people):
    sign_in(client, "admin@example.vn")
    return client


def make_product(client, gtin_body="893000100011", name="Hành tím Vĩnh Châu", **extra):
    data = {"gtin": with_check_digit(gtin_body), "name": name, "sector": "fresh_produce",
            "net_content": "500", "unit": "g", "shelf_life_days": "120", **extra}
    response = client.post("/portal/products/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def make_batch(client, product_id, lot="VC2026-03A", **extra):
    data = {"product_id": str(product_id), "lot": lot, "production_date": "2026-03-12",
            "quantity": "2400", "unit": "kg", **extra}
    response = client.post("/portal/batches/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])
