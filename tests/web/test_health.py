def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "reachable"
    assert response.json["migrations"]


def test_readyz_fails_when_schema_is_behind(app, client):
    from sqlalchemy import text

    from traceability.extensions import db

    with db.engine.begin() as connection:
        (current,) = connection.execute(text("SELECT version_num FROM alembic_version")).one()
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = client.get("/readyz")
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    assert response.status_code == 503
    assert "db upgrade" in response.json["detail"]


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.json["openapi"].startswith("3.")
    assert "/api/v1/me" in spec.json["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"/api/docs/static/swagger-ui-bundle.js" in docs.data
    asset = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_html_404_for_pages(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<html" in response.get_data(as_text=True)


def test_home_page_is_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.get_data(as_text=True)
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.get_data(as_text=True)
