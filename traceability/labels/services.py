"""Issuing codes and labels: serials, QR codes, barcodes, PDF label sheets.

A batch whose code has been issued (QR downloaded, serials issued, labels printed) is marked
``codes_issued`` and can then never be deleted, only voided, so a printed code never leads
nowhere.
"""

import hashlib
import io
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import gs1
from ..database import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..oversight import audit
from ..registry import services as registry
from ..registry.models import Batch, Product
from . import render
from .models import LabelJob, PrintRun, Serial

# Unambiguous upper-case letters and digits (no I, L, O, U; Crockford's base 32), all within
# GS1 character set 82 and the QR alphanumeric mode: 12 of them carry 60 random bits.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 12
MAX_SERIALS_PER_RUN = 1_000_000
SYNC_SHEET_LIMIT = 2_000
INSERT_CHUNK = 5_000
STALE_JOB_AFTER = timedelta(minutes=10)
LABEL_STOCKS = {name: stock.description or name for name, stock in render.STOCKS.items()}


def _writable_batch(actor, batch_id: int) -> Batch:
    batch = registry.get_batch(actor, batch_id)
    registry._writable_organization(actor, batch.organization_id)
    return batch


def _issuable_batch(actor, batch_id: int) -> Batch:
    batch = _writable_batch(actor, batch_id)
    if batch.status in {"recalled", "void"}:
        raise Conflict(f"This batch is {batch.status}; no new codes can be issued for it.")
    return batch


def mark_codes_issued(batch: Batch) -> None:
    if not batch.codes_issued:
        batch.codes_issued = True


# --------------------------------------------------------------------------- serials


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def issue_serials(actor, batch_id: int, count: int, note: str = "") -> PrintRun:
    """Issue ``count`` new unguessable serials for the batch's units (one print run)."""
    limit = current_app.config.get("LABEL_MAX_SERIALS", MAX_SERIALS_PER_RUN)
    if not isinstance(count, int) or count < 1 or count > limit:
        raise ValidationFailed({"count": [f"Issue between 1 and {limit:,} serials at a time."]})
    batch = _issuable_batch(actor, batch_id)
    run = PrintRun(batch_id=batch.id, count=count, created_by=getattr(actor, "id", None),
                   created_by_label=getattr(actor, "email", "") or "", note=note.strip())
    db.session.add(run)
    db.session.flush()
    remaining = count
    now = utcnow()
    while remaining:
        size = min(INSERT_CHUNK, remaining)
        rows = [{"batch_id": batch.id, "print_run_id": run.id, "gtin": batch.gtin,
                 "serial": serial, "status": "active", "void_reason": "", "created_at": now}
                for serial in {new_serial() for _ in range(size)}]
        try:
            with db.session.begin_nested():
                db.session.execute(insert(Serial), rows)
        except IntegrityError:
            continue  # a 60-bit collision with an earlier serial: draw this chunk again
        remaining -= len(rows)
    mark_codes_issued(batch)
    audit.record(actor, "serials.issue", "batch", batch.id, organization_id=batch.organization_id,
                 details={"print_run": run.id, "count": count})
    return run


def serial_digital_link(gtin: str, lot: str, serial: str) -> str:
    base = current_app.config["RESOLVER_BASE_URL"]
    return f"{base}/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"


def iter_run_serials(run: PrintRun) -> Iterator[tuple[str, str]]:
    """(serial, Digital Link) of a print run, streamed from the database in order."""
    batch = run.batch
    query = (select(Serial.serial).where(Serial.print_run_id == run.id).order_by(Serial.id)
             .execution_options(yield_per=5000))
    for serial in db.session.scalars(query):
        yield serial, serial_digital_link(batch.gtin, batch.lot, serial)


def get_print_run(actor, run_id: int) -> PrintRun:
    run = db.session.get(PrintRun, run_id)
    if run is None:
        raise NotFound(f"Print run {run_id} not found.")
    registry.get_batch(actor, run.batch_id)  # visibility
    return run


def list_print_runs(actor, batch_id: int) -> list[PrintRun]:
    batch = registry.get_batch(actor, batch_id)
    return list(db.session.scalars(select(PrintRun).where(PrintRun.batch_id == batch.id)
                                   .order_by(PrintRun.id)))


