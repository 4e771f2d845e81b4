"""Codes and labels API: QR codes, barcodes, serials, print runs, label sheets and jobs."""

import json

from flask import Response, current_app, request, send_file, stream_with_context
from marshmallow import EXCLUDE, Schema, fields, validate

from ..apiutil import Id, actor, api_blueprint
from ..extensions import db
from . import render, services

blp = api_blueprint("labels", __name__, "QR codes, barcodes, serials and label sheets")

BINARY = {"type": "string", "format": "binary"}
CSV = {"type": "string", "description": "serial,digital_link lines (CRLF), with a header"}
CACHE_HEADERS = {"ETag": {"schema": {"type": "string"}},
                 "Cache-Control": {"schema": {"type": "string"}}}
LOCATION_HEADER = {"Location": {"description": "Where to read it", "schema": {"type": "string"}}}


class QRArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="png", validate=validate.OneOf(["png", "svg"]))
    size = fields.Integer(load_default=None, validate=validate.Range(min=64, max=4000),
                          metadata={"description": "image side in pixels"})
    module = fields.Integer(load_default=None, validate=validate.Range(min=1, max=50),
                            metadata={"description": "pixels per module"})
    ec = fields.String(load_default=None, validate=validate.OneOf(["L", "M", "Q", "H"]),
                       metadata={"description": "error correction (default M)"})


class BarcodeArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="png", validate=validate.OneOf(["png", "svg"]))
    symbology = fields.String(load_default=None)


class SerialsInput(Schema):
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class VoidInput(Schema):
    serials = fields.List(fields.String(validate=validate.Length(min=1, max=20)), required=True,
                          validate=validate.Length(min=1, max=100_000))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class SheetArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    stock = fields.String(load_default="a4-3x8-70x37",
                          validate=validate.OneOf(list(render.STOCKS)))
    print_run = Id(load_default=None)
    copies = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2000))


class JobInput(Schema):
    stock = fields.String(load_default="a4-3x8-70x37",
                          validate=validate.OneOf(list(render.STOCKS)))
    serial_count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    print_run_id = Id(load_default=None, allow_none=True)
    copies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class PrintRunOut(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    count = fields.Integer()
    created_by = fields.String()
    note = fields.String()
    created_at = fields.String()


class IssuedSerialOut(Schema):
    serial = fields.String()
    digital_link = fields.String()


class SerialsIssuedOut(Schema):
    print_run = fields.Nested(PrintRunOut)
    serials = fields.List(fields.Nested(IssuedSerialOut))


class PrintRunsOut(Schema):
    items = fields.List(fields.Nested(PrintRunOut))
    serials = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "The batch's serials by status (active, void)"})


class VoidedOut(Schema):
    voided = fields.Integer(metadata={"description": "Serials voided now (already void "
                                                     "ones are not counted)"})


class LabelJobOut(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    print_run_id = fields.Integer(allow_none=True)
    stock = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    total = fields.Integer()
    done = fields.Integer()
    progress = fields.Float()
    error = fields.String(allow_none=True)
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)
    download = fields.String(allow_none=True, metadata={"description": "The PDF, once done"})


class LabelStockOut(Schema):
    name = fields.String()
    description = fields.String()
    columns = fields.Integer()
    rows = fields.Integer()
    label_width_mm = fields.Float()
    label_height_mm = fields.Float()


class LabelStocksOut(Schema):
    items = fields.List(fields.Nested(LabelStockOut))


def image_responses(description: str):
    """Document an image answer: PNG or SVG by ``format``, cacheable by its ETag."""

    def decorator(view):
        view = blp.alt_response(304, description="Not modified (If-None-Match)",
                                headers=CACHE_HEADERS, success=True)(view)
        view = blp.alt_response(200, schema=BINARY, content_type="image/svg+xml",
                                description=description, headers=CACHE_HEADERS,
                                success=True)(view)
        return blp.response(200, BINARY, content_type="image/png", description=description,
                            headers=CACHE_HEADERS)(view)

    return decorator


