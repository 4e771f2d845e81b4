"""Resolver fixtures: a registered product with batches, serials and certificates."""

from datetime import date, timedelta

import pytest

from tests import factories
from traceability.extensions import db
from traceability.gs1 import check_digit
from traceability.labels.models import PrintRun, Serial
from traceability.registry.models import Batch, Certificate, Location, Product
from traceability.resolver import scanlog
from traceability.resolver.cache import cache


def make_gtin(body12: str) -> str:
    """A GTIN-14 (leading 0) from a 12-digit GTIN-13 body."""
    return "0" + body12 + str(check_digit(body12))


SHALLOT = make_gtin("893000100001")
RICE = make_gtin("893000100002")


@pytest.fixture(autouse=True)
def _fresh_resolver(app):
    """No cache or pending scans from an earlier test; scans written only when asked."""
    saved = {key: app.config.get(key) for key in ("SCAN_FLUSH_SECONDS", "REPORT_MIN_SECONDS")}
    app.config["SCAN_FLUSH_SECONDS"] = 0
    app.config["REPORT_MIN_SECONDS"] = 0
    cache.reset()
    scanlog.buffer.discard()
    yield
    scanlog.buffer.discard()
    cache.reset()
    app.config.update(saved)


@pytest.fixture
def world(app):
    """HTX Vĩnh Châu with a shallot product, three batches, serials and certificates."""
    org = factories.organization(name="HTX Nông nghiệp Vĩnh Châu", tax_code="2200345678",
                                 prefixes=("8930001",), province="Sóc Trăng",
                                 address="Khóm Vĩnh Bình, phường Vĩnh Phước, thị xã Vĩnh Châu",
                                 phone="0299 3861 234")
    field = Location(organization_id=org.id, name="Vùng trồng hành tím Vĩnh Hiệp",
                     type="growing_area", gln="8930001000019", address="Ấp Vĩnh Hiệp",
                     province="Sóc Trăng")
    db.session.add(field)
    db.session.flush()
    product = Product(organization_id=org.id, gtin=SHALLOT, name="Hành tím Vĩnh Châu",
                      name_en="Vinh Chau shallots", brand="Vĩnh Châu", net_content="500",
                      unit="g", origin="Sóc Trăng, Việt Nam", shelf_life_days=120,
                      standards=["TCVN 11041-2:2017", "VietGAP"],
                      image_urls=["https://images.example.vn/hanh-tim.jpg"],
                      storage_instructions="Bảo quản nơi khô ráo, thoáng mát.")
    db.session.add(product)
    db.session.flush()
    today = date.today()
    batches = {}
    for key, lot, produced, expiry in (
            ("normal", "VC2026-03A", today - timedelta(days=10), today + timedelta(days=110)),
            ("expired", "VC2025-01", today - timedelta(days=400), today - timedelta(days=5)),
            ("recalled", "VC2026-02R", today - timedelta(days=30), today + timedelta(days=90))):
        batch = Batch(product_id=product.id, organization_id=org.id, gtin=SHALLOT, lot=lot,
                      production_date=produced, expiry_date=expiry, quantity="2400", unit="kg",
                      location_id=field.id, status="active", codes_issued=True)
        db.session.add(batch)
        batches[key] = batch
    db.session.flush()
    batches["recalled"].status = "recalled"
    batches["recalled"].status_reason = "Phát hiện dư lượng thuốc bảo vệ thực vật vượt mức"
    run = PrintRun(batch_id=batches["normal"].id, count=3)
    db.session.add(run)
    db.session.flush()
    serials = []
    for value in ("K7Q2M9X4", "P3Z8T6W1", "VOID0001"):
        serial = Serial(batch_id=batches["normal"].id, print_run_id=run.id, gtin=SHALLOT,
                        serial=value, status="void" if value.startswith("VOID") else "active",
                        void_reason="Tem in lỗi" if value.startswith("VOID") else "")
        db.session.add(serial)
        serials.append(serial)
    db.session.add_all([
        Certificate(organization_id=org.id, type="vietgap", number="VietGAP-TT-18-03-94-0012",
                    issuer="QUACERT", valid_from=today - timedelta(days=300),
                    valid_until=today + timedelta(days=700), scope_type="location",
                    location_id=field.id, scope_description="Hành tím, 42 ha"),
        Certificate(organization_id=org.id, type="ocop", number="OCOP-ST-2021-041",
                    issuer="UBND tỉnh Sóc Trăng", valid_from=today - timedelta(days=1200),
                    valid_until=today - timedelta(days=100), scope_type="product",
                    product_id=product.id, star_rating=4),
    ])
    db.session.commit()
    return {"org": org.id, "product": product.id, "location": field.id,
            "batches": {key: batch.id for key, batch in batches.items()},
            "lots": {key: batch.lot for key, batch in batches.items()},
            "serials": [s.serial for s in serials], "serial_ids": [s.id for s in serials]}
