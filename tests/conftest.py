"""Fixtures: one application and schema per test session, clean tables for every test.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set.
"""

import os

import pytest
from sqlalchemy import text

from traceability import create_app
from traceability.extensions import db

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "RESOLVER_BASE_URL": "https://id.example.vn",
    "RATELIMIT_ENABLED": False,
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": None,
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def _app(database_url):
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        _drop_everything()
        upgrade()
    return app


def _drop_everything() -> None:
    # Our own tables only: the gateway simulator keeps its sim_* tables in the same database.
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # CASCADE: tables left by another schema version may still point at ours.
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        else:
            db.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def clean_tables() -> None:
    """Empty every table (fast) and put the audit chain's head row back."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())
        connection.execute(
            text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, :genesis)"),
            {"genesis": "0" * 64},
        )


@pytest.fixture
def app(_app):
    with _app.app_context():
        clean_tables()
        yield _app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
