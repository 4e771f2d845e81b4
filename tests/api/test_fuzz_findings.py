"""What the schemathesis run (test_fuzz.py) found, each pinned by a focused test."""

import io
import warnings

import pytest
from sqlalchemy.exc import SADeprecationWarning

from tests import factories

HUGE = 2**64  # past SQLite's INTEGER and PostgreSQL's bigint


@pytest.fixture
def admin(app):
    return factories.user_with_key("admin@example.vn", "admin")[1]


@pytest.fixture
def business(app):
    organization = factories.organization()
    return factories.user_with_key("farm@example.vn", "business",
                                   organization_id=organization.id)[1]


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_id_too_large_for_the_database_names_nothing(client, admin, method):
    # Was a 500 (OverflowError binding the id); DELETE and PATCH then answered 405.
    response = getattr(client, method)(f"/api/v1/batches/{HUGE}", headers=admin, json={})
    _problem(response, 404)
    _problem(client.get(f"/api/v1/batches/{2**31}", headers=admin), 404)


@pytest.mark.parametrize("url, field", [
    (f"/api/v1/batches?organization_id={HUGE}", "organization_id"),
    (f"/api/v1/products?organization_id={HUGE}", "organization_id"),
    (f"/api/v1/scans/stats?batch_id={HUGE}", "batch_id"),
    (f"/api/v1/gateway/sync-state?kind=batch&id={HUGE}", "id"),
    (f"/api/v1/audit?page={HUGE}", "page"),
    (f"/api/v1/copy-alerts?page={HUGE}", "page"),
])
def test_query_numbers_too_large_are_refused_by_name(client, admin, url, field):
    # Were 500s: the id or the page offset reached the database.
    assert field in _problem(client.get(url, headers=admin), 422)["errors"]


def test_body_ids_too_large_are_refused_by_name(client, admin):
    product = client.post("/api/v1/products", headers=admin, json={
        "organization_id": HUGE, "gtin": "08930001000025", "name": "Hành tím"})
    assert "organization_id" in _problem(product, 422)["errors"]
    inspection = client.post("/api/v1/inspections", headers=admin, json={
        "organization_id": 1, "batch_ids": [HUGE]})
    assert "batch_ids" in _problem(inspection, 422)["errors"]


@pytest.mark.parametrize("organization_id", ["²", str(HUGE), "-1"])
def test_import_form_fields_are_validated(client, admin, organization_id):
    # "²" passed str.isdigit() and then failed int(): a 500; a huge id overflowed.
    response = client.post("/api/v1/imports/products", headers=admin,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"gtin,name\n"), "rows.csv"),
                                 "organization_id": organization_id})
    assert "organization_id" in _problem(response, 422)["errors"]


def test_import_dry_run_must_be_a_boolean(client, business):
    response = client.post("/api/v1/imports/products", headers=business,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"gtin,name\n"), "rows.csv"),
                                 "dry_run": "perhaps"})
    assert "dry_run" in _problem(response, 422)["errors"]


def test_an_empty_match_parameter_matches_no_event(client, business):
    # An empty or_() would be dropped by SQLAlchemy (matching every event), with a warning
    # that it is about to become an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error", SADeprecationWarning)
        response = client.get("/api/v1/epcis/events?MATCH_epc=", headers=business)
    assert response.status_code == 200
    assert response.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


@pytest.mark.parametrize("method, url, body, place", [
    ("get", "/api/v1/audit?action=batch%00create", None, "action"),
    ("get", "/api/v1/epcis/events/urn:uuid:1%002", None, "event_id"),
    ("post", "/api/v1/products", {"gtin": "08930001000025", "name": "H\u0000t"}, "/name"),
    ("post", "/api/v1/events", {"type": "ObjectEvent", "epcList": ["ok", "a\u0000b"]},
     "/epcList/1"),
])
def test_nul_characters_are_refused_by_name(client, business, method, url, body, place):
    # PostgreSQL refuses NUL in text: the query or the insert failed with a DataError (500).
    response = getattr(client, method)(url, headers=business, json=body)
    assert list(_problem(response, 400)["errors"]) == [place]


def test_an_import_file_holding_nul_is_refused(client, business):
    response = client.post("/api/v1/imports/products", headers=business,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"gtin,name\n08930001000025,H\x00t\n"),
                                          "rows.csv")})
    assert "file" in _problem(response, 422)["errors"]


def test_a_multipart_part_without_a_name_is_ignored(client, business):
    # werkzeug reads it as a form field named None, which the NUL check did not expect.
    body = (b"--XX\r\nContent-Disposition: form-data\r\n\r\n{}\r\n"
            b'--XX\r\nContent-Disposition: form-data; name="file"; filename="rows.csv"\r\n\r\n'
            b"gtin,name\r\n--XX--\r\n")
    response = client.post("/api/v1/imports/products", data=body, headers={
        **business, "Content-Type": "multipart/form-data; boundary=XX"})
    assert "file" in _problem(response, 422)["errors"]
