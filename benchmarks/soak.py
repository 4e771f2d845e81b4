"""Soak test: minutes of mixed load on the production setup, then "nothing lost".

Run: ``.venv/bin/python benchmarks/soak.py [--duration 600] [--workers 4] [--rate 1.0]
[--database-url URL] [--sim-database-url URL] [--max-requests 10000]``.

Starts, as separate processes on PostgreSQL, what ``deploy/Procfile`` runs: the release step
``flask db upgrade``, ``gunicorn --config gunicorn.conf.py wsgi:app`` with ``--workers``
workers, the sync worker ``flask gateway worker``, and the gateway simulator ``flask gateway
simulator`` with its own database. Both databases are emptied first (default: ``soak_app`` and
``soak_sim`` on 127.0.0.1; the script refuses a database called ``test``). Then, for
``--duration`` seconds, at constant modest rates (about 100 requests a second in all at
``--rate 1``), from one asyncio/httpx process:

  consumers   scan batch and serial Digital Links (307) and open the consumer page (200),
              whose status banner must follow holds and recalls;
  businesses  register themselves (pending), are approved or rejected by the administrator
              through the API, then add locations, products, certificates and batches, change
              products, batches and their organization (If-Match), issue serials, and capture
              EPCIS events: commissioning, storing, shipping to another business and its
              receipt, transformations, documents of several events;
  inspectors  trace codes, hold, release and recall batches (a recall also recalls what was
              made from the lot);
  admin       approves registrations and reads the gateway status.

Every answer is checked (its status, and a few contents); an error is any 5xx or other
unexpected status, a wrong redirect or a consumer page showing a stale status. The RSS of every
process is sampled (every 10 s): gunicorn's workers are judged one by one over their own
lifetime, since ``GUNICORN_MAX_REQUESTS`` recycles them (5,000 here by default, so that each
worker is replaced a few times in ten minutes and its buffered scans are written at exit). When
the load stops: registrations still pending are decided, gunicorn stops gracefully, the outbox
drains, and the records are compared three ways: what the load created, what the app's database
holds and what the simulator received (``/_sim/state`` and ``/_sim/records``); the scan log
against the scans sent. Prints a summary (Markdown, for the README) and exits 1 when any check
fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent  # the virtualenv running this script

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from traceability.config import normalize_database_url  # noqa: E402
from traceability.gateway.mapping import BATCH_STATUS_VI  # noqa: E402
from traceability.gs1 import check_digit  # noqa: E402

VN = timezone(timedelta(hours=7))
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
           {"ex": "https://example.vn/epcis/"}]
PROVINCES = ("Sóc Trăng", "Long An", "Cần Thơ", "Bến Tre", "Tiền Giang", "Đồng Tháp",
             "An Giang", "Hậu Giang")
PHONES = ("Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 Chrome/124 Mobile",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile",
          "Zalo/24.05 (Android 13; Xiaomi 23021RAAEG)")
GRACE = 3.0  # seconds after a change before every worker must show it (cache checks: 0.5 s)
BANNER = re.compile(r'class="banner banner-([a-z_]+)"')

# Requests a second at --rate 1, and actions chosen for a business tick.
RATES = {"scan": 50.0, "business": 7.0, "inspector": 1.5, "register": 0.25, "admin": 0.5,
         "gateway status": 0.1, "metrics": 1 / 15}
BUSINESS_ACTIONS = (("observe", 5.0), ("create batch", 3.0), ("ship", 2.0),
                    ("issue serials", 1.5), ("list batches", 1.5), ("update product", 1.0),
                    ("update batch", 1.0), ("transform", 0.6), ("capture document", 0.5),
                    ("create product", 0.4), ("update organization", 0.3),
                    ("create certificate", 0.2))
EDITS = {"update product", "update batch", "update organization", "issue serials",
         "create certificate"}
INSPECTOR_ACTIONS = (("trace", 3.0), ("hold", 1.0), ("release", 1.0), ("recall", 0.25))


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# ============================================================================ processes


class Process:
    """One server process started like the Procfile's line, its output kept in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM to the main process (as systemd's KillMode=mixed), SIGKILL if it hangs."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._log.close()
        return self.popen.returncode


def wait_until_up(url: str, process: Process, seconds: float = 60) -> int:
    """Poll ``url`` until it answers 200; returns how many requests that took."""
    deadline = time.monotonic() + seconds
    attempts = 0
    while time.monotonic() < deadline:
        if not process.running():
            break
        attempts += 1
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return attempts
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.stop(5)
    raise SystemExit(f"{process.name} did not start:\n" + process.log_path.read_text()[-3000:])


def reset_database(url: str) -> None:
    """Empty a database of our own (its public schema), creating it if need be."""
    url = make_url(normalize_database_url(url))
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": url.database}).scalar():
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


