"""Codes and labels through the API and CLI, every symbol decoded back by zxing-cpp."""

import csv
import io
import shutil
import subprocess
import time

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.labels._support import decode_one
from tests.oversight.helpers import farm_batch
from traceability.extensions import db
from traceability.labels.models import PrintRun, Serial
from traceability.labels.services import SERIAL_ALPHABET, iter_run_serials
from traceability.registry.models import Batch


@pytest.fixture
def owned(app):
    org, product, batch = farm_batch(lot="VC/26%A")
    _, headers = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    return org, product, batch, headers


def test_batch_qr_is_exactly_the_digital_link(client, owned):
    _, _, batch, headers = owned
    link = client.get(f"/api/v1/batches/{batch.id}", headers=headers).json["digital_link"]
    assert link.endswith("/10/VC%2F26%25A")
    png = client.get(f"/api/v1/batches/{batch.id}/qr", headers=headers)
    assert png.status_code == 200 and png.mimetype == "image/png"
    decoded = decode_one(png.data)
    assert decoded.text == link and decoded.format.name == "QRCode"
    assert decoded.ec_level == "M"
    etag = png.headers["ETag"]
    again = client.get(f"/api/v1/batches/{batch.id}/qr", headers={**headers,
                                                                   "If-None-Match": etag})
    assert again.status_code == 304
    svg = client.get(f"/api/v1/batches/{batch.id}/qr?format=svg&ec=H", headers=headers)
    assert svg.mimetype == "image/svg+xml" and svg.data.count(b"<path") == 1
    assert db.session.get(Batch, batch.id).codes_issued is True
    bad = client.get(f"/api/v1/batches/{batch.id}/qr?format=gif&size=5", headers=headers)
    assert bad.status_code == 422 and {"format", "size"} <= set(bad.json["errors"])


def test_serials_streamed_unique_and_unguessable(client, owned):
    _, _, batch, headers = owned
    response = client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 500},
                           headers=headers)
    assert response.status_code == 201
    body = response.json
    serials = [item["serial"] for item in body["serials"]]
    assert len(serials) == len(set(serials)) == 500
    assert all(len(s) == 12 and set(s) <= set(SERIAL_ALPHABET) for s in serials)
    assert body["serials"][0]["digital_link"].endswith(f"/10/VC%2F26%25A/21/{serials[0]}")
    as_csv = client.post(f"/api/v1/batches/{batch.id}/serials",
                         json={"count": 3, "format": "csv"}, headers=headers)
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert len(rows) == 3 and rows[0]["digital_link"].endswith(rows[0]["serial"])
    ledger = client.get(f"/api/v1/batches/{batch.id}/print-runs", headers=headers).json
    assert [run["count"] for run in ledger["items"]] == [500, 3]
    assert ledger["items"][0]["created_by"] == "owner@example.vn"
    assert ledger["serials"] == {"active": 503}
    qr = client.get(f"/api/v1/batches/{batch.id}/serials/{serials[7]}/qr", headers=headers)
    assert decode_one(qr.data).text == body["serials"][7]["digital_link"]


def test_serial_limits_and_permissions(client, owned, app):
    org, _, batch, headers = owned
    assert client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 0},
                       headers=headers).status_code == 422
    assert client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 1_000_001},
                       headers=headers).status_code == 422
    _, inspector = factories.user_with_key("ins@example.vn", "inspector")
    assert client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 1},
                       headers=inspector).status_code == 403
    other, _, _ = farm_batch(tax_code="1100654321", prefix="8930002", lot="X")
    _, stranger = factories.user_with_key("x@example.vn", "business", organization_id=other.id)
    assert client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 1},
                       headers=stranger).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(PrintRun)) == 0


