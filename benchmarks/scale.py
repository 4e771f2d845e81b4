"""Latency at scale on PostgreSQL: the same lookups and listings at 10 % and at 100 % of a
province, through the application's own code, with the plan of every query they run.

Run (databases made by ``benchmarks/scale_data.py``; ``--build`` makes them first, dropping
whatever they held):

    /work/main/.venv/bin/python benchmarks/scale.py \\
        --small postgresql+psycopg://postgres@127.0.0.1:5432/scale10 \\
        --large postgresql+psycopg://postgres@127.0.0.1:5432/scale100 [--build] [--samples 200]

``--large`` may be left out to measure one database. Operations, each on ``--samples``
different keys drawn at random (after a few unmeasured ones):

* resolver, with the process cache emptied before every call so each one takes the database
  path: ``key_info`` of a GTIN (the one-query miss path), the GTIN preload a process makes at
  its first scan, ``item_view`` of a batch (GTIN + lot) and of a unit (+ serial);
* the inspector's ``GET /api/v1/trace?code=<Digital Link>`` (a province-scoped inspector);
* through the API with the Flask test client, as a business of a typical (~200 batches) and of
  a large (~2,000 batches) organization, picked by size so that both databases have one alike:
  the first and the last page of its batches, its scan statistics (30 days), its EPCIS events
  by ``MATCH_epcClass`` (a lot) and by ``EQ_bizStep``; as an administrator, product searches
  (a selective one and a broad one), the first page of all batches, and events by
  ``MATCH_epc`` (a serialised unit).

Prints p50 and p99 (ms, wall clock in this process: Flask, ORM and database) per operation
and database, the pages (8 kB buffers) one call's queries touched (median of three keys),
and the ratios 100 % / 10 %
(goal: flat, at most about 1.5; pages are the steadier measure on a shared machine whose page
cache does not hold the large database), then, for one call of
each operation on each database, every query it ran with ``EXPLAIN (ANALYZE, BUFFERS)``:
its time, the indexes it used, and any sequential scan of a table of more than 50,000 rows,
which fails the run (exit status 1) after the report.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import event, text  # noqa: E402

from traceability import create_app  # noqa: E402
from traceability.extensions import db  # noqa: E402

BIG_TABLE_ROWS = 50_000
ALL_BATCHES = "admin batches, first page (all; counts all)"
# Operations whose answer, by the API's contract, counts every row of a table (the exact
# ``total`` of an unfiltered listing): a sequential scan there is expected, not a fault.
FULL_COUNT = {ALL_BATCHES: {"batches"}}
HOME_PROVINCE = "Sóc Trăng"
SIZES = {"typical": 200, "large": 2000}  # batches of the organizations listed
PER_PAGE = 50
PAGES: dict[str, dict[str, int]] = {}  # database -> operation -> pages touched by one call


# --------------------------------------------------------------------------- set-up


def open_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "scale-bench",
                       "GATEWAY_ENABLED": False, "RATELIMIT_ENABLED": False,
                       "RESOLVER_BASE_URL": "https://id.example.vn",
                       "RESOLVER_CACHE_CHECK_SECONDS": 3600})


def actor_key(email: str, role: str, **options) -> str:
    """An API key of a benchmark account (made once per database, a new key per run)."""
    from traceability.accounts import services as accounts
    from traceability.accounts.models import User

    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(email, role, name=email.split("@")[0], **options)
        db.session.flush()
    _, plain = accounts.issue_api_key(user, "scale benchmark")
    db.session.commit()
    return plain


def organization_of_size(target: int) -> int:
    """The approved organization whose batch count is nearest ``target``."""
    return db.session.execute(text("""
        SELECT b.organization_id FROM (
            SELECT organization_id, count(*) AS n FROM batches GROUP BY organization_id) b
        JOIN organizations o ON o.id = b.organization_id AND o.status = 'approved'
        ORDER BY abs(b.n - :target), b.organization_id LIMIT 1"""),
        {"target": target}).scalar_one()


def sample(statement: str, count: int, seed: int, **params) -> list:
    """``count`` rows drawn at random (repeatably) from the rows ``statement`` returns for a
    list of candidate ids ``:ids`` picked between 1 and ``:top``."""
    rng = random.Random(seed)
    top = params.pop("top")
    found: list = []
    while len(found) < count:
        ids = rng.sample(range(1, top + 1), min(top, 4 * count))
        rows = db.session.execute(text(statement), {"ids": ids, **params}).all()
        rng.shuffle(rows)
        found.extend(rows[: count - len(found)])
    return found


class Keys:
    """What every operation looks up, drawn from one database."""

    def __init__(self, count: int, seed: int) -> None:
        n_batches = db.session.scalar(text("SELECT max(id) FROM batches"))
        n_serials = db.session.scalar(text("SELECT max(id) FROM serials"))
        n_products = db.session.scalar(text("SELECT max(id) FROM products"))
        self.batches = sample("SELECT gtin, lot FROM batches WHERE id = ANY(:ids)", count,
                              seed, top=n_batches)
        self.gtins = [row[0] for row in sample(
            "SELECT gtin FROM products WHERE id = ANY(:ids)", count, seed + 1, top=n_products)]
        self.units = sample("""
            SELECT s.gtin, b.lot, s.serial FROM serials s JOIN batches b ON b.id = s.batch_id
            WHERE s.id = ANY(:ids)""", count, seed + 2, top=n_serials)
        self.home_batches = sample("""
            SELECT b.gtin, b.lot FROM batches b JOIN organizations o ON o.id = b.organization_id
            WHERE b.id = ANY(:ids) AND o.province = :province""", count, seed + 3,
                                   top=n_batches, province=HOME_PROVINCE)
        self.organizations = {name: organization_of_size(target)
                              for name, target in SIZES.items()}
        self.lots, self.sizes = {}, {}
        for name, organization_id in self.organizations.items():
            rows = db.session.execute(text("""
                SELECT gtin, lot FROM batches WHERE organization_id = :o ORDER BY id"""),
                {"o": organization_id}).all()
            rng = random.Random(seed + 4)
            self.lots[name] = [rng.choice(rows) for _ in range(count)]
            self.sizes[name] = len(rows)
        self.keys = {"admin": actor_key("scale-admin@bench.vn", "admin"),
                     "inspector": actor_key("scale-inspector@bench.vn", "inspector",
                                            scope_provinces=[HOME_PROVINCE])}
        for name, organization_id in self.organizations.items():
            self.keys[name] = actor_key(f"scale-{name}-{organization_id}@bench.vn", "business",
                                        organization_id=organization_id)


# --------------------------------------------------------------------------- operations


def resolver_operations(app, keys: Keys):
    from traceability.resolver import services as resolver
    from traceability.resolver.cache import cache

    def cold(call):
        def run(key):
            with app.app_context():
                cache.clear("all")
                call(key)
        return run

    return [
        ("resolver key_info (one GTIN)", keys.gtins,
         cold(lambda gtin: resolver._load_key_info("01", gtin))),
        ("resolver GTIN preload (first scan)", keys.gtins[: max(5, len(keys.gtins) // 10)],
         cold(lambda _gtin: resolver._load_all_keys())),
        ("resolver item_view (batch)", keys.batches,
         cold(lambda k: resolver.item_view(k[0], k[1], None))),
        ("resolver item_view (unit)", keys.units,
         cold(lambda k: resolver.item_view(k[0], k[1], k[2]))),
    ]


def api_operations(app, keys: Keys):
    client = app.test_client()

    def get(actor: str, path: str, expect: int = 200):
        headers = {"Authorization": f"Bearer {keys.keys[actor]}"}

        def call(key):
            url = path(key) if callable(path) else path
            response = client.get(url, headers=headers)
            if response.status_code != expect:
                raise SystemExit(f"GET {url} answered {response.status_code}: "
                                 f"{response.get_data(as_text=True)[:500]}")
        return call

    def dl(key) -> str:
        return f"https://id.example.vn/01/{key[0]}/10/{quote(key[1], safe='')}"

    def query(**params) -> str:
        return "/api/v1/epcis/events?" + urlencode(params)

    operations = [("inspector trace by code", keys.home_batches,
                   get("inspector", lambda k: "/api/v1/trace?" + urlencode({"code": dl(k)})))]
    for name in SIZES:
        organization, total = keys.organizations[name], keys.sizes[name]
        last = max(1, (total + PER_PAGE - 1) // PER_PAGE)
        label = f"{name} org"
        lots = keys.lots[name]
        operations += [
            (f"batches, first page: {label}", lots,
             get(name, f"/api/v1/batches?per_page={PER_PAGE}")),
            (f"batches, last page: {label}", lots,
             get(name, f"/api/v1/batches?per_page={PER_PAGE}&page={last}")),
            (f"products, first page: {label}", lots,
             get(name, f"/api/v1/products?per_page={PER_PAGE}")),
            (f"scan stats 30 days: {label}", lots,
             get(name, f"/api/v1/scans/stats?organization_id={organization}")),
            (f"EPCIS MATCH_epcClass (a lot): {label}", lots,
             get(name, lambda k: query(MATCH_epcClass=dl(k)))),
            (f"EPCIS EQ_bizStep=shipping: {label}", lots,
             get(name, query(EQ_bizStep="shipping", perPage=PER_PAGE))),
        ]
    operations += [
        ("admin product search, selective (GTIN)", keys.gtins,
         get("admin", lambda gtin: "/api/v1/products?" + urlencode({"q": gtin[1:11]}))),
        ("admin product search, broad ('gao st25')", keys.gtins,
         get("admin", "/api/v1/products?q=gao+st25")),
        # Not expected flat: the page's exact total counts every batch (the API's contract).
        (ALL_BATCHES, keys.gtins,
         get("admin", f"/api/v1/batches?per_page={PER_PAGE}")),
        ("admin EPCIS MATCH_epc (a unit)", keys.units,
         get("admin", lambda k: query(
             MATCH_epc=f"https://id.example.vn/01/{k[0]}/21/{quote(k[2], safe='')}"))),
    ]
    return operations


# --------------------------------------------------------------------------- measuring


class QueryLog:
    """The statements a call runs (and how long the database took), from engine events."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, object]] = []
        self.database_seconds = 0.0
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, _cursor, statement, parameters, context, _many):
        context._scale_started = time.perf_counter()
        if self.recording:
            self.statements.append((statement, parameters))

    def _after(self, _conn, _cursor, _statement, _parameters, context, _many):
        self.database_seconds += time.perf_counter() - context._scale_started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(operations, log: QueryLog, warmup: int) -> dict[str, dict]:
    results = {}
    for name, keys, call in operations:
        for key in keys[-warmup:]:
            call(key)  # unmeasured: keys drawn apart from the measured ones' first
        timings, database, queries = [], [], []
        for key in keys[:-warmup] if len(keys) > warmup else keys:
            log.statements, log.recording = [], True
            spent = log.database_seconds
            started = time.perf_counter()
            call(key)
            timings.append((time.perf_counter() - started) * 1000)
            database.append((log.database_seconds - spent) * 1000)
            queries.append(len(log.statements))
            log.recording = False
        results[name] = {"p50": percentile(timings, 0.5), "p99": percentile(timings, 0.99),
                         "db_p50": statistics.median(database),
                         "queries": statistics.mean(queries), "n": len(timings)}
        print(f"  {name:<52}{results[name]['p50']:>9.2f}{results[name]['p99']:>9.2f} ms"
              f"   db {results[name]['db_p50']:>7.2f} ms, {results[name]['queries']:.0f} "
              "queries", flush=True)
    return results