class Stack:
    """The production processes: gunicorn (web), the sync worker and the gateway simulator."""

    def __init__(self, args, workdir: Path) -> None:
        self.workdir = workdir
        self.port, self.sim_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sim = f"http://127.0.0.1:{self.sim_port}"
        (workdir / "prometheus").mkdir()
        self.env = {
            **os.environ, "FLASK_ENV": "production", "SECRET_KEY": "soak-" + "5" * 59,
            "DATABASE_URL": args.database_url, "RESOLVER_BASE_URL": self.base,
            "GATEWAY_URL": self.sim, "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(args.workers), "GUNICORN_MAX_REQUESTS": str(args.max_requests),
            "GUNICORN_ACCESS_LOG": str(workdir / "access.log"),
            "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus"),
            "LABEL_JOBS_DIR": str(workdir / "label-jobs"),
            # Behind nginx in production: the consumer's address comes from X-Forwarded-For.
            "PROXY_FIX_HOPS": "1",
            "SIM_DATABASE_URL": args.sim_database_url,
            "SIM_AUTO_ACTIVATE_AFTER": str(args.sim_activate_after),
        }
        self.processes: dict[str, Process] = {}
        self.probes = 0  # /healthz requests before gunicorn answered

    def release(self) -> tuple[str, str]:
        """``flask db upgrade``, then the administrator's and an inspector's API keys."""
        flask(self.env, "db", "upgrade")
        admin = flask(self.env, "users", "create", "admin@soak.vn", "--role", "admin")
        inspector = flask(self.env, "users", "create", "inspector@soak.vn", "--role",
                          "inspector")
        return admin.strip().splitlines()[-1], inspector.strip().splitlines()[-1]

    def start(self) -> None:
        flask_cmd = [str(BIN / "flask"), "--app", "wsgi"]
        self.processes["simulator"] = Process(
            "simulator", [*flask_cmd, "gateway", "simulator", "--port", str(self.sim_port)],
            self.env, self.workdir / "simulator.log")
        wait_until_up(self.sim + "/_sim/config", self.processes["simulator"])
        self.processes["web"] = Process(
            "web", [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
            self.env, self.workdir / "web.log")
        self.probes = wait_until_up(self.base + "/healthz", self.processes["web"])
        self.processes["worker"] = Process(
            "sync worker", [*flask_cmd, "gateway", "worker"], self.env,
            self.workdir / "worker.log")

    def pids(self) -> list[tuple[str, int]]:
        """(role, pid) of every process now: the master, each live worker, worker, simulator."""
        found = []
        web = self.processes.get("web")
        if web is not None and web.running():
            found.append(("gunicorn master", web.pid))
            children = Path(f"/proc/{web.pid}/task/{web.pid}/children")
            with contextlib.suppress(OSError):
                found += [("gunicorn worker", int(pid)) for pid in children.read_text().split()]
        for key, role in (("worker", "sync worker"), ("simulator", "simulator")):
            process = self.processes.get(key)
            if process is not None and process.running():
                found.append((role, process.pid))
        return found

    def stop(self, name: str) -> int | None:
        process = self.processes.get(name)
        return process.stop() if process is not None else None

    def stop_all(self) -> None:
        for name in ("web", "worker", "simulator"):
            self.stop(name)


# ============================================================================ memory


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler(threading.Thread):
    """RSS of every process of the stack every ``interval`` seconds, per (role, pid)."""

    def __init__(self, stack: Stack, interval: float) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.stack = stack
        self.interval = interval
        self.samples: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
        self.cpu: dict[tuple[str, int], float] = {}
        self.started = time.monotonic()
        self._halt = threading.Event()

    def run(self) -> None:
        self.sample()
        while not self._halt.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        now = time.monotonic() - self.started
        for role, pid in self.stack.pids():
            kb = rss_kb(pid)
            if kb:
                self.samples[(role, pid)].append((now, kb))
                self.cpu[(role, pid)] = cpu_seconds(pid)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()


def slope_mb_per_min(points: list[tuple[float, int]]) -> float:
    if len(points) < 2:
        return 0.0
    xs = [t / 60 for t, _ in points]
    ys = [kb / 1024 for _, kb in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


@dataclass
class MemoryLine:
    name: str
    first: float
    last: float
    peak: float
    slope: float
    baseline: float | None  # average over the second window of its life (MB)
    final: float | None  # average over the last window
    lifetime: float
    judged: bool
    flat: bool
    cpu: float = 0.0


def memory_line(name: str, points: list[tuple[float, int]], window: float,
                tolerance: float) -> MemoryLine:
    """"Flat": the last window's average within ``tolerance`` above the second window's."""
    start, end = points[0][0], points[-1][0]
    life = end - start
    second = [kb for t, kb in points if window <= t - start < 2 * window]
    last = [kb for t, kb in points if t >= end - window]
    judged = life >= 3 * window and bool(second) and bool(last)
    baseline = sum(second) / len(second) / 1024 if second else None
    final = sum(last) / len(last) / 1024 if last else None
    flat = not judged or final <= baseline * (1 + tolerance)
    settled = [p for p in points if p[0] - start >= window] or points
    return MemoryLine(name, points[0][1] / 1024, points[-1][1] / 1024,
                      max(kb for _, kb in points) / 1024, slope_mb_per_min(settled), baseline,
                      final, life, judged, flat)


def memory_report(sampler: MemorySampler, window: float, tolerance: float) -> list[MemoryLine]:
    lines = []
    totals: dict[float, int] = defaultdict(int)
    for (role, pid), points in sorted(sampler.samples.items(), key=lambda item: item[1][0][0]):
        lines.append(memory_line(f"{role} {pid}", points, window, tolerance))
        lines[-1].cpu = sampler.cpu.get((role, pid), 0.0)
        if role == "gunicorn worker":
            for t, kb in points:
                totals[round(t, 1)] += kb
    if totals:
        # All workers together, informative only: a recycled worker restarts small.
        summed = memory_line("gunicorn workers (sum)", sorted(totals.items()), window,
                             tolerance)
        summed.judged, summed.flat = False, True
        summed.cpu = sum(line.cpu for line in lines if line.name.startswith("gunicorn worker "))
        lines.append(summed)
    return lines


# ============================================================================ the load


@dataclass
class KindStats:
    count: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)

    def note(self, sample: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(sample)


@dataclass(eq=False)
class Org:
    number: int
    tax_code: str
    prefix: str
    gln: str
    ip: str
    address: str
    id: int | None = None
    headers: dict = field(default_factory=dict)
    registered_at: float = 0.0
    locations: list = field(default_factory=list)  # (id, gln)
    products: list = field(default_factory=list)
    batches: list = field(default_factory=list)
    held: list = field(default_factory=list)  # other organizations' lots received here
    items: int = 0
    places: int = 0
    editing: bool = False  # see Load.business


@dataclass(eq=False)
class Product:
    id: int
    gtin: str
    name: str
    org: Org


@dataclass(eq=False)
class Batch:
    id: int
    gtin: str
    lot: str
    org: Org
    path: str  # /01/<gtin>/10/<lot>
    quantity: str
    flagged: bool  # inspectors act on it; its owner does not change it
    created_at: float
    status: str = "active"
    version: int = 0  # bumped when an inspector's change starts and ends
    changing: bool = False
    changed_at: float = 0.0
    busy: int = 0  # flows using it that an inspector must not cross
    made_into: list = field(default_factory=list)


@dataclass(eq=False)
class Unit:
    batch: Batch
    serial: str
    path: str
    created_at: float


class Load:
    """The clients: consumers, businesses, inspectors and the administrator."""

    def __init__(self, base: str, admin_key: str, inspector_key: str, args) -> None:
        self.base = base
        self.admin = {"Authorization": f"Bearer {admin_key}"}
        self.inspector = {"Authorization": f"Bearer {inspector_key}"}
        self.args = args
        self.rng = random.Random(args.seed)
        self.stats: dict[str, KindStats] = defaultdict(KindStats)
        self.shed: Counter = Counter()
        self.loadgen_errors: list[str] = []
        self.orgs_made = 0
        self.lots_made = 0
        self.sequence = 0
        self.pending: dict[int, Org] = {}
        self.registering: set[str] = set()  # tax codes whose registration is in flight
        self.orgs: list[Org] = []  # approved and set up: they act
        self.approved: list[Org] = []
        self.rejected: list[Org] = []
        self.batches: list[Batch] = []
        self.units: list[Unit] = []
        self.certificates: set[str] = set()
        self.event_ids: set[str] = set()
        self.scans_sent = 0
        self.scans_uncertain = 0
        self.pages_checked = 0
        self.outbox_depth: list[tuple[float, int]] = []
        self.tasks: set[asyncio.Task] = set()
        self.stop_at = 0.0
        self.started = 0.0
        self.client: httpx.AsyncClient | None = None
        self.unanswered = False
        self.unanswered_total = 0
        self.elapsed = 0.0

    # ------------------------------------------------------------------ plumbing

    async def call(self, kind: str, method: str, path: str, *, expect=(200,), headers=None,
                   **kwargs) -> httpx.Response | None:
        """One request; anything but an expected status is counted as an error of ``kind``."""
        stats = self.stats[kind]
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            stats.count += 1
            stats.latencies.append((time.perf_counter() - started) * 1000)
            stats.note(f"{method} {path}: {type(error).__name__} {error}")
            self.unanswered = True  # read by the caller before it awaits anything else
            self.unanswered_total += 1
            return None
        self.unanswered = False
        stats.count += 1
        stats.latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code not in expect:
            stats.note(f"{method} {path} -> {response.status_code} "
                       f"{response.text[:400]!r}")
            return None
        return response

    def wrong(self, kind: str, sample: str) -> None:
        """An answer with the right status but wrong content."""
        self.stats[kind].note(sample)

    async def every(self, name: str, rate: float, action, limit: int) -> None:
        """Start ``action`` ``rate`` times a second until the end, at most ``limit`` at once;
        ticks that find ``limit`` still running are shed (counted, never queued)."""
        if rate <= 0:
            return
        interval = 1 / rate
        next_at = time.monotonic() + self.rng.random() * interval
        running: set[asyncio.Task] = set()
        while True:
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() >= self.stop_at:
                break
            next_at += interval
            if len(running) >= limit:
                self.shed[name] += 1
                continue
            task = asyncio.create_task(self.guarded(action))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)

    async def guarded(self, action, *args) -> None:
        try:
            await action(*args)
        except Exception:  # noqa: BLE001 - a bug of this script, reported at the end
            if len(self.loadgen_errors) < 5:
                self.loadgen_errors.append(traceback.format_exc())
            else:
                self.loadgen_errors.append("")

    def spawn(self, action, *args) -> None:
        task = asyncio.create_task(self.guarded(action, *args))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def event_time(self) -> str:
        return (datetime.now(VN) - timedelta(seconds=1)).isoformat(timespec="milliseconds")

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    # ------------------------------------------------------------------ organizations

    async def register(self) -> None:
        """Self-registration: a pending organization and its business account's API key."""
        self.orgs_made += 1
        n = self.orgs_made
        prefix = f"893{5000 + n:04d}"
        province = PROVINCES[n % len(PROVINCES)]
        org = Org(number=n, tax_code=f"{3600000000 + n}", prefix=prefix,
                  gln=with_check_digit(prefix + "00000"), ip=f"10.{n // 250}.{n % 250}.7",
                  address=f"Ấp {n}, {province}")
        body = {"name": f"HTX Nông sản số {n}", "tax_code": org.tax_code,
                "kind": ("cooperative", "enterprise", "household")[n % 3],
                "address": org.address, "province": province, "gs1_company_prefixes": [prefix],
                "gln": org.gln, "phone": f"0299 {n:06d}", "account_email": f"org{n}@soak.vn"}
        self.registering.add(org.tax_code)
        response = await self.call("register organization", "POST", "/api/v1/organizations",
                                   expect=(201,), json=body,
                                   headers={"X-Forwarded-For": org.ip})
        self.registering.discard(org.tax_code)
        if response is None:
            return
        data = response.json()
        if data.get("status") != "pending" or not data.get("api_key"):
            self.wrong("register organization", f"not pending with a key: {data}")
            return
        org.id = data["id"]
        org.headers = {"Authorization": f"Bearer {data['api_key']}",
                       "X-Forwarded-For": org.ip}
        org.registered_at = time.monotonic()
        self.pending[org.id] = org

    async def admin_round(self, final: bool = False) -> None:
        """The administrator's inbox: approve (or now and then reject) each registration."""
        response = await self.call("admin: list pending", "GET",
                                   "/api/v1/organizations?status=pending&per_page=200",
                                   headers=self.admin)
        if response is None:
            return
        for item in response.json()["items"]:
            org = self.pending.get(item["id"])
            if org is None and item["tax_code"] in self.registering:
                continue  # committed, its answer not read yet
            if org is None:
                self.wrong("admin: list pending", f"unknown pending organization {item}")
                continue
            if not final and time.monotonic() - org.registered_at < 1.0:
                continue
            del self.pending[org.id]
            if org.number % 8 == 5:
                answer = await self.call(
                    "admin: reject", "POST", f"/api/v1/organizations/{org.id}/reject",
                    headers=self.admin, json={"reason": "Mã số thuế không khớp giấy phép."})
                if answer is not None:
                    self.rejected.append(org)
                continue
            answer = await self.call("admin: approve", "POST",
                                     f"/api/v1/organizations/{org.id}/approve",
                                     headers=self.admin, json={"reason": ""})
            if answer is None:
                continue
            if answer.json().get("status") != "approved":
                self.wrong("admin: approve", f"not approved: {answer.json()}")
            self.approved.append(org)
            if not final:
                self.spawn(self.set_up, org)

    async def set_up(self, org: Org) -> None:
        """A new business's first records: a growing area, a warehouse, products, batches."""
        for kind, name in (("growing_area", "Vùng trồng"), ("warehouse", "Kho")):
            if not await self.create_location(org, kind, name):
                return
        for _ in range(2):
            if await self.create_product(org) is None:
                return
        await self.create_certificate(org)
        for _ in range(2):
            await self.create_batch(org)
        self.orgs.append(org)

    async def create_location(self, org: Org, kind: str, name: str) -> bool:
        org.places += 1
        gln = with_check_digit(f"{org.prefix}{org.places:05d}")
        response = await self.call(
            "business: create location", "POST", "/api/v1/locations", expect=(201,),
            headers=org.headers,
            json={"name": f"{name} {org.places}", "type": kind, "gln": gln,
                  "address": org.address, "latitude": 9.6, "longitude": 106.0})
        if response is None:
            return False
        org.locations.append((response.json()["id"], gln))
        return True

    async def create_product(self, org: Org) -> Product | None:
        org.items += 1
        gtin = "0" + with_check_digit(f"{org.prefix}{org.items:05d}")
        name = f"Hành tím {org.number}-{org.items}"
        response = await self.call(
            "business: create product", "POST", "/api/v1/products", expect=(201,),
            headers=org.headers,
            json={"gtin": gtin[1:], "name": name, "brand": "Vĩnh Châu", "net_content": "500",
                  "unit": "g", "sector": "fresh_produce", "origin": "Việt Nam",
                  "image_urls": [f"https://img.example.vn/{gtin}.jpg"],
                  "standards": ["TCVN 11041-2:2017"], "shelf_life_days": 120,
                  "safety_warnings": "Rửa sạch trước khi dùng."})
        if response is None:
            return None
        data = response.json()
        if data["gtin"] != gtin:
            self.wrong("business: create product", f"GTIN {data['gtin']} for {gtin}")
        product = Product(data["id"], gtin, name, org)
        org.products.append(product)
        return product

    async def create_certificate(self, org: Org) -> None:
        number = f"VG-SOAK-{self.next_sequence()}"
        today = date.today()
        response = await self.call(
            "business: create certificate", "POST", "/api/v1/certificates", expect=(201,),
            headers=org.headers,
            json={"type": "vietgap", "number": number, "issuer": "QUACERT",
                  "valid_from": (today - timedelta(days=30)).isoformat(),
                  "valid_until": (today + timedelta(days=700)).isoformat()})
        if response is not None:
            self.certificates.add(number)

    async def patch_current(self, what: str, path: str, headers: dict, body: dict):
        """GET a record for its ETag, then PATCH it with If-Match, as a client must; the
        PATCH's response, or None when either call failed."""
        response = await self.call(f"business: get {what}", "GET", path, headers=headers)
        if response is None:
            return None
        return await self.call(
            f"business: update {what}", "PATCH", path,
            headers={**headers, "If-Match": response.headers.get("ETag", "")}, json=body)

    async def update_organization(self, org: Org) -> None:
        address = f"Ấp {org.number}, lần {self.next_sequence()}"
        answer = await self.patch_current(
            "organization", f"/api/v1/organizations/{org.id}", org.headers,
            {"address": address, "phone": f"0299 {self.next_sequence():06d}"})
        if answer is not None:
            org.address = address

    # ------------------------------------------------------------------ batches and serials

    async def create_batch(self, org: Org, *, flagged: bool | None = None,
                           commission: bool = True) -> Batch | None:
        self.lots_made += 1
        lot = f"L{self.lots_made:06d}"
        product = self.rng.choice(org.products)
        quantity = str(self.rng.randint(200, 5000))
        today = date.today()
        response = await self.call(
            "business: create batch", "POST", "/api/v1/batches", expect=(201,),
            headers=org.headers,
            json={"product_id": product.id, "lot": lot, "quantity": quantity, "unit": "kg",
                  "production_date": (today - timedelta(days=self.rng.randint(0, 9))).isoformat(),
                  "expiry_date": (today + timedelta(days=120)).isoformat(),
                  "location_id": org.locations[0][0]})
        if response is None:
            return None
        data = response.json()
        path = f"/01/{product.gtin}/10/{quote(lot, safe='')}"
        if data["digital_link"] != self.base + path or data["status"] != "active":
            self.wrong("business: create batch", f"{data['digital_link']} {data['status']}")
        if flagged is None:
            flagged = self.lots_made % 3 == 0
        batch = Batch(data["id"], product.gtin, lot, org, path, quantity, flagged,
                      time.monotonic())
        if commission:
            await self.capture(org, "events: commissioning", self.object_event(
                org, "commissioning", [(batch, int(quantity))], action="ADD",
                disposition="active"))
        org.batches.append(batch)
        self.batches.append(batch)
        return batch

    async def issue_serials(self, org: Org) -> None:
        """Five more serials for a batch that may have them (not a recalled one)."""
        choices = [b for b in org.batches if b.status in ("active", "on_hold") and not b.changing
                   and not b.busy]
        if not choices:
            return
        batch = self.rng.choice(choices)
        batch.busy += 1  # no inspector recalls it meanwhile
        try:
            response = await self.call("business: issue serials", "POST",
                                       f"/api/v1/batches/{batch.id}/serials", expect=(201,),
                                       headers=org.headers, json={"count": 5})
        finally:
            batch.busy -= 1
        if response is None:
            return
        now = time.monotonic()
        for item in response.json()["serials"]:
            path = f"{batch.path}/21/{quote(item['serial'], safe='')}"
            if item["digital_link"] != self.base + path:
                self.wrong("business: issue serials", f"{item['digital_link']} for {path}")
            self.units.append(Unit(batch, item["serial"], path, now))

    async def update_product(self, org: Org) -> None:
        product = self.rng.choice(org.products)
        name = f"Hành tím {org.number} loại {self.next_sequence()}"
        answer = await self.patch_current(
            "product", f"/api/v1/products/{product.id}", org.headers,
            {"name": name, "description": f"Thu hoạch vụ {self.sequence}."})
        if answer is not None:
            product.name = name
            if answer.json()["name"] != name:
                self.wrong("business: update product", f"name {answer.json()['name']}")

    async def update_batch(self, org: Org) -> None:
        choices = [b for b in org.batches if not b.flagged and not b.busy]
        if not choices:
            return
        batch = self.rng.choice(choices)
        batch.busy += 1
        try:
            quantity = str(self.rng.randint(200, 5000))
            answer = await self.patch_current(
                "batch", f"/api/v1/batches/{batch.id}", org.headers,
                {"quantity": quantity, "notes": f"Cân lại lần {self.next_sequence()}"})
            if answer is not None:
                batch.quantity = quantity
        finally:
            batch.busy -= 1

    async def list_batches(self, org: Org) -> None:
        known = len(org.batches)
        response = await self.call(
            "business: list batches", "GET",
            f"/api/v1/batches?organization_id={org.id}&per_page=20", headers=org.headers)
        if response is not None and response.json()["total"] < known:
            self.wrong("business: list batches", f"{response.json()['total']} < {known}")

    # ------------------------------------------------------------------ events

    def object_event(self, org: Org, biz_step: str, quantities, *, action: str = "OBSERVE",
                     disposition: str | None = None, place: int = 0, sources=(),
                     destinations=()) -> dict:
        gln = org.locations[place][1]
        event = {"@context": CONTEXT, "type": "ObjectEvent", "eventTime": self.event_time(),
                 "eventTimeZoneOffset": "+07:00", "action": action, "bizStep": biz_step,
                 "quantityList": [{"epcClass": self.base + batch.path, "quantity": amount,
                                   "uom": "KGM"} for batch, amount in quantities],
                 "readPoint": {"id": f"https://id.gs1.org/414/{gln}"},
                 "bizLocation": {"id": f"https://id.gs1.org/414/{gln}"},
                 "ex:soakSequence": self.next_sequence()}
        if disposition:
            event["disposition"] = disposition
        if sources:
            event["sourceList"] = [{"type": "owning_party",
                                    "source": f"https://id.gs1.org/417/{gln}"}
                                   for gln in sources]
        if destinations:
            event["destinationList"] = [{"type": "owning_party",
                                         "destination": f"https://id.gs1.org/417/{gln}"}
                                        for gln in destinations]
        return event

    async def capture(self, org: Org, kind: str, event: dict) -> bool:
        response = await self.call(kind, "POST", "/api/v1/events", expect=(201,),
                                   headers=org.headers, json=event)
        if response is None:
            return False
        data = response.json()
        if len(data["captured"]) != 1 or data["unresolved"] or data["duplicates"]:
            self.wrong(kind, f"captured {data}")
        self.event_ids.update(item["event_id"] for item in data["captured"])
        return True

    async def observe(self, org: Org) -> None:
        batch = self.rng.choice(org.batches)
        await self.capture(org, "events: storing / inspecting", self.object_event(
            org, self.rng.choice(("storing", "inspecting")), [(batch, 100)], place=1))

    async def capture_document(self, org: Org) -> None:
        events = []
        for batch in self.rng.sample(org.batches, min(3, len(org.batches))):
            event = self.object_event(org, "storing", [(batch, 50)], place=1)
            del event["@context"]
            events.append(event)
        response = await self.call(
            "events: EPCIS document", "POST", "/api/v1/epcis/capture", expect=(201,),
            headers=org.headers,
            json={"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                  "creationDate": datetime.now(VN).isoformat(timespec="seconds"),
                  "epcisBody": {"eventList": events}})
        if response is None:
            return
        data = response.json()
        if data["captured_count"] != len(events):
            self.wrong("events: EPCIS document", f"captured {data}")
        self.event_ids.update(item["event_id"] for item in data["captured"])

    async def ship(self, org: Org) -> None:
        """Ship a lot to another business, which records its receipt."""
        others = [o for o in self.orgs if o is not org]
        if not others:
            return
        to = self.rng.choice(others)
        batch = self.rng.choice(org.batches)
        batch.busy += 1
        try:
            amount = self.rng.randint(10, 100)
            shipped = await self.capture(org, "events: shipping", self.object_event(
                org, "shipping", [(batch, amount)], disposition="in_transit", place=1,
                sources=[org.gln], destinations=[to.gln]))
            if not shipped:
                return
            received = await self.capture(to, "events: receiving", self.object_event(
                to, "receiving", [(batch, amount)], disposition="in_progress", place=1,
                sources=[org.gln], destinations=[to.gln]))
            if received:
                to.held.append(batch)
        finally:
            batch.busy -= 1

    async def transform(self, org: Org) -> None:
        """Make a lot of one's own from a lot received: recalling that lot recalls this one."""
        sources = [b for b in org.held if b.status in ("active", "on_hold") and not b.changing]
        if not sources:
            return
        source = self.rng.choice(sources)
        source.busy += 1
        try:
            made = await self.create_batch(org, flagged=True, commission=False)
            if made is None:
                return
            made.busy += 1
            try:
                await self.capture_transformation(org, source, made)
            finally:
                made.busy -= 1
        finally:
            source.busy -= 1

    async def capture_transformation(self, org: Org, source: Batch, made: Batch) -> None:
        event = {"@context": CONTEXT, "type": "TransformationEvent",
                 "eventTime": self.event_time(), "eventTimeZoneOffset": "+07:00",
                 "inputQuantityList": [{"epcClass": self.base + source.path, "quantity": 50,
                                        "uom": "KGM"}],
                 "outputQuantityList": [{"epcClass": self.base + made.path, "quantity": 45,
                                         "uom": "KGM"}],
                 "bizStep": "commissioning", "disposition": "active",
                 "bizLocation": {"id": f"https://id.gs1.org/414/{org.locations[1][1]}"}}
        if await self.capture(org, "events: transformation", event):
            source.made_into.append(made)

    # ------------------------------------------------------------------ the actors' ticks

    async def business(self) -> None:
        if not self.orgs:
            return
        org = self.rng.choice(self.orgs)
        names, weights = zip(*BUSINESS_ACTIONS, strict=True)
        action = self.rng.choices(names, weights)[0]
        if not org.batches:
            action = "create batch"
        if action in EDITS:
            # One edit at a time per business: a batch's ETag covers the product and the
            # organization it shows, a product's its completeness (certificates), so two
            # edits of one business's records at once would answer each other 412.
            if org.editing:
                return
            org.editing = True
        try:
            await self.act(org, action)
        finally:
            if action in EDITS:
                org.editing = False

    async def act(self, org: Org, action: str) -> None:
        await {
            "observe": self.observe, "create batch": self.create_batch, "ship": self.ship,
            "issue serials": self.issue_serials, "list batches": self.list_batches,
            "update product": self.update_product, "update batch": self.update_batch,
            "transform": self.transform, "capture document": self.capture_document,
            "create product": self.create_product,
            "update organization": self.update_organization,
            "create certificate": self.create_certificate,
        }[action](org)

    def expectation(self, batch: Batch, since: float) -> tuple[int, str | None]:
        """(version, banner expected on a page asked for now), None: not checkable."""
        if batch.changing or time.monotonic() - max(batch.changed_at, since) < GRACE:
            return batch.version, None
        return batch.version, batch.status

    async def scan(self) -> None:
        """A consumer scans a code (307), and most open the consumer page it leads to."""
        use_unit = self.units and self.rng.random() < 0.5
        target = self.rng.choice(self.units) if use_unit else self.rng.choice(self.batches)
        batch = target.batch if use_unit else target
        # A unit is mostly scanned by its buyer's phone; batch links by anyone.
        owner = hash(target.path) % 5000 if use_unit and self.rng.random() < 0.9 else \
            self.rng.randrange(5000)
        headers = {"X-Forwarded-For": f"100.64.{owner // 250}.{owner % 250 + 1}",
                   "X-Geo-Region": f"VN-{50 + owner % 20}",
                   "User-Agent": PHONES[owner % len(PHONES)],
                   "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}
        response = await self.call("scan: resolve (307)", "GET", target.path, expect=(307,),
                                   headers=headers)
        if self.unanswered:
            self.scans_uncertain += 1  # no answer: it may or may not have been logged
        else:
            self.scans_sent += 1
        if response is None:
            return
        page = "/scan" + target.path
        if response.headers.get("Location") != self.base + page:
            self.wrong("scan: resolve (307)", f"{target.path} -> {response.headers}")
        if self.rng.random() >= 0.7:
            return
        version, expected = self.expectation(batch, target.created_at)
        answer = await self.call("scan: consumer page", "GET", page, headers=headers)
        if answer is None or expected is None or batch.version != version:
            return
        found = BANNER.search(answer.text)
        shown = found.group(1) if found else "none"
        self.pages_checked += 1
        ok = (shown == expected if expected in ("recalled", "on_hold")
              else shown in ("genuine", "suspected_copy"))
        if not ok:
            self.wrong("scan: consumer page", f"{page}: banner {shown}, batch is {expected}")

    async def inspect(self) -> None:
        """One inspector at a time: trace, hold, release or recall."""
        names, weights = zip(*INSPECTOR_ACTIONS, strict=True)
        action = self.rng.choices(names, weights)[0]
        if action == "trace":
            if self.batches:
                await self.trace(self.rng.choice(self.batches))
            return
        wanted = {"hold": ("active",), "release": ("on_hold",),
                  "recall": ("active", "on_hold")}[action]
        choices = [b for b in self.batches if b.flagged and b.status in wanted and not b.busy
                   and not any(m.busy for m in self.made_from(b))]
        if not choices:
            return
        batch = self.rng.choice(choices)
        affected = [batch] + [m for m in self.made_from(batch) if m.status != "recalled"] \
            if action == "recall" else [batch]
        for item in affected:
            item.changing, item.version = True, item.version + 1
        body = {"reason": f"Đoàn kiểm tra số {self.next_sequence()}: mẫu không đạt."}
        if action == "recall":
            body["level"] = self.rng.choice(("1", "2", "3"))
        response = await self.call(f"inspector: {action}", "POST",
                                   f"/api/v1/batches/{batch.id}/{action}", headers=self.inspector,
                                   json=body)
        status = {"hold": "on_hold", "release": "active", "recall": "recalled"}[action]
        for item in affected:
            item.status = status if response is not None else "unknown"
            item.changing, item.version = False, item.version + 1
            item.changed_at = time.monotonic()
        if response is not None and action != "recall" and response.json()["status"] != status:
            self.wrong(f"inspector: {action}", f"status {response.json()['status']}")

    def made_from(self, batch: Batch) -> list[Batch]:
        found, todo = [], list(batch.made_into)
        while todo:
            item = todo.pop()
            if item not in found:
                found.append(item)
                todo.extend(item.made_into)
        return found

    async def trace(self, batch: Batch) -> None:
        version, expected = self.expectation(batch, batch.created_at)
        response = await self.call("inspector: trace", "GET",
                                   f"/api/v1/trace?code={quote(self.base + batch.path)}",
                                   headers=self.inspector)
        if response is None or expected is None or batch.version != version:
            return
        if response.json()["status"] != expected:
            self.wrong("inspector: trace", f"{batch.path}: {response.json()['status']}, "
                                           f"expected {expected}")

    async def metrics(self) -> None:
        """Prometheus's scrape (every 15 s): the workers' files merged, dead workers' too."""
        response = await self.call("prometheus: /metrics", "GET", "/metrics")
        if response is not None and "traceability_outbox_messages" not in response.text:
            self.wrong("prometheus: /metrics", response.text[:200])

    async def gateway_status(self) -> None:
        response = await self.call("admin: gateway status", "GET", "/api/v1/gateway/status",
                                   headers=self.admin)
        if response is not None:
            self.outbox_depth.append((time.monotonic() - self.started,
                                      response.json()["pending"]))

    # ------------------------------------------------------------------ the run

    async def run(self, seconds: float, rate: float) -> None:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits) as client:
            self.client = client
            # A few businesses first, so that there is something to scan and to inspect.
            self.stop_at = float("inf")
            await asyncio.gather(*(self.register() for _ in range(4)))
            for org in self.pending.values():
                org.registered_at -= 1
            await self.admin_round()
            while self.tasks:
                await asyncio.gather(*list(self.tasks))
            self.started = time.monotonic()
            self.stop_at = self.started + seconds
            # A few more in flight than the rates need at healthy latencies: when the server
            # slows down, ticks are shed (and counted) rather than queued up in its backlog.
            limits_by_stream = {"scan": 12, "business": 6, "inspector": 1, "register": 2,
                                "admin": 1, "gateway status": 1, "metrics": 1}
            actions = {"scan": self.scan, "business": self.business, "inspector": self.inspect,
                       "register": self.register, "admin": self.admin_round,
                       "gateway status": self.gateway_status, "metrics": self.metrics}
            await asyncio.gather(*(self.every(name, RATES[name] * rate, actions[name],
                                              limits_by_stream[name]) for name in RATES))
            while self.tasks:
                await asyncio.gather(*list(self.tasks))
            self.elapsed = time.monotonic() - self.started
            await self.admin_round(final=True)  # nothing left pending

    # ------------------------------------------------------------------ what should be there

    def expected(self) -> dict:
        approved = self.approved
        return {
            "organizations": {o.tax_code: o.address for o in approved},
            "locations": {gln for o in approved for _, gln in o.locations},
            "products": {p.gtin: p.name for o in approved for p in o.products},
            "certificates": set(self.certificates),
            "lots": {(b.gtin, b.lot): (b.status, Decimal(b.quantity)) for b in self.batches},
            "events": set(self.event_ids),
            "recalls": Counter((b.gtin, b.lot) for b in self.batches if b.status == "recalled"),
        }


# ============================================================================ checking


def app_records(url: str) -> tuple[dict, dict, int]:
    engine = create_engine(normalize_database_url(url))
    approved = "JOIN organizations o ON o.id = x.organization_id WHERE o.status = 'approved'"
    with engine.connect() as db:
        def rows(sql: str):
            return db.execute(text(sql)).all()

        records = {
            "organizations": dict(rows(
                "SELECT tax_code, address FROM organizations WHERE status = 'approved'")),
            "locations": {gln for (gln,) in rows(f"SELECT x.gln FROM locations x {approved}")},
            "products": dict(rows(f"SELECT x.gtin, x.name FROM products x {approved}")),
            "certificates": {n for (n,) in rows(
                f"SELECT x.number FROM certificates x {approved}")},
            "lots": {(gtin, lot): (status, Decimal(quantity))
                     for gtin, lot, status, quantity in rows(
                         f"SELECT x.gtin, x.lot, x.status, x.quantity FROM batches x {approved}")},
            "events": {e for (e,) in rows(
                f"SELECT x.event_id FROM epcis_events x {approved} "
                "AND NOT x.is_error_declaration")},
            "recalls": Counter(tuple(row) for row in rows(
                "SELECT b.gtin, b.lot FROM status_decisions d JOIN batches b ON b.id = d.batch_id "
                "JOIN organizations o ON o.id = b.organization_id "
                "WHERE d.action = 'recall' AND o.status = 'approved'")),
        }
        outbox = dict(rows("SELECT state, count(*) FROM outbox_messages GROUP BY state"))
        scans = db.execute(text("SELECT count(*) FROM scan_events")).scalar()
    engine.dispose()
    return records, outbox, scans


def outbox_problems(url: str) -> list[str]:
    engine = create_engine(normalize_database_url(url))
    with engine.connect() as db:
        found = db.execute(text(
            "SELECT id, kind, state, last_status, last_error FROM outbox_messages "
            "WHERE state IN ('rejected', 'dead') ORDER BY id LIMIT 5")).all()
    engine.dispose()
    return [f"message {row.id} ({row.kind}) {row.state}: {row.last_status} "
            f"{row.last_error[:300]}" for row in found]


def wait_for_drain(url: str, seconds: float) -> tuple[bool, float]:
    """Until no message is pending (twice in a row); returns (drained, seconds waited)."""
    engine = create_engine(normalize_database_url(url))
    started = time.monotonic()
    quiet = 0
    try:
        while time.monotonic() - started < seconds:
            with engine.connect() as db:
                pending = db.execute(text(
                    "SELECT count(*) FROM outbox_messages WHERE state = 'pending'")).scalar()
            quiet = quiet + 1 if pending == 0 else 0
            if quiet >= 2:
                return True, time.monotonic() - started
            time.sleep(1)
        return False, time.monotonic() - started
    finally:
        engine.dispose()


def gateway_records(sim: str, sim_url: str) -> tuple[dict, dict]:
    state = httpx.get(f"{sim}/_sim/state", params={"log_after": 2**31 - 1}, timeout=60).json()

    def items(kind: str) -> list[dict]:
        return httpx.get(f"{sim}/_sim/records/{kind}", timeout=120).json()["items"]

    engine = create_engine(normalize_database_url(sim_url))
    with engine.connect() as db:
        events = {e for (e,) in db.execute(text("SELECT event_id FROM sim_events"))}
    engine.dispose()
    status_en = {vi: en for en, vi in BATCH_STATUS_VI.items()}
    records = {
        "organizations": {o["maSoThue"]: o["diaChi"] for o in items("organizations")},
        "locations": {item["gln"] for item in items("locations")},
        "products": {item["gtin"]: item["ten"] for item in items("products")},
        "certificates": {item["soChungNhan"] for item in items("certificates")},
        "lots": {(item["gtin"], item["soLo"]): (status_en.get(item.get("trangThai")),
                                                Decimal(str(item.get("soLuong"))))
                 for item in items("lots")},
        "events": events,
        "recalls": Counter((item["gtin"], item["soLo"]) for item in items("recalls")),
    }
    return records, state


def size(records) -> int:
    return sum(records.values()) if isinstance(records, Counter) else len(records)


def differences(name: str, one, other) -> list[str]:
    """A few words on how two collections of records differ (empty when they are equal)."""
    if one == other:
        return []
    if isinstance(one, dict):
        missing = sorted(set(one) - set(other), key=str)[:3]
        extra = sorted(set(other) - set(one), key=str)[:3]
        changed = sorted((k for k in set(one) & set(other) if one[k] != other[k]), key=str)[:3]
        return [f"{name}: missing {missing}, extra {extra}, "
                f"different {[(k, one[k], other[k]) for k in changed]}"]
    missing = sorted(set(one) - set(other), key=str)[:3]
    extra = sorted(set(other) - set(one), key=str)[:3]
    return [f"{name}: missing {missing}, extra {extra}"]


def requests_counted(base: str) -> float:
    """What /metrics says the workers answered, dead (recycled) workers included."""
    text_ = httpx.get(base + "/metrics", timeout=60).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text_.splitlines()
               if line.startswith("traceability_http_requests_total{"))


