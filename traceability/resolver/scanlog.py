"""The scan log: buffered in memory per process, written in batches, copies detected on write.

A resolve only hands a tuple over: under gunicorn to the scan writer's pipe
(``scanwriter``: one process writes every worker's scans, so the request workers never touch
the database for them), otherwise — or when the pipe is full or the writer gone — to this
process's buffer (no database round trip either). The buffer is written every
``SCAN_FLUSH_SECONDS`` (0.5 s) or as soon as it holds ``SCAN_FLUSH_SIZE`` scans — by the
request that finds it due, after its response has gone out, or by a background thread when
requests stop — in one transaction with set-based queries: it names the
product, batch and serial of each scan, records each unit's first scan, and raises a copy
alert for a serialised unit scanned more than ``COPY_SCAN_THRESHOLD`` times, or from more than
``COPY_DISTINCT_NETWORKS`` networks or ``COPY_DISTINCT_REGIONS`` regions, within
``COPY_WINDOW_HOURS``. The buffer is also written when the process exits (``atexit``); under
gunicorn add to ``gunicorn.conf.py``::

    def worker_exit(server, worker):
        from traceability.resolver.scanlog import flush_at_exit
        flush_at_exit()

Privacy: no raw IP is stored, only a keyed HMAC-SHA256 (key: ``SECRET_KEY``) of the client's
network, truncated to 16 hex digits: the IPv4 address, or the /64 prefix of an IPv6 address
(phones rotate their IPv6 interface identifiers, which would otherwise look like many
networks). The region is taken only from a trusted proxy header (``GEO_REGION_HEADER``).
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import false, func, literal_column, select

from ..database import utcnow
from ..extensions import db
from ..labels.models import Serial
from ..registry.models import Batch
from .cache import bump_generation, cache
from .models import CopyAlert, ScanEvent, SerialScanState

log = logging.getLogger(__name__)

CHUNK = 400
MAX_PENDING = 200_000
BOT_MARKERS = ("bot", "crawler", "spider", "slurp", "facebookexternalhit", "preview")


class Scan(NamedTuple):
    scanned_at: datetime
    scanned_on: object  # date, local
    key_path: str
    product_id: int | None  # as the resolver knew it (its cache), so no lookup is needed
    organization_id: int | None
    gtin: str
    lot: str | None
    serial: str | None
    kind: str
    link_type: str
    matched: str  # "product", "links" or "unknown" at resolve time; refined when written
    ip_hash: str
    region: str
    bot: bool


_HASHES: dict[tuple[str, str], str] = {}


def network_hash(address: str | None, secret: str) -> str:
    """Keyed hash of the client's network (IPv4 address or IPv6 /64), 16 hex digits."""
    if not address:
        return ""
    found = _HASHES.get((address, secret))
    if found is None:
        if len(_HASHES) >= 10_000:
            _HASHES.clear()
        found = _HASHES[(address, secret)] = _network_hash(address, secret)
    return found