def explain(operations, log: QueryLog, big_tables: dict[str, int]) -> list[str]:
    """One call of each operation: every SELECT it ran, explained; returns the problems and
    records in ``PAGES`` the buffers (8 kB pages, hit or read) a call's queries touched (the
    median of three keys): the measure of work that machine load and caches do not blur."""
    problems = []
    for name, keys, call in operations:
        pages = 0
        others = []  # pages of two more calls (other keys): the median is recorded
        for key in keys[1:3]:
            log.statements, log.recording = [], True
            call(key)
            log.recording = False
            others.append(pages_of(log))
        log.statements, log.recording = [], True
        call(keys[0])
        log.recording = False
        print(f"  {name}")
        raw = log.engine.raw_connection()
        seen: dict[str, int] = {}
        for statement, _ in log.statements:
            seen[statement] = seen.get(statement, 0) + 1
        try:
            cursor = raw.cursor()
            for number, (statement, parameters) in enumerate(log.statements, 1):
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                repeats = seen.pop(statement, 0)
                if not repeats:
                    continue  # the same statement again (other parameters): explained once
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                               parameters)
                plan = cursor.fetchone()[0][0]
                nodes = list(walk(plan["Plan"]))
                used = sorted({f"{n['Node Type'].replace(' Scan', '')} {n['Index Name']}"
                               for n in nodes if "Index Name" in n})
                seq = sorted({n["Relation Name"] for n in nodes
                              if n["Node Type"] == "Seq Scan" and n.get("Actual Loops")})
                flagged = [t for t in seq if big_tables.get(t, 0) > BIG_TABLE_ROWS
                           and t not in FULL_COUNT.get(name, ())]
                hits = plan["Plan"].get("Shared Hit Blocks", 0)
                reads = plan["Plan"].get("Shared Read Blocks", 0)
                pages += (hits + reads) * repeats
                first = " ".join(statement.split())[:70]
                times = f" (x{repeats})" if repeats > 1 else ""
                print(f"    [{number}]{times} {plan['Execution Time']:.2f} ms, buffers hit {hits} "
                      f"read {reads}: {first}")
                print(f"         uses: {', '.join(used) or '-'}"
                      + (f"; seq scan: {', '.join(seq)}" if seq else ""))
                for table in flagged:
                    problem = (f"SEQ SCAN on {table} ({big_tables[table]:,} rows) in "
                               f"'{name}', query {number}")
                    print(f"         !!! {problem}")
                    problems.append(problem)
        finally:
            raw.close()
        PAGES.setdefault(log.engine.url.database, {})[name] = int(
            statistics.median([pages, *others]))
    return problems


