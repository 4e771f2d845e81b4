"""In-process cache of what a scan needs, kept honest by shared generation tokens.

Scans must not cost an ORM round trip each, yet a hold or recall must show on every worker at
the next scan. So each process keeps plain dicts of view models, and the database keeps rows
(``resolver_cache_generation``) whose tokens change, in the same transaction, with every change
that affects what a scan shows — one token per scope, so that frequent small changes do not
empty everything: "all" (products, extra links: what a code resolves to), "items" (batches,
serials, organizations, locations, certificates, copy alerts) and "journeys" (events).

* a SQLAlchemy ``after_flush`` listener bumps the right token whenever a flush touches one of
  those models (or any model of ``traceability.events.models``) — so no service can forget;
* other code may call :func:`bump_generation` itself (e.g. after a Core ``UPDATE``).

Each process re-reads the tokens at most every ``RESOLVER_CACHE_CHECK_SECONDS`` (0.5 s: one
tiny query, not one per request) and drops what depends on a changed one; a process that
commits a bump drops its own entries at once. Entries loaded while the cache was being dropped
are not stored, so a slow load can never put pre-change data back.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, g
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..database import utcnow
from ..extensions import db
from .models import CacheGeneration, CopyAlert, ResolverLink

__all__ = ["bump_generation", "cache", "cached", "reader", "ResolverCache"]

_BUMPED = "resolver_generation_bumped"
_EVENTS_MODELS = "traceability.events.models"
DEFAULT_CHECK_SECONDS = 0.5
# Generation rows, from the widest to the narrowest: "all" (products and extra links: what a
# code resolves to, and everything below), "items" (batches, units, organizations, locations,
# certificates, copy alerts: what the page shows) and "journeys" (captured events). A batch put
# on hold keeps every worker's map of GTINs; an event captured keeps the batches too.
SCOPES = {"all": 1, "journeys": 2, "items": 3}
_WIDER = {"all": ("all", "items", "journeys"), "items": ("items", "journeys"),
          "journeys": ("journeys",)}


def _scoped_classes() -> tuple[tuple[type, ...], tuple[type, ...]]:
    from ..labels.models import Serial
    from ..registry.models import Batch, Certificate, Location, Organization, Product

    return (Product, ResolverLink), (Organization, Location, Batch, Certificate, Serial,
                                     CopyAlert)


_classes: tuple[tuple[type, ...], tuple[type, ...]] | None = None


def _scope_of(instance) -> str | None:
    """Which generation a change to this record affects, if any."""
    global _classes
    if _classes is None:
        _classes = _scoped_classes()
    if isinstance(instance, _classes[0]):
        return "all"
    if isinstance(instance, _classes[1]):
        return "items"
    if type(instance).__module__.startswith(_EVENTS_MODELS):
        return "journeys"
    return None


def _upsert_statement(dialect: str, row_id: int, token: int):
    values = {"id": row_id, "token": token, "bumped_at": utcnow()}
    table = CacheGeneration.__table__
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL
        return None
    stmt = insert(table).values(**values)
    return stmt.on_conflict_do_update(index_elements=[table.c.id],
                                      set_={"token": token, "bumped_at": values["bumped_at"]})


def _bump(connection, scope: str) -> None:
    row_id, token = SCOPES[scope], secrets.randbits(62)
    stmt = _upsert_statement(connection.dialect.name, row_id, token)
    if stmt is None:  # pragma: no cover
        table = CacheGeneration.__table__
        if not connection.execute(table.update().where(table.c.id == row_id)
                                  .values(token=token, bumped_at=utcnow())).rowcount:
            connection.execute(table.insert().values(id=row_id, token=token,
                                                     bumped_at=utcnow()))
        return
    connection.execute(stmt)


def bump_generation(connection=None, scope: str = "all") -> None:
    """Change the generation token in the current transaction (``db.session``'s by default).

    Every process drops its resolver cache (``scope="journeys"``: only journeys and rendered
    pages) within a second of the commit; this process drops it at the commit. Call it after
    any change that affects scans and that the ORM does not see (a Core ``UPDATE``, a bulk
    insert); ORM flushes of the relevant models bump it by themselves.
    """
    if connection is None:
        db.session.info.setdefault(_BUMPED, set()).add(scope)
        connection = db.session.connection()
    _bump(connection, scope)


@event.listens_for(Session, "after_flush")
def _bump_on_relevant_flush(session, _flush_context) -> None:
    scopes = {_scope_of(obj) for obj in session.new} | {_scope_of(obj) for obj in session.deleted}
    scopes |= {_scope_of(obj) for obj in session.dirty
               if _scope_of(obj) and session.is_modified(obj, include_collections=False)}
    scopes.discard(None)
    for wide in ("all", "items"):
        if wide in scopes:
            scopes = {wide}  # a wider drop covers the narrower ones
            break
    for scope in scopes:
        session.info.setdefault(_BUMPED, set()).add(scope)
        _bump(session.connection(), scope)


@event.listens_for(Session, "after_commit")
def _drop_after_own_commit(session) -> None:
    for scope in session.info.pop(_BUMPED, ()):
        cache.clear(scope)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_bump(session) -> None:
    session.info.pop(_BUMPED, None)


def reader():
    """This app context's read-only connection for the scan path.

    On PostgreSQL it runs in autocommit mode: a lookup is one round trip, with no BEGIN before
    it nor ROLLBACK after the request. (SQLite's driver starts no transaction for reads, and
    switching its mode would cost a PRAGMA at every return to the pool.)
    """
    connection = g.get("resolver_reader")
    if connection is None or connection.closed:
        connection = db.engine.connect()
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        g.resolver_reader = connection
    return connection


def close_reader(_error=None) -> None:
    connection = g.pop("resolver_reader", None)
    if connection is not None:
        connection.close()


class _Map:
    """A bounded dict (oldest entries evicted first), optionally with a time to live."""

    __slots__ = ("data", "loaded", "max_size", "scopes", "ttl")

    def __init__(self, max_size: int, ttl: float | None, scopes: frozenset[str]) -> None:
        self.data: dict[Hashable, Any] = {}
        self.max_size = max_size
        self.ttl = ttl
        self.scopes = scopes
        self.loaded = False  # filled in bulk since it was last dropped

    def get(self, key: Hashable, default=None):
        entry = self.data.get(key, _MISSING)
        if entry is _MISSING:
            return default
        if self.ttl is not None:
            value, expires = entry
            if time.monotonic() >= expires:
                self.data.pop(key, None)
                return default
            return value
        return entry

    def put(self, key: Hashable, value) -> None:
        if len(self.data) >= self.max_size:
            for old in list(self.data)[: max(1, self.max_size // 8)]:
                self.data.pop(old, None)
        self.data[key] = (value, time.monotonic() + self.ttl) if self.ttl is not None else value


_MISSING = object()


class ResolverCache:
    """The process's resolver cache: named maps of plain view models."""

    def __init__(self) -> None:
        self._maps: dict[str, _Map] = {}
        self._tokens: dict | object = _MISSING
        self._checked_at = float("-inf")
        self._epoch = 0
        self._lock = threading.Lock()

    def define(self, name: str, max_size: int, ttl: float | None = None,
               scopes: tuple[str, ...] = ("all",)) -> None:
        """A map dropped with ``scopes`` (and with any wider scope: "all" drops every map)."""
        self._maps.setdefault(name, _Map(max_size, ttl, frozenset(scopes)))

    def clear(self, scope: str = "all") -> None:
        """Drop the maps that depend on ``scope`` (and the narrower scopes it covers)."""
        dropped = _WIDER[scope]
        with self._lock:
            self._epoch += 1
            for store in self._maps.values():
                if store.scopes & set(dropped):
                    store.data = {}
                    store.loaded = False

    def reset(self) -> None:
        """Forget everything, including the tokens (tests; a fresh process starts so)."""
        self.clear("all")
        self._tokens = _MISSING
        self._checked_at = float("-inf")

    def ensure_fresh(self) -> None:
        """Drop the cache if the shared token changed (read at most every ~0.5 s)."""
        now = time.monotonic()
        interval = current_app.config.get("RESOLVER_CACHE_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)
        if now - self._checked_at < interval:
            return
        self._checked_at = now
        tokens = dict(reader().execute(
            select(CacheGeneration.id, CacheGeneration.token)).tuples().all())
        previous = self._tokens
        for scope in ("all", "items", "journeys"):  # widest first: it covers the others
            row = SCOPES[scope]
            if previous is _MISSING or tokens.get(row) != previous.get(row):
                self.clear(scope)
                break
        self._tokens = tokens

    def get(self, name: str, key: Hashable, loader: Callable[[], Any]):
        store = self._maps[name]
        value = store.get(key, _MISSING)
        if value is not _MISSING:
            return value
        epoch = self._epoch
        value = loader()
        if epoch == self._epoch:
            store.put(key, value)
        return value

    def size(self, name: str) -> int:
        return len(self._maps[name].data)

    def peek(self, name: str, key: Hashable, default=None):
        return self._maps[name].get(key, default)

    def fill(self, name: str, loader: Callable[[], dict]) -> None:
        """Load a whole map in one go, once until it is next dropped (``loader`` returns the
        entries, or None when there are too many to keep)."""
        store = self._maps[name]
        if store.loaded:
            return
        epoch = self._epoch
        entries = loader()
        if epoch != self._epoch:
            return
        if entries is not None and len(entries) <= store.max_size:
            for key, value in entries.items():
                store.put(key, value)
        store.loaded = True


cache = ResolverCache()
# Sizes bound each worker's memory (worst case roughly 100 MB: a rendered page is ~10 KB).
cache.define("keys", 100_000)
cache.define("links", 10_000)
cache.define("items", 20_000, scopes=("items",))
cache.define("products", 20_000, scopes=("items",))  # product and producer, per GTIN
# A serial's first scan and copy alerts change as scans arrive; they are shown a few seconds late
# at worst, instead of every first scan emptying every worker's cache.
cache.define("units", 10_000, ttl=5.0, scopes=("items",))
cache.define("certificates", 10_000, scopes=("items",))
cache.define("journeys", 10_000, scopes=("journeys",))
# Parts of the page shared by a product's or producer's pages (product card, producer,
# certificates), rendered per language: a few KB each.
cache.define("fragments", 10_000, scopes=("items",))
cache.define("pages", 5_000, scopes=("journeys",))
cache.define("unit_pages", 2_000, ttl=5.0, scopes=("journeys",))


def cached(name: str, key: Hashable, loader: Callable[[], Any]):
    """The cached value of ``key`` in map ``name``, loading it with ``loader`` on a miss."""
    return cache.get(name, key, loader)