def void_serials(actor, batch_id: int, serials: list[str], reason: str) -> int:
    """Void lost or damaged stamps: they then scan as void."""
    batch = _writable_batch(actor, batch_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the stamps are voided (lost, damaged…)."]})
    wanted = list(dict.fromkeys(s.strip() for s in serials if s and s.strip()))
    if not wanted:
        raise ValidationFailed({"serials": ["List the serials to void."]})
    known = set(db.session.scalars(select(Serial.serial).where(
        Serial.batch_id == batch.id, Serial.serial.in_(wanted))))
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ValidationFailed({"serials": [
            f"Not serials of this batch: {', '.join(unknown[:20])}"
            + (" …" if len(unknown) > 20 else "")]})
    result = db.session.execute(
        update(Serial).where(Serial.batch_id == batch.id, Serial.serial.in_(wanted),
                             Serial.status == "active")
        .values(status="void", void_reason=reason, voided_at=utcnow())
        .execution_options(synchronize_session=False))
    audit.record(actor, "serials.void", "batch", batch.id, organization_id=batch.organization_id,
                 details={"serials": wanted[:100], "count": result.rowcount, "reason": reason})
    return result.rowcount


def serial_counts(batch_id: int) -> dict:
    return dict(db.session.execute(select(Serial.status, func.count())
                                   .where(Serial.batch_id == batch_id)
                                   .group_by(Serial.status)).all())


# --------------------------------------------------------------------------- symbols


def batch_qr(actor, batch_id: int, *, fmt: str = "png", size_px: int | None = None,
             module_px: int | None = None, error_correction: str | None = None,
             serial: str | None = None) -> tuple[bytes, str, str]:
    """The QR code of the batch (or one of its serials): exactly its Digital Link.

    Returns (content, mimetype, etag).
    """
    batch = registry.get_batch(actor, batch_id)
    link = registry.batch_digital_link(batch)
    if serial is not None:
        found = db.session.scalar(select(Serial).where(Serial.batch_id == batch.id,
                                                       Serial.serial == serial))
        if found is None:
            raise NotFound(f"Serial {serial} is not one of this batch's serials.")
        link = serial_digital_link(batch.gtin, batch.lot, serial)
    ec = (error_correction or current_app.config.get("QR_ERROR_CORRECTION", "M")).upper()
    _check_symbol_options(fmt, size_px, module_px, ec)
    if fmt == "svg":
        content = render.qr_svg(link, error_correction=ec, size_px=size_px, module_px=module_px)
        mimetype = "image/svg+xml"
    else:
        content = render.qr_png(link, error_correction=ec, size_px=size_px, module_px=module_px)
        mimetype = "image/png"
    if registry.can_read_organization(actor, batch.organization) and _may_write(actor, batch):
        mark_codes_issued(batch)
    return content, mimetype, _etag(content)


def _may_write(actor, batch: Batch) -> bool:
    return actor.is_admin or (actor.is_business and actor.organization_id ==
                              batch.organization_id)


def _check_symbol_options(fmt, size_px, module_px, ec) -> None:
    errors = {}
    if fmt not in {"png", "svg"}:
        errors["format"] = ["Choose png or svg."]
    if ec not in {"L", "M", "Q", "H"}:
        errors["ec"] = ["Error correction is L, M, Q or H."]
    if size_px is not None and not 64 <= size_px <= 4000:
        errors["size"] = ["Size is between 64 and 4000 pixels."]
    if module_px is not None and not 1 <= module_px <= 50:
        errors["module"] = ["Pixels per module is between 1 and 50."]
    if errors:
        raise ValidationFailed(errors)


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


PRODUCT_SYMBOLOGIES = ("ean13", "ean8", "upca", "itf14", "gs1-128")


def default_symbology(gtin14: str) -> str:
    kind = gs1.gtin_format(gtin14)
    return {"GTIN-13": "ean13", "GTIN-8": "ean8", "GTIN-12": "upca"}.get(kind, "itf14")


def product_barcode(actor, product_id: int, *, fmt: str = "png",
                    symbology: str | None = None) -> tuple[bytes, str, str]:
    """The product's linear barcode: EAN-13, EAN-8, UPC-A, ITF-14 or GS1-128 (01)."""
    product = registry.get_product(actor, product_id)
    symbology = symbology or default_symbology(product.gtin)
    if symbology not in PRODUCT_SYMBOLOGIES:
        raise ValidationFailed({"symbology": [f"One of: {', '.join(PRODUCT_SYMBOLOGIES)}."]})
    if fmt not in {"png", "svg"}:
        raise ValidationFailed({"format": ["Choose png or svg."]})
    display = gs1.gtin_display(product.gtin)
    data = {
        "ean13": display if len(display) == 13 else None,
        "ean8": display if len(display) == 8 else None,
        "upca": display if len(display) == 12 else None,
        "itf14": product.gtin,
        "gs1-128": "01" + product.gtin,
    }[symbology]
    if data is None:
        raise ValidationFailed({"symbology": [
            f"GTIN {display} is a {gs1.gtin_format(product.gtin)}; it cannot be printed as "
            f"{symbology.upper()}."]})
    hri = f"(01){product.gtin}" if symbology == "gs1-128" else None
    maker = render.barcode_svg if fmt == "svg" else render.barcode_png
    content = maker(symbology, data, hri)
    return content, "image/svg+xml" if fmt == "svg" else "image/png", _etag(content)


def batch_element_string(batch: Batch) -> list[tuple[str, str]]:
    elements = [("01", batch.gtin)]
    if batch.production_date:
        elements.append(("11", batch.production_date.strftime("%y%m%d")))
    if batch.expiry_date:
        elements.append(("17", batch.expiry_date.strftime("%y%m%d")))
    elements.append(("10", batch.lot))
    return elements


def batch_barcode(actor, batch_id: int, *, fmt: str = "png",
                  symbology: str = "gs1-128") -> tuple[bytes, str, str]:
    """GS1-128 or GS1 DataMatrix of the batch: (01) GTIN, (11), (17) dates and (10) lot."""
    batch = registry.get_batch(actor, batch_id)
    elements = batch_element_string(batch)
    raw = gs1.build_raw(elements)
    hri = gs1.build_bracketed(elements)
    if fmt not in {"png", "svg"}:
        raise ValidationFailed({"format": ["Choose png or svg."]})
    if symbology == "gs1-128":
        maker = render.barcode_svg if fmt == "svg" else render.barcode_png
        content = maker("gs1-128", raw, hri)
    elif symbology == "datamatrix":
        maker = render.gs1_datamatrix_svg if fmt == "svg" else render.gs1_datamatrix_png
        content = maker(raw, hri)
    else:
        raise ValidationFailed({"symbology": ["One of: gs1-128, datamatrix."]})
    return content, "image/svg+xml" if fmt == "svg" else "image/png", _etag(content)


# --------------------------------------------------------------------------- label sheets


def _stock(name: str):
    try:
        return render.get_stock(name)
    except ValueError as error:
        raise ValidationFailed({"stock": [str(error)]}) from error


def label_items(batch: Batch, run: PrintRun | None, copies: int = 1):
    """The labels of a sheet: one per serial of the run, or ``copies`` of the batch code."""
    product: Product = batch.product
    common = {"product_name": product.name, "lot": batch.lot,
              "production_date": batch.production_date, "expiry_date": batch.expiry_date}
    if run is None:
        link = registry.batch_digital_link(batch)
        for _ in range(copies):
            yield render.LabelData(qr_data=link, **common)
        return
    for serial, link in iter_run_serials(run):
        yield render.LabelData(qr_data=link, serial=serial, **common)


def write_sheet(batch: Batch, out, *, stock: str, run: PrintRun | None = None, copies: int = 1,
                progress=None):
    return render.render_label_sheet(label_items(batch, run, copies), _stock(stock), out,
                                     progress, style=render.LabelStyle(
                                         title=f"{batch.product.name} – {batch.lot}"))


def sheet_pdf(actor, batch_id: int, *, stock: str, print_run_id: int | None = None,
              copies: int | None = None) -> bytes:
    """A label sheet made at once (small runs); larger runs go through a label job."""
    batch = _issuable_batch(actor, batch_id)
    run = get_print_run(actor, print_run_id) if print_run_id else None
    if run is not None and run.batch_id != batch.id:
        raise ValidationFailed({"print_run": ["That print run belongs to another batch."]})
    stock_obj = _stock(stock)
    count = run.count if run is not None else (copies or stock_obj.per_page)
    if count > SYNC_SHEET_LIMIT:
        raise ValidationFailed({"print_run": [
            f"{count:,} labels are too many to make at once; start a label job instead."]})
    buffer = io.BytesIO()
    write_sheet(batch, buffer, stock=stock, run=run, copies=count)
    mark_codes_issued(batch)
    audit.record(actor, "labels.print", "batch", batch.id, organization_id=batch.organization_id,
                 details={"stock": stock, "labels": count, "print_run": print_run_id})
    return buffer.getvalue()


def jobs_folder() -> str:
    folder = current_app.config.get("LABEL_JOBS_DIR") or os.path.join(
        current_app.instance_path, "label-jobs")
    os.makedirs(folder, exist_ok=True)
    return folder


def start_label_job(actor, batch_id: int, *, stock: str, serial_count: int = 0,
                    print_run_id: int | None = None, copies: int = 0) -> LabelJob:
    """Queue a label sheet: new serials (``serial_count``), an existing run, or batch copies."""
    batch = _issuable_batch(actor, batch_id)
    stock_obj = _stock(stock)
    run = None
    if serial_count:
        run = issue_serials(actor, batch.id, serial_count)
    elif print_run_id:
        run = get_print_run(actor, print_run_id)
        if run.batch_id != batch.id:
            raise ValidationFailed({"print_run_id": ["That print run belongs to another batch."]})
    total = run.count if run is not None else (copies or stock_obj.per_page)
    job = LabelJob(batch_id=batch.id, print_run_id=run.id if run else None,
                   organization_id=batch.organization_id, stock=stock, status="queued",
                   total=total, created_by=getattr(actor, "id", None))
    db.session.add(job)
    mark_codes_issued(batch)
    db.session.flush()
    audit.record(actor, "labels.job", "batch", batch.id, organization_id=batch.organization_id,
                 details={"job": job.id, "stock": stock, "labels": total})
    return job


def launch_in_background(app, job_id: int) -> threading.Thread:
    """Render a committed job on a thread of this process (the web app's way)."""
    thread = threading.Thread(target=run_label_job, args=(app, job_id), daemon=True,
                              name=f"label-job-{job_id}")
    thread.start()
    return thread


def run_label_job(app, job_id: int) -> None:
    with app.app_context():
        claimed = db.session.execute(
            update(LabelJob).where(LabelJob.id == job_id, LabelJob.status == "queued")
            .values(status="running")).rowcount
        db.session.commit()
        if not claimed:
            return
        job = db.session.get(LabelJob, job_id)
        batch = db.session.get(Batch, job.batch_id)
        run = db.session.get(PrintRun, job.print_run_id) if job.print_run_id else None
        path = os.path.join(jobs_folder(), f"labels-{job.id}-{secrets.token_hex(8)}.pdf")

        def progress(done, _pages):
            # Its own connection: committing the session would close the server-side cursor
            # that streams the serials.
            with db.engine.begin() as connection:
                connection.execute(update(LabelJob).where(LabelJob.id == job_id)
                                   .values(done=done))

        try:
            with open(path + ".part", "wb") as out:
                write_sheet(batch, out, stock=job.stock, run=run, copies=job.total,
                            progress=progress)
            os.replace(path + ".part", path)
        except Exception as error:  # noqa: BLE001 - the job reports it; nothing else to do
            db.session.rollback()
            app.logger.exception("label job %s failed", job_id)
            db.session.execute(update(LabelJob).where(LabelJob.id == job_id).values(
                status="failed", error=f"{type(error).__name__}: {error}"[:2000],
                finished_at=utcnow()))
            db.session.commit()
            return
        db.session.execute(update(LabelJob).where(LabelJob.id == job_id).values(
            status="done", done=job.total, file_path=path, finished_at=utcnow()))
        db.session.commit()


def get_label_job(actor, job_id: int) -> LabelJob:
    job = db.session.get(LabelJob, job_id)
    if job is None:
        raise NotFound(f"Label job {job_id} not found.")
    registry.get_batch(actor, job.batch_id)
    return job


def label_job_pdf_path(actor, job_id: int) -> str:
    job = get_label_job(actor, job_id)
    if job.status != "done" or not job.file_path or not os.path.exists(job.file_path):
        raise Conflict(f"Label job {job_id} is {job.status}; download it once it is done.")
    return job.file_path


def job_to_dict(job: LabelJob) -> dict:
    return {"id": job.id, "batch_id": job.batch_id, "print_run_id": job.print_run_id,
            "stock": job.stock, "status": job.status, "total": job.total, "done": job.done,
            "progress": round(job.done / job.total, 4) if job.total else 0.0,
            "error": job.error, "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "download": f"/api/v1/label-jobs/{job.id}/pdf" if job.status == "done" else None}


def run_to_dict(run: PrintRun) -> dict:
    return {"id": run.id, "batch_id": run.batch_id, "count": run.count,
            "created_by": run.created_by_label, "note": run.note,
            "created_at": run.created_at.isoformat()}
