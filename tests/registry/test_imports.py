"""Bulk imports: all or nothing, per-row report, harmless re-runs, CSV and Excel, API and CLI."""

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from tests.registry.conftest import make_gtin
from traceability.extensions import db
from traceability.registry.models import Batch, Product

HEADER = "gtin,name,brand,net_content,unit,image_urls,standards,shelf_life_days\n"


def products_csv(count=3, start=0, bad_row=None):
    lines = [HEADER]
    for index in range(start, start + count):
        gtin = make_gtin(f"8930001{index:05d}")
        if bad_row is not None and index - start == bad_row:
            gtin = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
        lines.append(f"{gtin},Hành tím {index},Vĩnh Châu,500,g,"
                     f"https://img.example.vn/{index}.jpg|https://img.example.vn/{index}b.jpg,"
                     f"TCVN 11041-2:2017,90\n")
    return "".join(lines).encode("utf-8")


def upload(client, headers, kind, data, filename="rows.csv", **form):
    return client.post(f"/api/v1/imports/{kind}", headers=headers,
                       data={"file": (io.BytesIO(data), filename), **form},
                       content_type="multipart/form-data")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_products_then_rerun_is_harmless(client, world):
    first = upload(client, world["a"], "products", products_csv(5))
    assert first.status_code == 200, first.json
    assert first.json == {"kind": "products", "rows": 5, "created": 5, "updated": 0,
                          "unchanged": 0, "dry_run": False}
    product = db.session.scalar(select(Product).where(Product.name == "Hành tím 3"))
    assert product.image_urls == ["https://img.example.vn/3.jpg", "https://img.example.vn/3b.jpg"]
    assert product.shelf_life_days == 90
    again = upload(client, world["a"], "products", products_csv(5))
    assert again.json["created"] == 0 and again.json["unchanged"] == 5
    assert count(Product) == 5
    found = client.get("/api/v1/products", query_string={"q": "hanh tim"},
                       headers=world["a"]).json
    assert found["total"] == 5


def test_one_bad_row_changes_nothing_and_is_named(client, world):
    response = upload(client, world["a"], "products", products_csv(6, bad_row=4))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    rows = response.json["errors"]["rows"]
    assert len(rows) == 1 and rows[0].startswith("row 6, gtin:")
    assert count(Product) == 0


def test_every_bad_field_is_reported(client, world):
    data = (HEADER + f"{make_gtin('893000100001')},,Brand,1,g,,,-5\n"
            + "12345,Name,Brand,1,g,,,10\n").encode()
    response = upload(client, world["a"], "products", data)
    rows = response.json["errors"]["rows"]
    assert any(r.startswith("row 2, name") for r in rows)
    assert any(r.startswith("row 2, shelf_life_days") for r in rows)
    assert any(r.startswith("row 3, gtin") for r in rows)


def test_duplicate_gtin_within_file(client, world):
    gtin = make_gtin("893000100001")
    data = (HEADER + f"{gtin},A,B,1,g,,,10\n{gtin},C,D,1,g,,,10\n").encode()
    response = upload(client, world["a"], "products", data)
    assert "also on row 2" in response.json["errors"]["rows"][0]


def test_import_batches_from_excel(client, world):
    upload(client, world["a"], "products", products_csv(2))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["gtin", "lot", "production_date", "quantity", "unit"])
    from datetime import datetime

    sheet.append([make_gtin("893000100000"), "L-001", datetime(2026, 3, 1), 100.5, "kg"])
    sheet.append([make_gtin("893000100001"), "L-002", "2026-03-02", 20, "kg"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, world["a"], "batches", buffer.getvalue(), filename="lots.xlsx")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 2
    batch = db.session.scalar(select(Batch).where(Batch.lot == "L-001"))
    assert batch.expiry_date.isoformat() == "2026-05-30"
    again = upload(client, world["a"], "batches", buffer.getvalue(), filename="lots.xlsx")
    assert again.json["unchanged"] == 2


def test_batches_import_checks_lots_and_products(client, world):
    upload(client, world["a"], "products", products_csv(1))
    gtin = make_gtin("893000100000")
    data = ("gtin,lot,production_date,expiry_date\n"
            f"{gtin},Lô-1,2026-01-01,\n"
            f"{make_gtin('893000200001')},L2,2026-01-01,\n"
            f"{gtin},L3,2026-05-01,2026-01-01\n").encode()
    response = upload(client, world["a"], "batches", data)
    rows = response.json["errors"]["rows"]
    assert rows[0].startswith("row 2, lot")
    assert rows[1].startswith("row 3, gtin")
    assert rows[2].startswith("row 4, expiry_date")
    assert count(Batch) == 0


def test_dry_run_writes_nothing(client, world):
    response = upload(client, world["a"], "products", products_csv(3), dry_run="true")
    assert response.json["created"] == 3 and response.json["dry_run"] is True
    assert count(Product) == 0


def test_wrong_file_kinds(client, world):
    assert upload(client, world["a"], "products", b"x", filename="a.pdf").status_code == 422
    assert upload(client, world["a"], "products", b"\xff\xfe\x00bad",
                  filename="a.csv").status_code == 422
    assert upload(client, world["a"], "products", b"PK\x03\x04broken",
                  filename="a.xlsx").status_code == 422
    missing = client.post("/api/v1/imports/products", headers=world["a"], data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422


def test_inspector_cannot_import(client, world):
    response = upload(client, world["inspector"], "products", products_csv(1))
    assert response.status_code == 403


def test_cli_import(app, runner, world, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(products_csv(4))
    result = runner.invoke(args=["registry", "import", "products", str(path),
                                 "--org", str(world["org_a"])])
    assert result.exit_code == 0, result.output
    assert "4 created" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(products_csv(4, start=10, bad_row=2))
    result = runner.invoke(args=["registry", "import", "products", str(bad),
                                 "--org", str(world["org_a"])])
    assert result.exit_code != 0
    assert "row 4, gtin" in result.output
    assert count(Product) == 4