def pages_of(log: QueryLog) -> int:
    """Pages (hit or read) the SELECTs just recorded touch, by EXPLAIN (ANALYZE, BUFFERS)."""
    raw = log.engine.raw_connection()
    try:
        cursor, pages = raw.cursor(), 0
        for statement, parameters in log.statements:
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                               parameters)
                plan = cursor.fetchone()[0][0]["Plan"]
                pages += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
        return pages
    finally:
        raw.close()


def walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def run_database(url: str, samples: int, warmup: int, seed: int):
    app = open_app(url)
    with app.app_context():
        keys = Keys(samples + warmup, seed)
        size = db.session.scalar(text(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"))
        big_tables = dict(db.session.execute(text(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace")).all())
        counts = {t: big_tables.get(t, 0) for t in ("batches", "scan_events", "epcis_events")}
        print(f"{url.rsplit('/', 1)[-1]}: {size}, {counts['batches']:,} batches, "
              f"{counts['scan_events']:,} scans, {counts['epcis_events']:,} events", flush=True)
        for name, organization_id in keys.organizations.items():
            print(f"  {name} organization: #{organization_id}, {keys.sizes[name]:,} batches "
                  f"(last page {max(1, -(-keys.sizes[name] // PER_PAGE))})")
        log = QueryLog(db.engine)
    operations = resolver_operations(app, keys) + api_operations(app, keys)
    with app.app_context():
        results = measure(operations, log, warmup)
        print("  plans (EXPLAIN ANALYZE, BUFFERS) of one call of each operation:")
        problems = explain(operations, log, big_tables)
        db.session.remove()
        db.engine.dispose()
    return results, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", required=True, help="the 10 % database")
    parser.add_argument("--large", help="the 100 % database")
    parser.add_argument("--build", action="store_true",
                        help="generate the databases first (scale 0.1 and 1; drops them)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.build:
        from scale_data import Generator

        for url, scale in ((args.small, 0.1), (args.large, 1.0)):
            if url:
                Generator(url, scale, 2026).run(reset=True)
    runs = {}
    problems: list[str] = []
    for label, url in (("10 %", args.small), ("100 %", args.large)):
        if url:
            print(f"== {label}")
            runs[label], found = run_database(url, args.samples, args.warmup, args.seed)
            problems += [f"[{label}] {p}" for p in found]
    print()
    labels = list(runs)
    databases = [url.rsplit("/", 1)[-1] for url in (args.small, args.large) if url]
    header = "".join(f"{label + ' p50':>11}{label + ' p99':>11}" for label in labels)
    header += "".join(f"{label + ' pages':>12}" for label in labels)
    ratio = f"{'ratio p50':>10}{'p99':>7}{'pages':>7}" if len(labels) == 2 else ""
    print(f"{'operation (ms; pages: 8 kB buffers of one call)':<50}{header}{ratio}")
    first = runs[labels[0]]
    for index, name in enumerate(first):
        cells = ""
        rows = []
        for label in labels:
            row = list(runs[label].values())[index]
            rows.append(row)
            cells += f"{row['p50']:>11.2f}{row['p99']:>11.2f}"
        pages = [PAGES.get(database, {}).get(name, 0) for database in databases]
        cells += "".join(f"{n:>12,}" for n in pages)
        if len(rows) == 2:
            p50 = rows[1]["p50"] / rows[0]["p50"]
            p99 = rows[1]["p99"] / rows[0]["p99"]
            work = pages[1] / pages[0] if pages[0] else float("nan")
            flag = "  <- not flat" if max(p50, work) > 1.5 else ""
            cells += f"{p50:>10.2f}{p99:>7.2f}{work:>7.2f}{flag}"
        print(f"{shorten(name):<50}{cells}")
    if problems:
        print("\nSequential scans of big tables:")
        for problem in problems:
            print(f"  {problem}")
        sys.exit(1)


def shorten(name: str) -> str:
    return name if len(name) <= 49 else name[:48] + "…"


if __name__ == "__main__":
    main()
