"""Issue 9's chaos test, over real HTTP with the simulator and the workers as separate processes.

1,000 changes across 20 organizations while the simulator fails 30 % of calls (5xx, 429 with
Retry-After, timeouts, dropped connections) and is down for a stretch, and the worker is
killed with SIGKILL three times and restarted. At the end the simulator holds exactly every
record, applied in dependency order, each message once (repeats only as replays), and no
message is left pending. On PostgreSQL two workers run at once.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.gs1 import check_digit
from traceability.registry import services as registry
from traceability.registry.cli import OperatorActor

ROOT = Path(__file__).resolve().parents[2]
ORGS = 20
LOCATIONS, PRODUCTS, BATCHES, UPDATES = 2, 10, 30, 7  # + the organization = 50 per org

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_check(body: str) -> str:
    return body + str(check_digit(body))


def _env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update({key: str(value) for key, value in extra.items()})
    return env


def _spawn(args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    """A ``flask`` subprocess whose stderr goes to ``log_path`` (kept for post-mortems)."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)


def _start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    return _spawn(["gateway", "worker", "--poll", "0.05", "--batch-size", "10"], env, log_path)


def _make_changes() -> int:
    actor = OperatorActor()
    changes = 0
    for o in range(ORGS):
        prefix = f"893{o + 1:04d}"
        organization, _ = registry.create_organization(actor, {
            "name": f"HTX số {o}", "tax_code": f"22{o:08d}", "kind": "cooperative",
            "address": f"Ấp {o}", "province": "Sóc Trăng", "gs1_company_prefixes": [prefix]})
        changes += 1
        locations = [registry.create_location(actor, {
            "organization_id": organization.id, "name": f"Vùng {o}-{n}", "type": "farm",
            "gln": _with_check(f"{prefix}9{n:04d}")}) for n in range(LOCATIONS)]
        products = [registry.create_product(actor, {
            "organization_id": organization.id, "gtin": _with_check(f"{prefix}{n:05d}"),
            "name": f"Sản phẩm {o}-{n}", "net_content": "1", "unit": "kg",
            "image_urls": [f"https://img.example.vn/{o}/{n}.jpg"]}) for n in range(PRODUCTS)]
        changes += LOCATIONS + PRODUCTS
        for n in range(BATCHES):
            registry.create_batch(actor, {
                "product_id": products[n % PRODUCTS].id, "lot": f"L{o}-{n}",
                "production_date": date(2026, 3, 1 + n % 28), "quantity": 10 + n,
                "unit": "kg", "location_id": locations[n % LOCATIONS].id})
        changes += BATCHES
        for n in range(UPDATES):
            registry.update_product(actor, products[n].id, {"name": f"Sản phẩm {o}-{n} (mới)"})
        changes += UPDATES
        db.session.commit()
    return changes


def _pending() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.state.in_(("pending", "rejected", "dead"))))


def test_chaos(app, database_url, tmp_path):
    workers_at_once = 2 if database_url.startswith("postgres") else 1
    port = _free_port()
    sim_url = f"http://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    simulator = _spawn(["gateway", "simulator", "--port", str(port)],
                       _env(SIM_DATABASE_URL=f"sqlite:///{tmp_path / 'sim.sqlite'}",
                            SIM_AUTO_ACTIVATE_AFTER="2", SIM_FAULT_SEED="7"),
                       logs / "simulator.log")
    workers: list[subprocess.Popen] = []
    try:
        admin = httpx.Client(base_url=sim_url + "/_sim", timeout=10)
        deadline = time.monotonic() + 30
        while True:
            try:
                admin.get("/state")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.2)
        assert admin.post("/faults", json={
            "error_5xx": 0.1, "rate_429": 0.1, "retry_after": 1, "timeout": 0.05,
            "timeout_seconds": 2, "drop": 0.05}).status_code == 200

        assert _make_changes() == 1000
        worker_env = _env(DATABASE_URL=database_url, GATEWAY_URL=sim_url, GATEWAY_TIMEOUT="1",
                          GATEWAY_BACKOFF_BASE="0.05", GATEWAY_BACKOFF_CAP="1",
                          GATEWAY_MAX_ATTEMPTS="1000", GATEWAY_LEASE_SECONDS="4",
                          SECRET_KEY="chaos")
        workers = [_start_worker(worker_env, logs / f"worker{i}.log")
                   for i in range(workers_at_once)]

        rng = random.Random(20241001)
        for kill in range(3):
            time.sleep(rng.uniform(1.0, 3.0))
            if kill == 1:  # the gateway is down entirely for a stretch
                admin.post("/faults", json={"down": True, "down_retry_after": 1})
                time.sleep(2.5)
                admin.post("/faults", json={"down": False})
            victim = workers[kill % len(workers)]
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            workers[kill % len(workers)] = _start_worker(worker_env, logs / f"worker{kill}.log")

        deadline = time.monotonic() + 240
        while _pending() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _pending() == 0, "messages still undelivered"

        # A worker stops cleanly on SIGTERM.
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0] * len(workers)

        admin.delete("/faults")
        state = admin.get("/state").json()
        assert state["counts"]["organizations"] == ORGS
        assert state["counts"]["locations"] == ORGS * LOCATIONS
        assert state["counts"]["products"] == ORGS * PRODUCTS
        assert state["counts"]["lots"] == ORGS * BATCHES
        log = state["applied_log"]
        sent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == "sent"))
        keys = [entry["idempotency_key"] for entry in log]
        assert len(keys) == len(set(keys)) == sent, "a message was applied more than once"
        first_seen = {}
        for entry in log:
            first_seen.setdefault((entry["kind"], entry["key"]), entry["seq"])
        for entry in log:
            if entry["kind"] == "lot":
                gtin = entry["key"].split("/")[0]
                assert first_seen[("product", gtin)] < entry["seq"]
            if entry["kind"] in ("product", "location"):
                assert any(kind == "organization" and seq < entry["seq"]
                           for (kind, _), seq in first_seen.items())
        products = {item["gtin"]: item["ten"] for item in admin.get("/records/products").json()
                    ["items"]}
        assert sum(name.endswith("(mới)") for name in products.values()) == ORGS * UPDATES
    finally:
        for process in [*workers, simulator]:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
