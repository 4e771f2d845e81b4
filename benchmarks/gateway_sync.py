"""Gateway sync throughput: messages per second delivered to the simulator.

Measures, in one run, against the simulator served in its own process:
  * baseline: the bare client PUTting lots with the same concurrency (no outbox, no database);
  * the sync worker draining N queued lot messages with no faults;
  * the same with 30 % faults (5xx, 429 with Retry-After, timeouts, dropped connections);
  * the time to drain a backlog of 10,000 messages after an outage (the simulator down while
    they were queued).
Run: ``.venv/bin/python benchmarks/gateway_sync.py [--messages 2000] [--backlog 10000]``.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from traceability import create_app  # noqa: E402
from traceability.extensions import db  # noqa: E402
from traceability.gateway import mapping, outbox  # noqa: E402
from traceability.gateway.client import GatewayClient, path_for  # noqa: E402
from traceability.gateway.outbox import OutboxMessage  # noqa: E402
from traceability.gateway.worker import SyncWorker  # noqa: E402
from traceability.gs1 import check_digit  # noqa: E402

TAX_CODE = "2200123456"
GTIN = "0893000100001" + str(check_digit("0893000100001"))
CONCURRENCY = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(folder: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SIM_DATABASE_URL": f"sqlite:///{folder}/sim.sqlite"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "gateway",
                                "simulator", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/_sim/state", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("simulator did not start")


def prepare_gateway(url: str) -> GatewayClient:
    client = GatewayClient(url, "traceability-local", "local-secret", timeout=2.0)
    client.put_organization(TAX_CODE, {"ten": "HTX", "diaChi": "x", "tinhThanh": "Sóc Trăng"},
                            str(uuid.uuid4()))
    httpx.post(f"{url}/_sim/organizations/{TAX_CODE}/activate")
    client.put_product(GTIN, {"ten": "Hành", "hinhAnh": ["https://img.example.vn/a.jpg"],
                              "khoiLuongTinh": "1 kg", "donViTinh": "kg",
                              "maSoThue": TAX_CODE}, str(uuid.uuid4()))
    return client


def lot_body(n: int) -> dict:
    return {"nsx": date(2026, 3, 1 + n % 28).isoformat(), "soLuong": n, "donViTinh": "kg"}


def baseline(client: GatewayClient, count: int) -> float:
    def put(n):
        return client.put_lot(GTIN, f"B{n}", lot_body(n), str(uuid.uuid4())).ok

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        assert all(pool.map(put, range(count)))
    return count / (time.perf_counter() - started)


def queue(app, count: int, prefix: str) -> None:
    with app.app_context():
        for n in range(count):
            outbox.enqueue("batch", n, 1, "PUT", path_for("lots", GTIN, f"{prefix}{n}"),
                           lot_body(n), mapping.lot_key(GTIN, f"{prefix}{n}"),
                           [mapping.product_key(GTIN)])
            if n % 1000 == 999:
                db.session.commit()
        db.session.commit()


def drain(app, url: str) -> float:
    app.config["GATEWAY_URL"] = url
    worker = SyncWorker(app, poll_interval=0.01, backoff_base=0.05, backoff_cap=1.0,
                        max_attempts=1000)
    started = time.perf_counter()
    while True:
        worker.run(until_idle=True)
        with app.app_context():
            left = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.state == "pending"))
        if not left:
            return time.perf_counter() - started
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-gateway-")
    url_db = args.database_url or f"sqlite:///{folder}/app.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url_db, "SECRET_KEY": "bench",
                      "GATEWAY_CONCURRENCY": CONCURRENCY, "GATEWAY_TIMEOUT": 2.0})
    with app.app_context():
        from flask_migrate import upgrade

        db.metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    simulator, url = start_simulator(folder)
    try:
        client = prepare_gateway(url)
        base = baseline(client, args.messages)
        print(f"baseline: bare client, {CONCURRENCY} concurrent PUTs: {base:,.0f} msg/s")

        queue(app, args.messages, "C")
        seconds = drain(app, url)
        clean = args.messages / seconds
        print(f"worker, no faults: {clean:,.0f} msg/s ({clean / base:.2f}x baseline)")

        httpx.post(url + "/_sim/faults", json={"error_5xx": 0.1, "rate_429": 0.1,
                                               "retry_after": 1, "timeout": 0.05,
                                               "timeout_seconds": 3, "drop": 0.05})
        queue(app, args.messages, "F")
        seconds = drain(app, url)
        faulty = args.messages / seconds
        print(f"worker, 30 % faults: {faulty:,.0f} msg/s ({faulty / base:.2f}x baseline)")
        httpx.delete(url + "/_sim/faults")

        httpx.post(url + "/_sim/faults", json={"down": True, "down_retry_after": 1})
        queue(app, args.backlog, "O")
        httpx.post(url + "/_sim/faults", json={"down": False})
        seconds = drain(app, url)
        print(f"backlog of {args.backlog:,} after an outage drained in {seconds:,.1f} s "
              f"({args.backlog / seconds:,.0f} msg/s)")
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    main()
