from tests import factories
from traceability.accounts import services
from traceability.extensions import db


def test_users_create_prints_key_alone_on_last_line(app, runner, client):
    result = runner.invoke(args=["users", "create", "Admin@Example.vn", "--role", "admin"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("trc_") and " " not in key
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.json["email"] == "admin@example.vn"


def test_users_create_business_needs_org(app, runner):
    result = runner.invoke(args=["users", "create", "b@example.vn", "--role", "business"])
    assert result.exit_code != 0
    assert "organization" in result.output.lower()
    org = factories.organization()
    result = runner.invoke(args=["users", "create", "b@example.vn", "--role", "business",
                                 "--org", str(org.id)])
    assert result.exit_code == 0, result.output


def test_password_login_and_logout(app, client):
    services.create_user("web@example.vn", "inspector", password="a long password")
    db.session.commit()
    bad = client.post("/login", data={"email": "web@example.vn", "password": "wrong password"})
    assert bad.status_code == 401
    good = client.post("/login", data={"email": "web@example.vn", "password": "a long password"})
    assert good.status_code == 302
    assert "web@example.vn" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert "web@example.vn" not in client.get("/").get_data(as_text=True)


def test_login_never_redirects_off_site(app, client):
    services.create_user("r@example.vn", "inspector", password="a long password")
    db.session.commit()
    response = client.post("/login?next=//evil.example/x",
                           data={"email": "r@example.vn", "password": "a long password"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_forms_need_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", data={"email": "x", "password": "y"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