def log_tracebacks(paths: list[Path]) -> tuple[int, list[str]]:
    count, samples = 0, []
    for path in paths:
        if not path.exists():
            continue
        lines = path.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if line.startswith("Traceback"):
                count += 1
                if len(samples) < 3:
                    samples.append(f"{path.name}: " + "\n".join(lines[max(0, index - 2):
                                                                      index + 25]))
    return count, samples


GROUPS = (("scans (307)", ("scan: resolve",)), ("consumer pages", ("scan: consumer page",)),
          ("events", ("events:",)),
          ("API writes", ("register", "admin: approve", "admin: reject", "business: create",
                          "business: update", "business: issue", "inspector: hold",
                          "inspector: release", "inspector: recall")),
          ("API reads", ("admin: list", "admin: gateway", "business: get", "business: list",
                         "inspector: trace", "prometheus")))


def summary(args, load: Load, memory: list[MemoryLine], workers_seen: int, app: dict,
            scans: int, records_ok: bool, failures: list[str]) -> str:
    """One paragraph: what ran, latencies by group, memory, records compared."""
    elapsed = load.elapsed
    total = sum(s.count for s in load.stats.values())
    errors = sum(s.errors for s in load.stats.values())
    parts = []
    for name, prefixes in GROUPS:
        chosen = [s for kind, s in load.stats.items() if kind.startswith(prefixes)]
        latencies = [ms for s in chosen for ms in s.latencies]
        if latencies:
            parts.append(f"{name} {len(latencies):,}, p50 {percentile(latencies, 0.5):.0f} / "
                         f"p99 {percentile(latencies, 0.99):.0f} ms")
    workers = [m for m in memory if m.name.startswith("gunicorn worker ")]
    others = {m.name.rsplit(" ", 1)[0]: m for m in memory
              if m.name.startswith(("sync worker", "simulator", "gunicorn master"))}
    settled = ([m.baseline for m in workers if m.baseline is not None]
               or [m.first for m in workers])
    rss = [f"each worker {min(settled):.0f}–{max(m.peak for m in workers):.0f} MB once "
           f"booted ({sum(m.judged for m in workers)} judged over their lifetime: "
           f"{'flat' if all(m.flat for m in workers) else 'GROWING'})"] if workers else []
    rss += [f"{name} {m.first:.0f}→{m.last:.0f} MB" for name, m in others.items()]
    records = ", ".join(f"{size(app[name]):,} {name}" for name in
                        ("organizations", "products", "lots", "events", "recalls"))
    verdict = "passed" if not failures else f"FAILED ({len(failures)} checks)"
    return (f"Soak {verdict}: {elapsed:.0f} s on {os.cpu_count()} cores (shared; load average "
            f"{os.getloadavg()[0]:.1f}), gunicorn {args.workers} workers "
            f"(max_requests {args.max_requests:,}: {workers_seen} over the run) + sync worker "
            f"+ simulator on PostgreSQL; {total:,} requests ({total / elapsed:.0f}/s), "
            f"{errors} errors; {'; '.join(parts)}. RSS: {', '.join(rss)}. After the drain: "
            f"{records}, {'the same' if records_ok else 'NOT the same'} in the load, the app "
            f"and the gateway; {scans:,} scans logged of {load.scans_sent:,} sent.")


