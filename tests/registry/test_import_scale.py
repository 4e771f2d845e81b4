"""Issue 4's scale check: 10,000 products and 100,000 batches import; one bad row changes
nothing and is named."""

from sqlalchemy import func, select

from tests import factories
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.gs1 import check_digit
from traceability.registry import imports
from traceability.registry.cli import OperatorActor
from traceability.registry.models import Batch, Product

PREFIX = "8930001"
PRODUCTS = 10_000
BATCHES = 100_000


def gtin(index: int) -> str:
    body = f"{PREFIX}{index:05d}"
    return body + str(check_digit(body))


def products_file() -> bytes:
    rows = ["gtin,name,net_content,unit,image_urls"]
    rows += [f"{gtin(i)},Hành tím {i},500,g,https://img.example.vn/{i}.jpg"
             for i in range(PRODUCTS)]
    return "\n".join(rows).encode()


def batches_file(bad_row_index: int | None = None) -> bytes:
    rows = ["gtin,lot,production_date,quantity"]
    for n in range(BATCHES):
        lot = f"L{n // PRODUCTS:02d}-{n:06d}"
        if n == bad_row_index:
            lot = "LÔ-SAI"  # not GS1 character set 82
        rows.append(f"{gtin(n % PRODUCTS)},{lot},2026-03-01,{n % 500 + 1}")
    return "\n".join(rows).encode()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_large_import_all_or_nothing(app):
    org = factories.organization(prefixes=(PREFIX,))
    actor = OperatorActor()
    report = imports.import_products(actor, "products.csv", products_file(),
                                     organization_id=org.id)
    db.session.commit()
    assert report.created == PRODUCTS and count(Product) == PRODUCTS

    bad_index = 77_777
    try:
        imports.import_batches(actor, "batches.csv", batches_file(bad_index),
                               organization_id=org.id)
    except imports.ImportFailed as failure:
        db.session.rollback()
        assert [p["row"] for p in failure.problems] == [bad_index + 2]
        assert failure.problems[0]["field"] == "lot"
    else:
        raise AssertionError("the bad row was not refused")
    assert count(Batch) == 0

    report = imports.import_batches(actor, "batches.csv", batches_file(),
                                    organization_id=org.id)
    db.session.commit()
    assert report.created == BATCHES and count(Batch) == BATCHES
    # Every imported record is on its way to the national gateway, queued with it.
    messages = dict(db.session.execute(select(OutboxMessage.kind, func.count())
                                       .group_by(OutboxMessage.kind)).all())
    assert messages == {"product": PRODUCTS, "batch": BATCHES}