def _image(content: bytes, mimetype: str, etag: str) -> Response:
    if request.if_none_match and request.if_none_match.contains(etag.strip('"')):
        response = Response(status=304)
    else:
        response = Response(content, mimetype=mimetype)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@blp.route("/batches/<int:batch_id>/qr")
@blp.arguments(QRArgs, location="query")
@image_responses("The QR code: exactly the batch's Digital Link")
@blp.errors(404)
def batch_qr(args, batch_id):
    """The batch's QR code (PNG or SVG), encoding exactly its ``digital_link``.

    Error correction M by default, quiet zone of 4 modules; cacheable by ETag.
    """
    content, mimetype, etag = services.batch_qr(
        actor(), batch_id, fmt=args["format"], size_px=args["size"], module_px=args["module"],
        error_correction=args["ec"])
    db.session.commit()
    return _image(content, mimetype, etag)


@blp.route("/batches/<int:batch_id>/serials/<serial>/qr")
@blp.arguments(QRArgs, location="query")
@image_responses("The QR code of the unit: the batch's Digital Link with /21/<serial>")
@blp.errors(404)
def serial_qr(args, batch_id, serial):
    """The QR code of one unit: the batch's Digital Link with ``/21/<serial>``."""
    content, mimetype, etag = services.batch_qr(
        actor(), batch_id, fmt=args["format"], size_px=args["size"], module_px=args["module"],
        error_correction=args["ec"], serial=serial)
    return _image(content, mimetype, etag)


@blp.route("/batches/<int:batch_id>/barcode")
@blp.arguments(BarcodeArgs, location="query")
@image_responses("The batch's GS1-128 or GS1 DataMatrix symbol")
@blp.errors(404)
def batch_barcode(args, batch_id):
    """GS1-128 (``]C1``) or GS1 DataMatrix (``]d2``) of (01) GTIN, dates and (10) lot."""
    content, mimetype, etag = services.batch_barcode(
        actor(), batch_id, fmt=args["format"], symbology=args["symbology"] or "gs1-128")
    return _image(content, mimetype, etag)


@blp.route("/products/<int:product_id>/barcode")
@blp.arguments(BarcodeArgs, location="query")
@image_responses("The product's linear barcode")
@blp.errors(404)
def product_barcode(args, product_id):
    """The product's linear barcode: EAN-13 for a GTIN-13, EAN-8, UPC-A, or ITF-14 / GS1-128
    for a GTIN-14 (``symbology`` chooses)."""
    content, mimetype, etag = services.product_barcode(
        actor(), product_id, fmt=args["format"], symbology=args["symbology"])
    return _image(content, mimetype, etag)


@blp.route("/batches/<int:batch_id>/serials", methods=["POST"])
@blp.arguments(SerialsInput)
@blp.alt_response(201, schema=CSV, content_type="text/csv", headers=LOCATION_HEADER,
                  description="The serials as CSV (format=csv)", success=True)
@blp.response(201, SerialsIssuedOut, headers=LOCATION_HEADER,
              description="The print run and its serials (format=json)")
