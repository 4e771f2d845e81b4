"""Bulk import of products and batches from CSV or Excel (.xlsx).

An import is all or nothing: every row is checked with the same rules as the API, and a single
bad row changes nothing and is named in the report with its field. Re-running an import is
harmless: rows already recorded with the same values are counted as unchanged.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from marshmallow import ValidationError as SchemaError
from sqlalchemy import insert, select

from ..errors import ServiceError, ValidationFailed
from ..extensions import db
from ..oversight import audit
from ..text import search_key
from . import services
from .models import Batch, Location, Product
from .schemas import BatchInput, ProductInput

LIST_SEPARATORS = ("|", ";")
# Header aliases people use in spreadsheets, mapped to the API's field names.
HEADER_ALIASES = {
    "ma_gtin": "gtin", "mã gtin": "gtin", "ten": "name", "tên": "name",
    "ten_san_pham": "name", "tên sản phẩm": "name", "nhan_hieu": "brand",
    "nhãn hiệu": "brand", "so_lo": "lot", "số lô": "lot", "nsx": "production_date",
    "hsd": "expiry_date", "so_luong": "quantity", "số lượng": "quantity",
    "don_vi": "unit", "đơn vị": "unit",
}
PRODUCT_LIST_FIELDS = {"image_urls", "standards"}
CHUNK = 900  # below SQLite's bound-parameter limit


class ImportFailed(ServiceError):
    """422 with the list of row problems; nothing was written."""

    status = 422
    slug = "import-failed"

    def __init__(self, problems: list[dict], rows: int):
        shown = problems[:1000]
        super().__init__(
            f"{len(problems)} problem(s) in {rows} row(s); nothing was imported. "
            f"Fix the rows named and import the whole file again.",
            errors={"rows": [f"row {p['row']}, {p['field']}: {p['message']}" for p in shown]},
        )
        self.problems = problems


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "dry_run": self.dry_run}


# --------------------------------------------------------------------------- reading files


def read_rows(filename: str, data: bytes) -> list[dict]:
    """Rows of a CSV or .xlsx file as dicts keyed by normalised header; row 2 is the first."""
    max_rows = current_app.config.get("IMPORT_MAX_ROWS", 200_000)
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        rows = _read_csv(data)
    else:
        raise ValidationFailed({"file": ["Send a .csv or .xlsx file."]})
    if len(rows) > max_rows:
        raise ValidationFailed({"file": [
            f"The file has {len(rows)} rows; at most {max_rows} can be imported at once. "
            "Split it into several files."]})
    if not rows:
        raise ValidationFailed({"file": ["The file has a header but no rows."]})
    return rows


def _normalise_header(name) -> str:
    key = str(name or "").strip().lower()
    return HEADER_ALIASES.get(key, key.replace(" ", "_"))


def _read_csv(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed({"file": [
            "The CSV file is not UTF-8 text; save it as 'CSV UTF-8' and try again."]}) from error
    if "\x00" in text:
        raise ValidationFailed({"file": [
            "The file holds NUL characters (\\0), which no text here may contain: is it a CSV "
            "file saved as text?"]})
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as error:
        raise ValidationFailed({"file": ["The file is empty."]}) from error
    keys = [_normalise_header(h) for h in header]
    return [dict(zip(keys, (cell.strip() for cell in row), strict=False))
            for row in reader if any(cell.strip() for cell in row)]


def _read_xlsx(data: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for bad files
        raise ValidationFailed({"file": ["This is not a readable .xlsx workbook."]}) from error
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None:
        raise ValidationFailed({"file": ["The first sheet is empty."]})
    keys = [_normalise_header(h) for h in header]
    rows = []
    for values in iterator:
        cells = ["" if v is None else _cell_text(v) for v in values]
        if any(cells):
            rows.append(dict(zip(keys, cells, strict=False)))
    workbook.close()
    return rows


def _cell_text(value) -> str:
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _load_row(schema, row: dict, number: int, problems: list) -> dict | None:
    """The row as the API would load it, or None with its problems recorded."""
    try:
        return schema.load(row)
    except SchemaError as error:
        problems.extend({"row": number, "field": name, "message": _message_text(messages)}
                        for name, messages in error.messages.items())
        return None


def _message_text(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_message_text(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return " ".join(_message_text(m) for m in messages)
    return str(messages)


# --------------------------------------------------------------------------- products


def _product_row(raw: dict) -> dict:
    row = {k: v for k, v in raw.items() if k in ProductInput._declared_fields and v != ""}
    for key in PRODUCT_LIST_FIELDS & row.keys():
        value = row[key]
        separator = next((s for s in LIST_SEPARATORS if s in value), None)
        row[key] = [part.strip() for part in value.split(separator)] if separator else [value]
    row.pop("organization_id", None)
    return row


def import_products(actor, filename: str, data: bytes, *, organization_id=None,
                    dry_run: bool = False) -> ImportReport:
    organization = services._writable_organization(actor, organization_id)
    rows = read_rows(filename, data)
    report = ImportReport("products", rows=len(rows), dry_run=dry_run)
    schema = ProductInput()
    clean_rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    problems = report.problems
    for number, raw in enumerate(rows, start=2):
        clean = _load_row(schema, _product_row(raw), number, problems)
        if clean is None:
            continue
        clean.pop("organization_id", None)
        try:
            clean["gtin"] = services.normalize_gtin_field(clean["gtin"])
            services._check_gtin_ownership(organization, clean["gtin"],
                                           clean.get("foreign_code_authorization", ""))
        except ValidationFailed as error:
            problems.extend({"row": number, "field": f, "message": " ".join(m)}
                            for f, m in error.errors.items())
            continue
        if clean["gtin"] in seen:
            problems.append({"row": number, "field": "gtin", "message":
                             f"GTIN {clean['gtin']} is also on row {seen[clean['gtin']]}."})
            continue
        seen[clean["gtin"]] = number
        clean_rows.append((number, clean))

    existing = _existing_products(list(seen))
    inserts, updates = [], []
    for number, clean in clean_rows:
        current = existing.get(clean["gtin"])
        if current is None:
            inserts.append(clean)
        elif current.organization_id != organization.id:
            problems.append({"row": number, "field": "gtin", "message":
                             f"GTIN {clean['gtin']} is registered by another organization."})
        else:
            changed = {k: v for k, v in clean.items() if k != "gtin" and getattr(current, k) != v}
            if changed:
                updates.append((current, changed))
            else:
                report.unchanged += 1
    if problems:
        problems.sort(key=lambda p: p["row"])
        raise ImportFailed(problems, len(rows))
    report.created, report.updated = len(inserts), len(updates)
    if dry_run:
        return report
    now = audit.utcnow()
    for start in range(0, len(inserts), 2000):
        chunk = [
            {**_product_defaults(), **clean,
             "organization_id": organization.id, "created_at": now, "updated_at": now,
             "search_text": search_key(clean.get("name"), clean.get("name_en"),
                                       clean.get("brand"), clean["gtin"])}
            for clean in inserts[start:start + 2000]
        ]
        db.session.execute(insert(Product), chunk)
    for product, changed in updates:
        for key, value in changed.items():
            setattr(product, key, value)
        product.search_text = search_key(product.name, product.name_en, product.brand,
                                         product.gtin)
    audit.record(actor, "import.products", "organization", organization.id,
                 organization_id=organization.id,
                 details={**report.to_dict(), "sha256": hashlib.sha256(data).hexdigest()})
    services._outbox_many("product", [*_inserted_products(inserts), *(p for p, _ in updates)])
    return report


def _product_defaults() -> dict:
    return {"name_en": "", "description": "", "brand": "", "model": "", "sector": "other",
            "net_content": "", "unit": "", "origin": "", "image_urls": [], "standards": [],
            "shelf_life_days": None, "storage_instructions": "", "safety_warnings": "",
            "foreign_code_authorization": ""}


def _existing_products(gtins: list[str]) -> dict[str, Product]:
    found = {}
    for start in range(0, len(gtins), CHUNK):
        for product in db.session.scalars(
                select(Product).where(Product.gtin.in_(gtins[start:start + CHUNK]))):
            found[product.gtin] = product
    return found


def _inserted_products(inserts: list[dict]):
    if not inserts or not services.outbox_enabled():
        return []
    return list(_existing_products([clean["gtin"] for clean in inserts]).values())


# --------------------------------------------------------------------------- batches


def import_batches(actor, filename: str, data: bytes, *, organization_id=None,
                   dry_run: bool = False) -> ImportReport:
    organization = services._writable_organization(actor, organization_id)
    rows = read_rows(filename, data)
    report = ImportReport("batches", rows=len(rows), dry_run=dry_run)
    schema = BatchInput()
    problems = report.problems
    parsed: list[tuple[int, dict]] = []
    for number, raw in enumerate(rows, start=2):
        row = {k: v for k, v in raw.items() if k in BatchInput._declared_fields and v != ""}
        clean = _load_row(schema, row, number, problems)
        if clean is None:
            continue
        try:
            clean["lot"] = services.validate_lot(clean.get("lot"))
            if clean.get("gtin"):
                clean["gtin"] = services.normalize_gtin_field(clean["gtin"])
            elif clean.get("product_id") is None:
                raise ValidationFailed({"gtin": ["Give the product's GTIN."]})
        except ValidationFailed as error:
            problems.extend({"row": number, "field": f, "message": " ".join(m)}
                            for f, m in error.errors.items())
            continue
        parsed.append((number, clean))

    products_by_gtin = {p.gtin: p for p in db.session.scalars(
        select(Product).where(Product.organization_id == organization.id))}
    products_by_id = {p.id: p for p in products_by_gtin.values()}
    location_ids = set(db.session.scalars(
        select(Location.id).where(Location.organization_id == organization.id)))
    keyed: list[tuple[int, dict, Product]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, clean in parsed:
        product = (products_by_gtin.get(clean["gtin"]) if clean.get("gtin")
                   else products_by_id.get(clean["product_id"]))
        if product is None:
            field_name = "gtin" if clean.get("gtin") else "product_id"
            problems.append({"row": number, "field": field_name, "message":
                             "No such product among your organization's products; import "
                             "the products first."})
            continue
        production, expiry = clean.get("production_date"), clean.get("expiry_date")
        if expiry is None and production and product.shelf_life_days:
            expiry = clean["expiry_date"] = production + timedelta(days=product.shelf_life_days)
        if production and expiry and expiry < production:
            problems.append({"row": number, "field": "expiry_date",
                             "message": "The expiry date is before the production date."})
            continue
        if clean.get("location_id") is not None and clean["location_id"] not in location_ids:
            problems.append({"row": number, "field": "location_id", "message":
                             f"Location {clean['location_id']} is not one of yours."})
            continue
        key = (product.gtin, clean["lot"])
        if key in seen:
            problems.append({"row": number, "field": "lot", "message":
                             f"Lot {clean['lot']} of this GTIN is also on row {seen[key]}."})
            continue
        seen[key] = number
        keyed.append((number, clean, product))

    existing = _existing_batches(list(seen))
    inserts, updates = [], []
    for number, clean, product in keyed:
        current = existing.get((product.gtin, clean["lot"]))
        values = {
            "production_date": clean.get("production_date"),
            "expiry_date": clean.get("expiry_date"),
            "quantity": clean.get("quantity"),
            "unit": clean.get("unit") or product.unit or "",
            "location_id": clean.get("location_id"),
            "notes": clean.get("notes", ""),
        }
        if current is None:
            inserts.append({**values, "product_id": product.id, "gtin": product.gtin,
                            "lot": clean["lot"], "organization_id": organization.id})
            continue
        if current.organization_id != organization.id:
            problems.append({"row": number, "field": "lot",
                             "message": "This lot is registered by another organization."})
            continue
        changed = {k: v for k, v in values.items() if not _same(getattr(current, k), v)}
        if changed and current.status in {"recalled", "void"}:
            problems.append({"row": number, "field": "lot", "message":
                             f"Lot {clean['lot']} is {current.status} and cannot be changed."})
        elif changed:
            updates.append((current, changed))
        else:
            report.unchanged += 1
    if problems:
        problems.sort(key=lambda p: p["row"])
        raise ImportFailed(problems, len(rows))
    report.created, report.updated = len(inserts), len(updates)
    if dry_run:
        return report
    now = audit.utcnow()
    for start in range(0, len(inserts), 5000):
        chunk = [{**row, "status": "active", "status_reason": "", "codes_issued": False,
                  "created_at": now, "updated_at": now} for row in inserts[start:start + 5000]]
        db.session.execute(insert(Batch), chunk)
    for batch, changed in updates:
        for key, value in changed.items():
            setattr(batch, key, value)
    audit.record(actor, "import.batches", "organization", organization.id,
                 organization_id=organization.id,
                 details={**report.to_dict(), "sha256": hashlib.sha256(data).hexdigest()})
    if services.outbox_enabled():
        created = _existing_batches([(row["gtin"], row["lot"]) for row in inserts])
        services._outbox_many("batch", [*created.values(), *(b for b, _ in updates)])
    return report


def _same(current, new) -> bool:
    if isinstance(current, Decimal) and new is not None:
        return current == Decimal(str(new))
    return current == new


def _existing_batches(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Batch]:
    """The batches already recorded for these (GTIN, lot) keys.

    Looked up by GTIN (the unique (gtin, lot) index serves it on both databases), which is far
    faster than a row-value IN over many pairs.
    """
    wanted = set(keys)
    gtins = sorted({gtin for gtin, _ in wanted})
    found = {}
    for start in range(0, len(gtins), CHUNK):
        for batch in db.session.scalars(
                select(Batch).where(Batch.gtin.in_(gtins[start:start + CHUNK]))):
            key = (batch.gtin, batch.lot)
            if key in wanted:
                found[key] = batch
    return found
