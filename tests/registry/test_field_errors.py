"""Bad input of every field answers 422 naming that field, and changes nothing."""

import pytest
from sqlalchemy import func, select

from tests.registry.conftest import make_gtin
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry

GOOD = {
    "organizations": {"name": "HTX", "tax_code": "3300123456", "kind": "cooperative",
                      "address": "x", "province": "Huế", "gs1_company_prefixes": ["8930005"],
                      "gln": make_gtin("893000500000")},
    "locations": {"name": "Vườn", "type": "farm", "gln": make_gtin("893000100099"),
                  "latitude": 10.5, "longitude": 106.5, "area_hectares": 2.5},
    "products": {"gtin": make_gtin("893000100077"), "name": "Gạo", "sector": "rice",
                 "image_urls": ["https://img.example.vn/g.jpg"], "standards": ["TCVN 11888"],
                 "shelf_life_days": 365, "net_content": "5", "unit": "kg"},
    "certificates": {"type": "vietgap", "number": "VG-9", "issuer": "QUACERT",
                     "valid_from": "2025-01-01", "valid_until": "2027-01-01"},
}

BAD = [
    ("organizations", "name", ""), ("organizations", "name", None),
    ("organizations", "tax_code", "12345"), ("organizations", "tax_code", 2200123456),
    ("organizations", "kind", "empire"), ("organizations", "gs1_company_prefixes", "8930005"),
    ("organizations", "gs1_company_prefixes", ["abc"]), ("organizations", "gln", "123"),
    ("organizations", "gln", make_gtin("893000500000")[:-1] + "0"),
    ("organizations", "address", "x" * 501),
    ("locations", "name", ""), ("locations", "type", "moon"), ("locations", "gln", ""),
    ("locations", "gln", "12345678901234"), ("locations", "latitude", 91),
    ("locations", "longitude", "east"), ("locations", "area_hectares", -1),
    ("products", "gtin", "abc"), ("products", "gtin", make_gtin("893000100077")[:-1] + "0"),
    ("products", "gtin", make_gtin("980000000000")), ("products", "name", ""),
    ("products", "sector", "space"), ("products", "image_urls", "https://x"),
    ("products", "image_urls", [""]), ("products", "standards", [1]),
    ("products", "shelf_life_days", 0), ("products", "shelf_life_days", "forever"),
    ("products", "net_content", "x" * 40), ("products", "brand", "x" * 300),
    ("certificates", "type", "gold"), ("certificates", "number", ""),
    ("certificates", "issuer", ""), ("certificates", "valid_from", "2025-13-01"),
    ("certificates", "valid_until", "2024-01-01"), ("certificates", "star_rating", 4),
    ("certificates", "scope_type", "galaxy"), ("certificates", "document_url", "x" * 600),
]


@pytest.mark.parametrize("resource, field, value", BAD,
                         ids=[f"{r}.{f}={v!r}"[:60] for r, f, v in BAD])
def test_bad_field_is_named(client, world, resource, field, value):
    headers = world["admin"] if resource == "organizations" else world["a"]
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = client.post(f"/api/v1/{resource}", json={**GOOD[resource], field: value},
                           headers=headers)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert all(isinstance(m, str) and m for m in response.json["errors"][field])
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


@pytest.mark.parametrize("resource", sorted(GOOD))
def test_good_payloads_pass(client, world, resource):
    headers = world["admin"] if resource == "organizations" else world["a"]
    response = client.post(f"/api/v1/{resource}", json=GOOD[resource], headers=headers)
    assert response.status_code == 201, response.json


BATCH_BAD = [("lot", "Lô 1"), ("lot", "x" * 21), ("production_date", "yesterday"),
             ("expiry_date", "2020-01-01"), ("quantity", "lots"), ("quantity", -5),
             ("location_id", 99999), ("product_id", 99999), ("unit", "x" * 20),
             ("notes", "x" * 2001)]


@pytest.mark.parametrize("field, value", BATCH_BAD, ids=[f for f, _ in BATCH_BAD])
def test_bad_batch_field_is_named(client, world, field, value):
    product = client.post("/api/v1/products", json=GOOD["products"], headers=world["a"]).json
    payload = {"product_id": product["id"], "lot": "L1", "production_date": "2026-03-01",
               field: value}
    response = client.post("/api/v1/batches", json=payload, headers=world["a"])
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