@blp.errors(403, 404, 409)
def issue_serials(data, batch_id):
    """Issue ``count`` unguessable serials (AI 21) and stream them with their Digital Links.

    ``format``: ``json`` (default) or ``csv``. The issue is recorded as a print run.
    """
    run = services.issue_serials(actor(), batch_id, data["count"], data["note"])
    db.session.commit()
    run_id = run.id
    app = current_app._get_current_object()

    def rows():
        with app.app_context():
            run_again = db.session.get(services.PrintRun, run_id)
            yield from services.iter_run_serials(run_again)

    if data["format"] == "csv":
        def csv_lines():
            yield "serial,digital_link\r\n"
            for serial, link in rows():
                yield f"{serial},{link}\r\n"

        response = Response(stream_with_context(csv_lines()), status=201, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="serials-{run_id}.csv"'
    else:
        def json_chunks():
            yield json.dumps({"print_run": services.run_to_dict(run)})[:-1] + ', "serials": ['
            for index, (serial, link) in enumerate(rows()):
                yield ("," if index else "") + json.dumps({"serial": serial,
                                                           "digital_link": link})
            yield "]}"

        response = Response(stream_with_context(json_chunks()), status=201,
                            mimetype="application/json")
    response.headers["Location"] = f"/api/v1/print-runs/{run_id}"
    return response


@blp.route("/batches/<int:batch_id>/print-runs")
@blp.response(200, PrintRunsOut)
@blp.errors(404)
def print_runs(batch_id):
    """The ledger of print runs: which serials were issued, when, by whom."""
    runs = services.list_print_runs(actor(), batch_id)
    return {"items": [services.run_to_dict(run) for run in runs],
            "serials": services.serial_counts(batch_id)}


@blp.route("/print-runs/<int:run_id>/serials.csv")
@blp.response(200, CSV, content_type="text/csv")
@blp.errors(404)
def run_serials(run_id):
    """The serials of one print run again, as CSV."""
    run = services.get_print_run(actor(), run_id)
    app = current_app._get_current_object()

    def lines():
        with app.app_context():
            yield "serial,digital_link\r\n"
            for serial, link in services.iter_run_serials(db.session.get(services.PrintRun,
                                                                          run.id)):
                yield f"{serial},{link}\r\n"

    return Response(stream_with_context(lines()), mimetype="text/csv")


@blp.route("/batches/<int:batch_id>/serials/void", methods=["POST"])
@blp.arguments(VoidInput)
@blp.response(200, VoidedOut)
@blp.errors(403, 404)
def void_serials(data, batch_id):
    """Void lost or damaged stamps; they then scan as void."""
    count = services.void_serials(actor(), batch_id, data["serials"], data["reason"])
    db.session.commit()
    return {"voided": count}


@blp.route("/batches/<int:batch_id>/labels.pdf")
@blp.arguments(SheetArgs, location="query")
@blp.response(200, BINARY, content_type="application/pdf")
@blp.errors(403, 404, 409)
def labels_pdf(args, batch_id):
    """A print-ready label sheet (QR + product, lot, dates, serial) for up to 2,000 labels:
    a print run's serials (``print_run``) or ``copies`` of the batch code."""
    pdf = services.sheet_pdf(actor(), batch_id, stock=args["stock"],
                             print_run_id=args["print_run"], copies=args["copies"])
    db.session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="labels-{batch_id}.pdf"'
    return response


@blp.route("/batches/<int:batch_id>/label-jobs", methods=["POST"])
@blp.arguments(JobInput)
@blp.response(202, LabelJobOut, headers=LOCATION_HEADER)
@blp.errors(403, 404, 409)
def start_job(data, batch_id):
    """Make a label sheet of any size in the background (new serials, a run, or copies)."""
    job = services.start_label_job(actor(), batch_id, stock=data["stock"],
                                   serial_count=data["serial_count"],
                                   print_run_id=data["print_run_id"], copies=data["copies"])
    db.session.commit()
    services.launch_in_background(current_app._get_current_object(), job.id)
    return services.job_to_dict(job), 202, {"Location": f"/api/v1/label-jobs/{job.id}"}


@blp.route("/label-jobs/<int:job_id>")
@blp.response(200, LabelJobOut)
@blp.errors(404)
def job_status(job_id):
    """Progress of a label job."""
    return services.job_to_dict(services.get_label_job(actor(), job_id))


@blp.route("/label-jobs/<int:job_id>/pdf")
@blp.response(200, BINARY, content_type="application/pdf")
@blp.errors(404, 409)
def job_pdf(job_id):
    """The finished label sheet."""
    path = services.label_job_pdf_path(actor(), job_id)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"labels-job-{job_id}.pdf")


@blp.route("/label-stocks")
@blp.response(200, LabelStocksOut)
def label_stocks():
    """The label stocks sheets can be laid out on."""
    return {"items": [{"name": name, "description": stock.description,
                       "columns": stock.columns, "rows": stock.rows,
                       "label_width_mm": stock.label_width, "label_height_mm": stock.label_height}
                      for name, stock in render.STOCKS.items()]}