# ============================================================================ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load")
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/soak_app")
    parser.add_argument("--sim-database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/soak_sim")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--max-requests", type=int, default=5000,
                        help="GUNICORN_MAX_REQUESTS (production default 20,000)")
    parser.add_argument("--rate", type=float, default=1.0, help="scale every request rate")
    parser.add_argument("--sample-seconds", type=float, default=None,
                        help="memory sampling interval (10 s, less for short runs)")
    parser.add_argument("--memory-tolerance", type=float, default=0.15)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--sim-activate-after", type=float, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder")
    args = parser.parse_args()

    for url in (args.database_url, args.sim_database_url):
        parsed = make_url(normalize_database_url(url))
        if parsed.get_backend_name() != "postgresql":
            raise SystemExit("The soak runs on PostgreSQL (several workers, SKIP LOCKED).")
        if parsed.database == "test":
            raise SystemExit("Refusing the shared 'test' database; name one of your own.")
    if make_url(normalize_database_url(args.database_url)).database == \
            make_url(normalize_database_url(args.sim_database_url)).database:
        raise SystemExit("The simulator needs a database of its own.")

    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    reset_database(args.database_url)
    reset_database(args.sim_database_url)
    stack = Stack(args, workdir)
    admin_key, inspector_key = stack.release()
    interval = args.sample_seconds or min(10.0, max(1.0, args.duration / 30))
    window = max(15.0, min(60.0, args.duration / 5))
    failures: list[str] = []
    stack.start()
    sampler = MemorySampler(stack, interval)
    sampler.start()
    load = Load(stack.base, admin_key, inspector_key, args)
    try:
        print(f"soak: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
              f"{args.duration:.0f} s; gunicorn {args.workers} workers "
              f"(GUNICORN_MAX_REQUESTS={args.max_requests}), sync worker, simulator; "
              f"PostgreSQL {make_url(normalize_database_url(args.database_url)).database} + "
              f"{make_url(normalize_database_url(args.sim_database_url)).database}; "
              f"logs in {workdir}", flush=True)
        asyncio.run(load.run(args.duration, args.rate))
        sampler.stop()
        for name, process in stack.processes.items():
            if not process.running():
                failures.append(f"{name} exited during the load ({process.popen.returncode})")
        counted = requests_counted(stack.base)
        stopped = time.monotonic()
        code = stack.stop("web")  # graceful: each worker writes the scans it still holds
        web_stop = time.monotonic() - stopped
        if code != 0:
            failures.append(f"gunicorn exited with {code} on SIGTERM (see web.log)")
        drained, drain_seconds = wait_for_drain(args.database_url, args.drain_timeout)
        code = stack.stop("worker")
        if code != 0:
            failures.append(f"the sync worker exited with {code} on SIGTERM (see worker.log)")
        app, outbox, scans = app_records(args.database_url)
        gateway, sim_state = gateway_records(stack.sim, args.sim_database_url)
    finally:
        stack.stop_all()

    # ------------------------------------------------------------------ report
    elapsed = load.elapsed
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    total = sum(s.count for s in load.stats.values())
    errors = sum(s.errors for s in load.stats.values())
    print(f"\n### Requests ({elapsed:.0f} s of load, {total:,} requests, "
          f"{total / elapsed:.0f} req/s, {errors} errors)\n")
    print("| kind | requests | req/s | errors | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in sorted(load.stats):
        s = load.stats[kind]
        print(f"| {kind} | {s.count:,} | {s.count / elapsed:.2f} | {s.errors} | "
              f"{percentile(s.latencies, 0.5):.1f} | {percentile(s.latencies, 0.99):.1f} | "
              f"{max(s.latencies, default=0):.0f} |")
    for kind, s in sorted(load.stats.items()):
        if s.errors:
            failures.append(f"{s.errors} unexpected answers to {kind}")
            for sample in s.samples:
                print(f"  {kind}: {sample[:600]}")
    if load.shed:
        print(f"ticks shed (the server answered slower than the rates need; on a shared "
              f"machine, others' load): {dict(load.shed)}")
    print(f"consumer pages whose status banner was checked: {load.pages_checked:,}; the "
          f"load generator used {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.0f} s CPU")
    answered = total - load.unanswered_total
    print(f"/metrics counts {counted:,.0f} requests answered by the workers "
          f"({answered:,} answered to the load, {stack.probes} health checks at the start)")
    if not answered <= counted <= answered + stack.probes + load.unanswered_total:
        failures.append(f"/metrics counts {counted:,.0f} requests; {answered:,} were answered")
    if load.loadgen_errors:
        failures.append(f"{len(load.loadgen_errors)} errors in the load generator itself")
        for sample in load.loadgen_errors[:2]:
            print(sample)
    if load.outbox_depth:
        print(f"outbox depth during the load: max {max(d for _, d in load.outbox_depth)} "
              f"pending, last {load.outbox_depth[-1][1]}")

    print(f"\n### Memory (RSS every {interval:.0f} s; flat: average of the last {window:.0f} s "
          f"within {args.memory_tolerance:.0%} of the second {window:.0f} s, for processes "
          f"alive {3 * window:.0f} s or more)\n")
    print("| process | alive s | CPU s | first MB | last MB | max MB | MB/min | 2nd window | "
          "last window | flat |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    workers_seen = 0
    memory = memory_report(sampler, window, args.memory_tolerance)
    for line in memory:
        workers_seen += line.name.startswith("gunicorn worker ")
        verdict = ("yes" if line.flat else "**NO**") if line.judged else "-"
        print(f"| {line.name} | {line.lifetime:.0f} | {line.cpu:.0f} | {line.first:.1f} | "
              f"{line.last:.1f} | "
              f"{line.peak:.1f} | {line.slope:+.2f} | "
              f"{'' if line.baseline is None else f'{line.baseline:.1f}'} | "
              f"{'' if line.final is None else f'{line.final:.1f}'} | {verdict} |")
        if not line.flat:
            failures.append(f"memory of {line.name} grew from {line.baseline:.1f} MB to "
                            f"{line.final:.1f} MB")
    print(f"gunicorn workers over the run: {workers_seen} ({args.workers} at a time; "
          f"{workers_seen - args.workers} recycled by max_requests)")

    print(f"\n### Nothing lost (web stopped in {web_stop:.1f} s; outbox "
          f"{'drained' if drained else 'NOT drained'} in {drain_seconds:.0f} s: "
          f"{dict(sorted(outbox.items()))})\n")
    if not drained:
        failures.append(f"outbox still has {outbox.get('pending', 0)} pending after "
                        f"{args.drain_timeout:.0f} s")
    for problem in outbox_problems(args.database_url):
        failures.append(problem)
    expected = load.expected()
    print("| records | sent by the load | app database | gateway simulator | same |")
    print("| --- | ---: | ---: | ---: | --- |")
    counts = sim_state["counts"]
    records_ok = True
    for name in ("organizations", "locations", "products", "certificates", "lots", "events",
                 "recalls"):
        problems = (differences(f"{name}: load vs app", expected[name], app[name])
                    + differences(f"{name}: app vs gateway", app[name], gateway[name]))
        print(f"| {name} | {size(expected[name]):,} | {size(app[name]):,} | "
              f"{counts[name]:,} | {'yes' if not problems else '**NO**'} |")
        if counts[name] != size(gateway[name]):
            problems.append(f"{name}: /_sim/state counts {counts[name]}, records "
                            f"{size(gateway[name])}")
        failures.extend(problems)
        records_ok = records_ok and not problems
    scans_ok = 0 <= scans - load.scans_sent <= load.scans_uncertain
    print(f"| scans logged | {load.scans_sent:,} (+{load.scans_uncertain} unanswered) | "
          f"{scans:,} | | {'yes' if scans_ok else '**NO**'} |")
    if not scans_ok:
        failures.append(f"scan log holds {scans} scans; {load.scans_sent} were answered")
    print(f"(also: {len(load.rejected)} registrations rejected, none of them at the gateway; "
          f"gateway replays {sim_state['replays']['total']}, duplicate events "
          f"{sim_state['duplicates']['events']})")
    rejected_at_gateway = {o.tax_code for o in load.rejected} & set(gateway["organizations"])
    if rejected_at_gateway:
        failures.append(f"rejected organizations at the gateway: {sorted(rejected_at_gateway)}")

    tracebacks, samples = log_tracebacks([workdir / "web.log", workdir / "worker.log",
                                          workdir / "simulator.log"])
    if tracebacks:
        failures.append(f"{tracebacks} tracebacks in the servers' logs")
        for sample in samples:
            print(sample)

    print("\n### Summary (for the README)\n")
    print(summary(args, load, memory, workers_seen, app, scans, records_ok, failures))
    print()
    if failures:
        print("SOAK FAILED:")
        for failure in failures:
            print(f"  - {failure}")
    else:
        print(f"SOAK PASSED: {total:,} requests in {elapsed:.0f} s, no errors, memory flat, "
              "nothing lost.")
    if args.keep or failures:
        print(f"logs: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