def _network_hash(address: str, secret: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if ip.version == 6:
        mapped = ip.ipv4_mapped
        text = (str(mapped) if mapped is not None
                else str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64")
    else:
        text = str(ip)
    return hmac.new(secret.encode("utf-8"), text.encode("ascii"), hashlib.sha256).hexdigest()[:16]


def is_bot(user_agent: str | None) -> bool:
    agent = (user_agent or "").lower()
    return any(marker in agent for marker in BOT_MARKERS)


class ScanBuffer:
    """This process's pending scans, and who writes them when.

    A request that finds the buffer due (``SCAN_FLUSH_SIZE`` scans, or its oldest scan older
    than ``SCAN_FLUSH_SECONDS``) writes it once its response has been sent: a background
    thread doing that work would hold the GIL against the request threads (every socket
    read and write gives it up, and getting it back can take a switch interval each time).
    The thread only steps in when no request comes to do it (a quiet moment).
    """

    def __init__(self) -> None:
        self._items: list[Scan] = []
        self._oldest = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._app = None
        self._flush_lock = threading.Lock()
        self._stopped = False
        self._channel: int | None = None  # the pipe to the scan writer, under gunicorn
        self._send = None

    def record(self, app, scan: Scan) -> bool:
        """Keep a scan; True when the buffer is due to be written."""
        if self._pid != os.getpid():
            self._start(app)
        if self._channel is not None and self._send(self._channel, scan):
            return False  # the scan writer has it
        with self._lock:
            if not self._items:
                self._oldest = time.monotonic()
            self._items.append(scan)
            pending = len(self._items)
        return self.due(app.config, pending)

    def due(self, config, pending: int | None = None) -> bool:
        pending = len(self._items) if pending is None else pending
        if not pending:
            return False
        if pending >= config.get("SCAN_FLUSH_SIZE", 500):
            return True
        interval = float(config.get("SCAN_FLUSH_SECONDS", 0.5))
        return interval > 0 and time.monotonic() - self._oldest >= interval

    def _start(self, app) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            first_start = self._pid is None
            self._pid = os.getpid()
            self._app = app
            from . import scanwriter

            self._channel = scanwriter.channel_from_environment()
            self._send = scanwriter.send
            self._thread = None
            interval = float(app.config.get("SCAN_FLUSH_SECONDS", 0.5))
            if interval > 0:
                self._thread = threading.Thread(target=self._run, args=(interval,),
                                                name="scan-log-writer", daemon=True)
                self._thread.start()
        if first_start:
            atexit.register(self.flush_quietly)

    def _run(self, interval: float) -> None:
        while not self._stopped:
            self._wake.wait(interval)
            self._wake.clear()
            if self._items and time.monotonic() - self._oldest >= 2 * interval:
                self.flush_quietly()

    def stop(self) -> None:
        """Write what is pending and end the writer thread."""
        self._stopped = True
        self._wake.set()
        self.flush_quietly()

    def pending(self) -> int:
        return len(self._items)

    def discard(self) -> None:
        with self._lock:
            self._items = []

    def flush(self) -> int:
        """Write every pending scan now; returns how many were written."""
        if self._app is None:
            return 0
        if not self._flush_lock.acquire(blocking=False):
            return 0  # another thread of this process is writing right now
        try:
            with self._lock:
                items, self._items = self._items, []
            if not items:
                return 0
            try:
                with self._app.app_context():
                    write_scans(items, self._app.config)
            except Exception:
                with self._lock:
                    if len(self._items) + len(items) <= MAX_PENDING:
                        self._items[:0] = items
                        self._oldest = time.monotonic()
                raise
            return len(items)
        finally:
            self._flush_lock.release()

    def flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - kept for the next attempt; never kill the thread
            log.exception("scan log could not be written; will retry")


buffer = ScanBuffer()


def record(app, scan: Scan) -> bool:
    """Keep a scan; True when the caller should write the buffer after its response."""
    return buffer.record(app, scan)


def flush() -> int:
    return buffer.flush()


def flush_at_exit() -> None:
    """For gunicorn's ``worker_exit`` hook: write what this worker still holds."""
    buffer.flush_quietly()


# --------------------------------------------------------------------------- writing


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def write_scans(items: list[Scan], config) -> None:
    """Write scans in one transaction and run copy detection over their serials."""
    alerts = 0
    with db.engine.begin() as connection:
        batches = _lookup(connection, "batches", "id", ("gtin", "lot"),
                          {(s.gtin, s.lot) for s in items
                           if s.lot is not None and s.product_id is not None})
        serials = _lookup(connection, "serials", "id, batch_id", ("gtin", "serial"),
                          {(s.gtin, s.serial) for s in items
                           if s.serial is not None and s.product_id is not None})
        rows = []
        for scan in items:
            product_id, organization_id = scan.product_id, scan.organization_id
            batch_id = batches.get((scan.gtin, scan.lot), (None,))[0]
            serial_id = None
            unit = serials.get((scan.gtin, scan.serial))
            if unit is not None and (scan.lot is None or unit[1] == batch_id):
                serial_id, batch_id = unit
            rows.append({
                "scanned_at": scan.scanned_at, "scanned_on": scan.scanned_on,
                "key_path": scan.key_path[:120], "gtin": scan.gtin, "lot": scan.lot,
                "serial": scan.serial, "product_id": product_id, "batch_id": batch_id,
                "serial_id": serial_id, "organization_id": organization_id, "kind": scan.kind,
                "link_type": scan.link_type[:100], "matched": _matched(scan, product_id,
                                                                      batch_id, serial_id),
                "ip_hash": scan.ip_hash, "region": scan.region[:64], "bot": scan.bot,
            })
        connection.execute(ScanEvent.__table__.insert(), rows)
        counted = [r for r in rows if r["serial_id"] is not None and r["kind"] == "redirect"
                   and not r["bot"]]
        if counted:
            _record_unit_states(connection, counted)
            alerts = _detect_copies(connection, counted, config)
    if alerts:
        cache.clear("items")  # other processes follow within a second (the generation changed)


def _matched(scan: Scan, product_id, batch_id, serial_id) -> str:
    if product_id is None:
        return scan.matched
    return "serial" if serial_id is not None else "batch" if batch_id is not None else "product"


_IDENTIFIER = frozenset("abcdefghijklmnopqrstuvwxyz_, ")


def _lookup(connection, table: str, columns: str, keys: tuple[str, ...],
            wanted: set[tuple]) -> dict[tuple, tuple]:
    """Rows of ``table`` by their unique key, for many keys at once.

    Written as ``(k1 = ? AND k2 = ?) OR …``: both SQLite and PostgreSQL look each term up in
    the unique index (a row-value ``IN`` list makes SQLite scan the whole table), and sent to
    the driver as is: compiling a fresh SQLAlchemy statement for every batch of scans would
    cost more than the lookups.
    """
    assert set(table + columns + "".join(keys)) <= _IDENTIFIER  # names are ours, not input
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    term = "(" + " AND ".join(f"{name} = {mark}" for name in keys) + ")"
    head = f"SELECT {', '.join(keys)}, {columns} FROM {table} WHERE "  # noqa: S608
    found: dict[tuple, tuple] = {}
    for chunk in _chunks(sorted(wanted), 200):
        sql = head + " OR ".join([term] * len(chunk))
        params = tuple(value for key in chunk for value in key)
        for row in connection.exec_driver_sql(sql, params).tuples():
            found[tuple(row[:len(keys)])] = tuple(row[len(keys):])
    return found


def _record_unit_states(connection, rows: list[dict]) -> None:
    """Keep the first scan (time and region) of each unit scanned for the first time."""
    first: dict[int, dict] = {}
    for row in rows:
        known = first.get(row["serial_id"])
        if known is None or row["scanned_at"] < known["first_scanned_at"]:
            first[row["serial_id"]] = {"serial_id": row["serial_id"],
                                       "first_scanned_at": row["scanned_at"],
                                       "first_region": row["region"]}
    connection.execute(_insert_ignoring_duplicates(connection, SerialScanState.__table__),
                       list(first.values()))


def _insert_ignoring_duplicates(connection, table):
    """INSERT that leaves rows already there alone (another process may have written them)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def _detect_copies(connection, rows: list[dict], config) -> int:
    """Open a copy alert for each unit scanned implausibly; returns how many were opened."""
    threshold = int(config.get("COPY_SCAN_THRESHOLD", 20))
    max_networks = int(config.get("COPY_DISTINCT_NETWORKS", 5))
    max_regions = int(config.get("COPY_DISTINCT_REGIONS", 3))
    window = int(config.get("COPY_WINDOW_HOURS", 72))
    since = utcnow() - timedelta(hours=window)
    units = sorted({row["serial_id"] for row in rows})
    events = ScanEvent.__table__
    counted = (events.c.kind == "redirect") & (events.c.bot == false())
    flagged: dict[int, dict] = {}
    for chunk in _chunks(units):
        measures = connection.execute(
            select(events.c.serial_id, func.count(), func.count(events.c.ip_hash.distinct()),
                   func.count(func.nullif(events.c.region, "").distinct()))
            .where(events.c.serial_id.in_(chunk), events.c.scanned_at >= since, counted)
            .group_by(events.c.serial_id))
        for serial_id, scans, networks, regions in measures:
            reasons = [name for name, value, limit in (("scans", scans, threshold),
                                                       ("networks", networks, max_networks),
                                                       ("regions", regions, max_regions))
                       if value > limit]
            if reasons:
                flagged[serial_id] = {"reasons": reasons, "scans": scans, "networks": networks,
                                      "regions": regions}
    if not flagged:
        return 0
    alerts = CopyAlert.__table__
    already_open: set[int] = set()
    for chunk in _chunks(sorted(flagged)):
        already_open.update(connection.execute(
            select(alerts.c.serial_id).where(alerts.c.serial_id.in_(chunk),
                                             alerts.c.status == literal_column("'open'")))
            .scalars())
    new_ids = [sid for sid in flagged if sid not in already_open]
    if not new_ids:
        return 0
    serial_rows = {}
    for chunk in _chunks(sorted(new_ids)):
        for row in connection.execute(
                select(Serial.id, Serial.gtin, Serial.serial, Serial.batch_id, Batch.lot,
                       Batch.organization_id)
                .join(Batch, Batch.id == Serial.batch_id).where(Serial.id.in_(chunk))):
            serial_rows[row.id] = row
    now = utcnow()
    values = [{
        "serial_id": sid, "gtin": serial_rows[sid].gtin, "serial": serial_rows[sid].serial,
        "lot": serial_rows[sid].lot, "batch_id": serial_rows[sid].batch_id,
        "organization_id": serial_rows[sid].organization_id,
        "reasons": flagged[sid]["reasons"], "scans": flagged[sid]["scans"],
        "networks": flagged[sid]["networks"], "regions": flagged[sid]["regions"],
        "window_hours": window, "status": "open", "created_at": now, "close_note": "",
    } for sid in new_ids if sid in serial_rows]
    if not values:
        return 0
    inserted = _insert_alerts(connection, values)
    if inserted:
        bump_generation(connection, scope="items")
        log.warning("suspected copies: %d new copy alert(s)", inserted)
    return inserted


def _insert_alerts(connection, values: list[dict]) -> int:
    """Insert, letting the partial unique index drop any alert another process just opened."""
    statement = _insert_ignoring_duplicates(connection, CopyAlert.__table__)
    return sum(connection.execute(statement.values(**value)).rowcount or 0 for value in values)
