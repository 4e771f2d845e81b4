"""Authentication, API keys and the problem+json error model."""

from sqlalchemy import select

from tests import factories
from traceability.accounts.models import ApiKey
from traceability.extensions import db


def test_me_requires_a_key(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401


def test_me_with_key(app, client):
    _, headers = factories.user_with_key("inspector@example.vn", "inspector")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json["email"] == "inspector@example.vn"
    assert response.json["role"] == "inspector"


def test_unauthenticated_write_is_401(client):
    response = client.post("/api/v1/api-keys", json={"name": "x"})
    assert response.status_code == 401
    assert response.json["type"].endswith("unauthorized")


def test_wrong_scheme_and_wrong_key_are_401(app, client):
    for header in ("Basic abc", "Bearer ", "Bearer trc_nope_nope", "Bearer garbage"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_keys_are_stored_hashed(app, client):
    user, headers = factories.user_with_key("b@example.vn", "inspector")
    plain = headers["Authorization"].split(" ", 1)[1]
    stored = db.session.scalars(select(ApiKey).where(ApiKey.user_id == user.id)).all()
    assert len(stored) == 1
    assert plain not in (stored[0].digest, stored[0].prefix)
    assert stored[0].prefix in plain


def test_issue_list_and_revoke_key(app, client):
    _, headers = factories.user_with_key("c@example.vn", "inspector")
    created = client.post("/api/v1/api-keys", json={"name": "laptop"}, headers=headers)
    assert created.status_code == 201
    new_key = created.json["key"]
    listing = client.get("/api/v1/api-keys", headers=headers).json["items"]
    assert {k["name"] for k in listing} == {"test", "laptop"}
    assert all("key" not in k and "digest" not in k for k in listing)

    new_headers = {"Authorization": f"Bearer {new_key}"}
    assert client.get("/api/v1/me", headers=new_headers).status_code == 200
    revoked = client.post(f"/api/v1/api-keys/{created.json['id']}/revoke", headers=headers)
    assert revoked.status_code == 200
    assert revoked.json["revoked_at"]
    assert client.get("/api/v1/me", headers=new_headers).status_code == 401
    # The other key still works.
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_cannot_revoke_someone_elses_key(app, client):
    owner, _ = factories.user_with_key("owner@example.vn", "inspector")
    _, other_headers = factories.user_with_key("other@example.vn", "inspector")
    key_id = owner.api_keys[0].id
    response = client.post(f"/api/v1/api-keys/{key_id}/revoke", headers=other_headers)
    assert response.status_code == 404
    assert owner.api_keys[0].revoked_at is None


def test_malformed_json_is_400_problem(app, client):
    _, headers = factories.user_with_key("d@example.vn", "inspector")
    response = client.post("/api/v1/api-keys", data="{not json",
                           content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "JSON" in response.json["detail"]


def test_non_json_body_is_415(app, client):
    _, headers = factories.user_with_key("e@example.vn", "inspector")
    response = client.post("/api/v1/api-keys", data="name=x",
                           content_type="application/x-www-form-urlencoded", headers=headers)
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"


def test_validation_errors_name_the_field(app, client):
    _, headers = factories.user_with_key("admin@example.vn", "admin")
    response = client.post("/api/v1/users", json={"email": "x@example.vn", "role": "king"},
                           headers=headers)
    assert response.status_code == 422
    assert "role" in response.json["errors"]


def test_unknown_api_route_is_404_problem(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_too_large_body_is_413(app, client):
    _, headers = factories.user_with_key("f@example.vn", "inspector")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/api/v1/api-keys", data="x" * 4096,
                               content_type="application/json", headers=headers)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_only_admin_creates_users(app, client):
    _, inspector = factories.user_with_key("i@example.vn", "inspector")
    response = client.post("/api/v1/users", json={"email": "n@example.vn", "role": "inspector"},
                           headers=inspector)
    assert response.status_code == 403


def test_admin_creates_business_user_for_existing_org(app, client):
    org = factories.organization()
    _, admin = factories.user_with_key("admin@example.vn", "admin")
    response = client.post("/api/v1/users", headers=admin, json={
        "email": "Owner@Example.vn", "role": "business", "organization_id": org.id})
    assert response.status_code == 201
    assert response.json["email"] == "owner@example.vn"
    assert response.json["api_key"].startswith("trc_")
    duplicate = client.post("/api/v1/users", headers=admin, json={
        "email": "owner@example.vn", "role": "business", "organization_id": org.id})
    assert duplicate.status_code == 409
    missing_org = client.post("/api/v1/users", headers=admin, json={
        "email": "x@example.vn", "role": "business"})
    assert missing_org.status_code == 422
    assert "organization_id" in missing_org.json["errors"]
