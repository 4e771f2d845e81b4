"""Bulk import speed: rows per second for products and batches, on SQLite and PostgreSQL.

The baseline, measured in the same run, is the per-row path (one API service call per row,
as a naive importer would do) on a sample of rows. Run:

    .venv/bin/python benchmarks/import.py [--products 10000] [--batches 100000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_import]

Without --database-url it runs on a fresh SQLite file, then on PostgreSQL if
``BENCH_POSTGRES_URL`` is set. The database is emptied and rebuilt: never point it at real data.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from traceability import create_app  # noqa: E402
from traceability.extensions import db  # noqa: E402
from traceability.gs1 import check_digit  # noqa: E402
from traceability.registry import imports  # noqa: E402
from traceability.registry import services as registry  # noqa: E402
from traceability.registry.cli import OperatorActor  # noqa: E402
from traceability.registry.models import CompanyPrefix, Organization  # noqa: E402

PREFIX = "8930001"


def gtin(index: int) -> str:
    body = f"{PREFIX}{index:05d}"
    return body + str(check_digit(body))


def products_csv(count: int, start: int = 0) -> bytes:
    lines = ["gtin,name,brand,net_content,unit,image_urls,standards,shelf_life_days"]
    lines += [f"{gtin(i)},Hành tím Vĩnh Châu {i},Vĩnh Châu,500,g,"
              f"https://img.example.vn/{i}.jpg,TCVN 11041-2:2017,120"
              for i in range(start, start + count)]
    return ("\n".join(lines) + "\n").encode()


def batches_csv(products: int, count: int) -> bytes:
    lines = ["gtin,lot,production_date,quantity,unit"]
    per_product = max(1, count // products)
    written = 0
    for i in range(products):
        for j in range(per_product):
            if written == count:
                break
            lines.append(f"{gtin(i)},L{j:05d}-{i % 97:02d},2026-03-{1 + j % 28:02d},{100 + j},kg")
            written += 1
    return ("\n".join(lines) + "\n").encode()


def fresh_app(url: str):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "GATEWAY_ENABLED": False, "IMPORT_MAX_ROWS": 1_000_000})
    with app.app_context():
        db.metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        org = Organization(name="HTX", tax_code="2200123456", kind="cooperative",
                           address="Vĩnh Châu", province="Sóc Trăng", status="approved")
        org.prefixes = [CompanyPrefix(prefix=PREFIX)]
        db.session.add(org)
        db.session.commit()
    return app


def run(url: str, products: int, batches: int, sample: int) -> None:
    app = fresh_app(url)
    actor = OperatorActor()
    name = url.split(":", 1)[0]
    with app.app_context():
        org_id = db.session.scalar(text("SELECT id FROM organizations"))
        # Baseline: per-row service calls (what the API does for one record), on a sample.
        started = time.perf_counter()
        for i in range(products, products + sample):
            registry.create_product(actor, {"organization_id": org_id, "gtin": gtin(i),
                                            "name": f"Mẫu {i}", "image_urls": [],
                                            "standards": []})
        db.session.commit()
        per_row = sample / (time.perf_counter() - started)

        data = products_csv(products)
        started = time.perf_counter()
        report = imports.import_products(actor, "p.csv", data, organization_id=org_id)
        db.session.commit()
        product_rate = report.rows / (time.perf_counter() - started)

        data = batches_csv(products, batches)
        started = time.perf_counter()
        report = imports.import_batches(actor, "b.csv", data, organization_id=org_id)
        db.session.commit()
        batch_rate = report.rows / (time.perf_counter() - started)

        started = time.perf_counter()
        again = imports.import_batches(actor, "b.csv", data, organization_id=org_id)
        db.session.commit()
        rerun_rate = again.rows / (time.perf_counter() - started)
    print(f"[{name}] per-row service baseline: {per_row:,.0f} rows/s ({sample} products)")
    print(f"[{name}] import {products:,} products: {product_rate:,.0f} rows/s "
          f"({product_rate / per_row:.1f}x baseline)")
    print(f"[{name}] import {batches:,} batches: {batch_rate:,.0f} rows/s "
          f"({batch_rate / per_row:.1f}x baseline)")
    print(f"[{name}] re-run of the batch file (all unchanged): {rerun_rate:,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    urls = [args.database_url] if args.database_url else []
    if not urls:
        folder = tempfile.mkdtemp(prefix="bench-import-")
        urls.append(f"sqlite:///{os.path.join(folder, 'bench.sqlite')}")
        if os.environ.get("BENCH_POSTGRES_URL"):
            urls.append(os.environ["BENCH_POSTGRES_URL"])
    for url in urls:
        run(url, args.products, args.batches, args.sample)


if __name__ == "__main__":
    main()
