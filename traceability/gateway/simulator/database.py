"""The simulator's own database: a plain SQLAlchemy engine, apart from the main app's ``db``."""

from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .models import Base

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def default_database_url() -> str:
    return "sqlite:///" + str(PROJECT_ROOT / "instance" / "gateway_sim.sqlite")


def normalize_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings; the project drives psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class SimulatorDatabase:
    """Engine, sessions and schema of the simulator.

    ``schema`` (PostgreSQL only) keeps the tables in a schema of their own, which lets several
    test runs share one database without seeing each other's data.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        url = normalize_database_url(url)
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.schema = None if self.is_sqlite else schema
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, parsed.database)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        self._bound: Engine = self.engine
        if self.schema:
            self._bound = self.engine.execution_options(schema_translate_map={None: self.schema})
        self.sessions = sessionmaker(self._bound, expire_on_commit=False)

    def create_tables(self) -> None:
        if self.schema:
            with self.engine.begin() as connection:
                quoted = self.engine.dialect.identifier_preparer.quote_schema(self.schema)
                connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
        Base.metadata.create_all(self._bound)

    def session(self) -> Session:
        return self.sessions()

    def clear(self) -> None:
        """Delete every row the simulator holds, restarting its sequence numbers.

        DELETE rather than TRUNCATE: on tables this small it is many times faster.
        """
        tables = Base.metadata.sorted_tables
        with self._bound.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            if self.is_sqlite:
                return  # rowid keys restart by themselves once a table is empty
            preparer = self.engine.dialect.identifier_preparer
            for table in tables:
                column = table.autoincrement_column
                if column is None:
                    continue
                name = preparer.quote(table.name)
                if self.schema:
                    name = preparer.quote_schema(self.schema) + "." + name
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), 1, false)"),
                    {"table": name, "column": column.name},
                )

    def drop_schema(self) -> None:
        """Remove the simulator's PostgreSQL schema (test teardown)."""
        if not self.schema:
            return
        with self.engine.begin() as connection:
            quoted = self.engine.dialect.identifier_preparer.quote_schema(self.schema)
            connection.execute(text(f"DROP SCHEMA IF EXISTS {quoted} CASCADE"))

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str, database: str | None) -> Engine:
    in_memory = database in (None, "", ":memory:")
    if in_memory:
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _tune(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if not in_memory:
            # Readers (token checks) need not wait for a writer.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
