"""Resolver throughput under the production server, against /healthz in the same run.

Run: ``.venv/bin/python benchmarks/resolver.py [--database-url URL] [--batches 100000]
[--duration 8] [--rounds 3] [--connections 50] [--workers 4]``.

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names one; its
tables are dropped and recreated) holding ``--batches`` batches of 1,000 products with two
serials each, starts ``gunicorn --config gunicorn.conf.py wsgi:app`` with ``WEB_CONCURRENCY``
workers, then loads with ``wrk`` (Debian's package; a small asyncio load generator when wrk is
missing) at ``--connections`` connections, ``--rounds`` rounds of ``--duration`` s per
target taken in turn (figures are the medians of the rounds):

  (a) ``/healthz`` — the cheapest request served, the baseline;
  (b) batch and serial Digital Links drawn at random (307 to the consumer page, each logged);
  (c) the consumer page of those links.

Prints req/s, p50, p99 and the server's CPU time per request for each target (the workers'
and the scan writer's, counted until the server is idle after the target's load), the ratios
b/a and c/a (by throughput, and by CPU per request, which other load on the machine disturbs
less), and how many scans reached the log. Goals: b/a >= 0.75 with p99 < 50 ms; c/a >= 0.40.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from traceability.gs1 import check_digit  # noqa: E402

PRODUCTS = 1000
SERIALS_PER_BATCH = 2
CHUNK = 10_000


def _gtin(item: int) -> str:
    body = f"8930001{item:05d}"
    return "0" + body + str(check_digit(body))


def build_database(url: str, batches: int) -> list[tuple[str, str, str]]:
    """Fresh schema and data; returns (gtin, lot, serial) of every batch's first serial."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from traceability import create_app
    from traceability.extensions import db
    from traceability.labels.models import PrintRun, Serial
    from traceability.registry.models import Batch, Certificate, Location, Organization, Product

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "GATEWAY_ENABLED": False})
    with app.app_context():
        db.metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        now = datetime.now(UTC)
        today = date.today()
        with db.engine.begin() as connection:
            def insert(model, rows):
                for start in range(0, len(rows), CHUNK):
                    connection.execute(model.__table__.insert(), rows[start:start + CHUNK])

            insert(Organization, [{
                "id": 1, "name": "HTX Nông nghiệp Vĩnh Châu", "tax_code": "2200345678",
                "kind": "cooperative", "address": "Khóm Vĩnh Bình, thị xã Vĩnh Châu",
                "province": "Sóc Trăng", "status": "approved", "contact_email": "",
                "phone": "0299 3861 234", "status_reason": "", "webhook_url": "",
                "webhook_secret": "", "search_text": "", "created_at": now, "updated_at": now}])
            insert(Location, [{
                "id": 1, "organization_id": 1, "name": "Vùng trồng Vĩnh Hiệp",
                "type": "growing_area", "gln": "8930001000019", "address": "Ấp Vĩnh Hiệp",
                "province": "Sóc Trăng", "search_text": "", "created_at": now,
                "updated_at": now}])
            insert(Product, [{
                "id": p + 1, "organization_id": 1, "gtin": _gtin(p), "name": f"Hành tím {p}",
                "name_en": f"Shallots {p}", "description": "", "brand": "Vĩnh Châu",
                "model": "", "sector": "fresh_produce", "net_content": "500", "unit": "g",
                "origin": "Sóc Trăng", "image_urls": [], "standards": ["TCVN 11041-2:2017"],
                "shelf_life_days": 120, "storage_instructions": "", "safety_warnings": "",
                "foreign_code_authorization": "", "search_text": "", "created_at": now,
                "updated_at": now} for p in range(PRODUCTS)])
            insert(Certificate, [{
                "id": 1, "organization_id": 1, "type": "vietgap", "number": "VG-1",
                "issuer": "QUACERT", "valid_from": today - timedelta(days=100),
                "valid_until": today + timedelta(days=600), "scope_type": "organization",
                "scope_description": "", "document_url": "", "created_at": now,
                "updated_at": now}])
            batch_rows, runs, serial_rows, units = [], [], [], []
            for b in range(batches):
                product = b % PRODUCTS
                gtin, lot = _gtin(product), f"L{b:07d}"
                status = "recalled" if b % 97 == 0 else "active"
                batch_rows.append({
                    "id": b + 1, "product_id": product + 1, "organization_id": 1, "gtin": gtin,
                    "lot": lot, "production_date": today - timedelta(days=b % 60),
                    "expiry_date": today + timedelta(days=120 - b % 150), "quantity": 1000,
                    "unit": "kg", "location_id": 1, "status": status,
                    "status_reason": "Kiểm tra" if status != "active" else "",
                    "codes_issued": True, "notes": "", "created_at": now, "updated_at": now})
                runs.append({"id": b + 1, "batch_id": b + 1, "count": SERIALS_PER_BATCH,
                             "created_by_label": "bench", "note": "", "created_at": now})
                for s in range(SERIALS_PER_BATCH):
                    serial = f"S{b:07d}{s}"
                    serial_rows.append({
                        "batch_id": b + 1, "print_run_id": b + 1, "gtin": gtin,
                        "serial": serial, "status": "active", "void_reason": "",
                        "created_at": now})
                units.append((gtin, lot, f"S{b:07d}0"))
            insert(Batch, batch_rows)
            insert(PrintRun, runs)
            insert(Serial, serial_rows)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                for table in ("organizations", "locations", "products", "certificates",
                              "batches", "print_runs", "serials"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
                connection.execute(text("ANALYZE"))
        db.engine.dispose()
    return units


def sample_paths(units, count: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        gtin, lot, serial = rng.choice(units)
        path = f"/01/{gtin}/10/{quote(lot, safe='')}"
        paths.append(path + f"/21/{quote(serial, safe='')}" if rng.random() < 0.5 else path)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, BIND=f"127.0.0.1:{port}",
               WEB_CONCURRENCY=str(workers), SECRET_KEY="bench-secret",
               RESOLVER_BASE_URL=f"http://127.0.0.1:{port}", GATEWAY_DRY_RUN="true",
               # All load comes from one address: keep the per-address limit checked (its
               # cost is part of every scan) but high enough never to refuse.
               SCAN_RATE_LIMIT="100000000 per minute")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def server_cpu_seconds(master: int) -> float:
    """CPU time used by the gunicorn workers so far (live ones, and those already reaped)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()

    total = sum(int(v) for v in fields(master)[13:15])  # cutime, cstime of reaped workers
    children = Path(f"/proc/{master}/task/{master}/children")
    for pid in children.read_text().split() if children.exists() else []:
        try:
            total += sum(int(v) for v in fields(int(pid))[11:13])  # utime, stime
        except FileNotFoundError:
            continue
    return total / ticks


def settle(master: int, limit: float = 15.0) -> None:
    """Wait until the server uses under 5 % of a core (its deferred work is done)."""
    deadline = time.monotonic() + limit
    previous = server_cpu_seconds(master)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = server_cpu_seconds(master)
        if now - previous < 0.015:
            return
        previous = now


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)  # graceful: workers write their pending scans
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# ------------------------------------------------------------------------- load generators

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base: str, paths_file: str, seconds: int, connections: int, workdir: Path) -> dict:
    # Every target goes through the same Lua script, so wrk spends the same per request.
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT % paths_file)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    output = subprocess.run(command + [base], capture_output=True, text=True,
                            check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": p50, "p99": p99, "bad": int(errors.group(1)) if errors else 0}


def run_asyncio(base: str, paths: list[str], seconds: int, connections: int) -> dict:
    """Fallback load generator: ``connections`` keep-alive clients in one process."""
    import httpx

    async def main() -> dict:
        latencies: list[float] = []
        bad = 0
        stop = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=base, follow_redirects=False,
                                     limits=httpx.Limits(max_connections=connections)) as client:
            async def worker(seed: int) -> None:
                nonlocal bad
                rng = random.Random(seed)
                while time.monotonic() < stop:
                    path = rng.choice(paths)
                    started = time.perf_counter()
                    response = await client.get(path)
                    latencies.append((time.perf_counter() - started) * 1000)
                    bad += response.status_code >= 400

            started = time.monotonic()
            await asyncio.gather(*(worker(i) for i in range(connections)))
            elapsed = time.monotonic() - started
        latencies.sort()
        return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2],
                "p99": latencies[int(len(latencies) * 0.99)], "bad": bad}

    return asyncio.run(main())


def count_scans(url: str) -> int:
    from sqlalchemy import create_engine, text

    from traceability.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM scan_events")).scalar()
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="resolver-bench-"))
    url = args.database_url or "sqlite:///" + str(workdir / "bench.sqlite")
    started = time.monotonic()
    units = build_database(url, args.batches)
    print(f"database: {url.split('@')[-1]} with {args.batches} batches, "
          f"{args.batches * SERIALS_PER_BATCH} serials ({time.monotonic() - started:.1f} s)")
    paths = sample_paths(units, 50_000)
    (workdir / "links.txt").write_text("\n".join(paths) + "\n")
    (workdir / "pages.txt").write_text("\n".join("/scan" + p for p in paths) + "\n")
    (workdir / "healthz.txt").write_text("/healthz\n")
    (workdir / "warmup.txt").write_text("\n".join(
        f"/01/{_gtin(p)}" for p in range(min(PRODUCTS, args.batches))) + "\n")

    port = free_port()
    server = start_server(url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    use_wrk = shutil.which("wrk") is not None
    print(f"server: gunicorn --config gunicorn.conf.py, WEB_CONCURRENCY={args.workers}; "
          f"load: {'wrk' if use_wrk else 'asyncio/httpx'} with {args.connections} connections, "
          f"{args.rounds} rounds of {args.duration} s per target, medians")
    results = {}
    try:
        # Warm-up, not measured: every worker booted, and each has met the products once (a
        # worker keeps what a GTIN resolves to; the batches drawn stay mostly unseen).
        for source, seconds in (("healthz.txt", 2), ("warmup.txt", 4)):
            if use_wrk:
                run_wrk(base, str(workdir / source), seconds, args.connections, workdir)
            else:
                chosen = (workdir / source).read_text().splitlines()
                run_asyncio(base, chosen, seconds, args.connections)
        # Rounds of a, b, c in turn: load from elsewhere on the machine then falls on every
        # target alike, and each figure is the median over the rounds.
        targets = (("(a) /healthz", "healthz.txt"), ("(b) resolver", "links.txt"),
                   ("(c) consumer page", "pages.txt"))
        rounds: dict[str, list[dict]] = {name: [] for name, _ in targets}
        for _ in range(args.rounds):
            for name, source in targets:
                cpu_before = server_cpu_seconds(server.pid)
                if use_wrk:
                    result = run_wrk(base, str(workdir / source), args.duration,
                                     args.connections, workdir)
                else:
                    chosen = (workdir / source).read_text().splitlines()
                    result = run_asyncio(base, chosen, args.duration, args.connections)
                served = result["rps"] * args.duration
                # Work the server put off (the scan writer runs below the workers' priority)
                # belongs to this target: counted until the server is idle again.
                settle(server.pid)
                result["cpu_us"] = ((server_cpu_seconds(server.pid) - cpu_before)
                                    / max(served, 1) * 1e6)
                rounds[name].append(result)
        for name, measured in rounds.items():
            results[name] = {key: statistics.median(r[key] for r in measured)
                             for key in measured[0]}
            results[name]["bad"] = sum(r["bad"] for r in measured)
            results[name]["served"] = sum(r["rps"] * args.duration for r in measured)
    finally:
        stop_server(server)
    scans = count_scans(url)
    shutil.rmtree(workdir, ignore_errors=True)

    print(f"{'target':<20}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>9}"
          f"{'server CPU us/req':>19}")
    for name, result in results.items():
        print(f"{name:<20}{result['rps']:>10.0f}{result['p50']:>10.2f}{result['p99']:>10.2f}"
              f"{result['bad']:>9}{result['cpu_us']:>19.0f}")
    healthz = results["(a) /healthz"]["rps"]
    resolver, page = results["(b) resolver"], results["(c) consumer page"]
    print(f"ratio b/a (resolver / healthz): {resolver['rps'] / healthz:.2f}  (goal >= 0.75, "
          f"p99 {resolver['p99']:.1f} ms, goal < 50)")
    print(f"ratio c/a (consumer page / healthz): {page['rps'] / healthz:.2f}  (goal >= 0.40)")
    base_cpu = results["(a) /healthz"]["cpu_us"]
    print(f"by server CPU per request (steadier on a shared machine): b/a "
          f"{base_cpu / resolver['cpu_us']:.2f}, c/a {base_cpu / page['cpu_us']:.2f}")
    print(f"scans logged: {scans} (about {resolver['served']:.0f} resolves issued in the "
          f"measured rounds, plus the warm-up's)")


if __name__ == "__main__":
    main()