def test_void_serials(client, owned):
    _, _, batch, headers = owned
    serials = [item["serial"] for item in client.post(
        f"/api/v1/batches/{batch.id}/serials", json={"count": 5}, headers=headers).json["serials"]]
    response = client.post(f"/api/v1/batches/{batch.id}/serials/void", headers=headers,
                           json={"serials": serials[:2], "reason": "Tem rách"})
    assert response.json == {"voided": 2}
    statuses = dict(db.session.execute(select(Serial.serial, Serial.status)).all())
    assert [statuses[s] for s in serials] == ["void", "void", "active", "active", "active"]
    unknown = client.post(f"/api/v1/batches/{batch.id}/serials/void", headers=headers,
                          json={"serials": ["NOPE"], "reason": "x"})
    assert unknown.status_code == 422 and "NOPE" in unknown.json["errors"]["serials"][0]


def test_printed_batch_cannot_be_deleted(client, owned):
    _, _, batch, headers = owned
    client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 1}, headers=headers)
    assert client.delete(f"/api/v1/batches/{batch.id}", headers=headers).status_code == 409


def test_product_and_batch_barcodes_decode(client, owned):
    _, product, batch, headers = owned
    ean = client.get(f"/api/v1/products/{product.id}/barcode", headers=headers)
    decoded = decode_one(ean.data)
    assert decoded.text == product.gtin[1:] and decoded.symbology_identifier == "]E0"
    itf = client.get(f"/api/v1/products/{product.id}/barcode?symbology=itf14", headers=headers)
    assert decode_one(itf.data).text == product.gtin
    wrong = client.get(f"/api/v1/products/{product.id}/barcode?symbology=ean8",
                       headers=headers)
    assert wrong.status_code == 422
    gs1_128 = decode_one(client.get(f"/api/v1/batches/{batch.id}/barcode",
                                    headers=headers).data)
    assert gs1_128.symbology_identifier == "]C1"
    # (01) and (11) have predefined lengths: no FNC1 separator before (10).
    assert gs1_128.text == f"01{batch.gtin}1126030110VC/26%A"
    matrix = decode_one(client.get(f"/api/v1/batches/{batch.id}/barcode?symbology=datamatrix",
                                   headers=headers).data)
    assert matrix.symbology_identifier == "]d2"
    assert matrix.text == f"01{batch.gtin}1126030110VC/26%A"


def test_label_sheet_pdf_and_job(client, owned, app, tmp_path):
    _, _, batch, headers = owned
    app.config["LABEL_JOBS_DIR"] = str(tmp_path)
    run = client.post(f"/api/v1/batches/{batch.id}/serials", json={"count": 30},
                      headers=headers).json["print_run"]
    pdf = client.get(f"/api/v1/batches/{batch.id}/labels.pdf?stock=a4-3x8-70x37"
                     f"&print_run={run['id']}", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/api/v1/batches/{batch.id}/labels.pdf?stock=nope",
                      headers=headers).status_code == 422
    job = client.post(f"/api/v1/batches/{batch.id}/label-jobs", headers=headers,
                      json={"stock": "a4-3x8-70x37", "serial_count": 50})
    assert job.status_code == 202
    status = job.json
    deadline = time.monotonic() + 30
    while status["status"] not in {"done", "failed"} and time.monotonic() < deadline:
        time.sleep(0.1)
        status = client.get(f"/api/v1/label-jobs/{status['id']}", headers=headers).json
    assert status["status"] == "done", status
    assert status["done"] == status["total"] == 50
    download = client.get(status["download"], headers=headers)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) absent")
def test_cli_print_decodes_label_by_label(app, runner, owned, tmp_path):
    import zxingcpp
    from PIL import Image

    _, _, batch, _ = owned
    out = tmp_path / "labels.pdf"
    result = runner.invoke(args=["labels", "print", str(batch.id), "--serials", "24",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "24 labels on 1 pages" in result.output
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    # Only QR codes: random text on a label can now and then pass for a short linear symbol.
    found = {code.text for code in zxingcpp.read_barcodes(
        page, formats=zxingcpp.BarcodeFormat.QRCode)}
    expected = {link for _, link in iter_run_serials(db.session.scalar(select(PrintRun)))}
    assert found == expected and len(found) == 24


def test_cli_refuses_bad_batch(runner, app, tmp_path):
    result = runner.invoke(args=["labels", "print", "999", "--serials", "1",
                                 "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "not found" in result.output.lower()
