"""The business portal: a cooperative's or household's products, batches, places, certificates,
imports, labels and scan statistics, in pages that need no training.

Every handler is thin: it turns the form into the API's payload, calls the registry service
the API calls, commits once, and shows errors on the fields they concern.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import func, select

from ..errors import ServiceError
from ..extensions import db
from ..registry import services
from ..registry.models import Batch, Certificate, Location, Organization, Product
from ..registry.schemas import (
    BatchInput,
    BatchPatch,
    CertificateInput,
    CertificatePatch,
    LocationInput,
    LocationPatch,
    ProductInput,
    ProductPatch,
)
from . import charts, formkit, optional
from .access import actor, require_roles
from .formkit import Form
from .paging import page_of

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.before_request
def _business_only():
    return require_roles("business")


def _organization() -> Organization:
    return db.session.get(Organization, actor().organization_id)


# --------------------------------------------------------------------------- shared handlers


def _submit(form: Form, schema, spec: dict, call, *, required=(), partial=False,
            conflict_field=None, gs1_field=None):
    """Load the form with the API's schema and call the service; (record, status)."""
    formkit.require_fields(form, required)
    try:
        data = services.load(schema, formkit.payload(form, spec, partial=partial),
                             partial=partial)
        if form.errors:
            return None, 422
        record = call(data)
        db.session.commit()
        return record, 200
    except ServiceError as error:
        db.session.rollback()
        already = {name for name in required if form.errors.get(name)}
        status = formkit.apply_error(form, error, conflict_field=conflict_field)
        for name in already:  # "required" already says it; keep one message per empty box
            form.errors[name] = form.errors[name][:1]
        if gs1_field:
            formkit.gs1_field_errors(form, gs1_field, form.values.get(gs1_field))
        return None, status


def _edit_version_ok(form: Form, current: dict, labels: dict) -> bool:
    return formkit.check_version(form, current, labels)


def _sync(kind: str, entity_id) -> dict:
    from ..gateway import outbox

    return outbox.sync_state(kind, entity_id)


def _options(query, text) -> list[tuple[str, str]]:
    return [(str(row.id), text(row)) for row in db.session.scalars(query)]


def _product_options():
    return _options(services.list_products(actor()), lambda p: f"{p.name} — {p.gtin}")


def _location_options():
    return _options(services.list_locations(actor()), lambda loc: f"{loc.name} ({loc.gln})")


# --------------------------------------------------------------------------- dashboard


@bp.route("/")
def dashboard():
    me = actor()
    organization = _organization()
    org_id = organization.id
    counts = {
        "products": _count(Product, org_id),
        "locations": _count(Location, org_id),
        "certificates": _count(Certificate, org_id),
    }
    batch_counts = dict(db.session.execute(
        select(Batch.status, func.count()).where(Batch.organization_id == org_id)
        .group_by(Batch.status)).all())
    counts["batches"] = sum(batch_counts.values())
    incomplete = []
    for product in db.session.scalars(services.list_products(me).limit(500)):
        completeness = services.product_completeness(product)
        if not completeness["complete"]:
            incomplete.append((product, [item for item in completeness["items"]
                                         if not item["present"]]))
    recent = list(db.session.scalars(services.list_batches(me).order_by(None)
                                     .order_by(Batch.id.desc()).limit(5)))
    return render_template(
        "portal/dashboard.html", organization=organization, counts=counts,
        batch_counts=batch_counts, incomplete=incomplete, recent=recent,
        sync=_organization_sync(org_id), copy_alerts=_copy_alerts(org_id),
        organization_sync=_sync("organization", org_id),
    )


def _count(model, org_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(model)
                             .where(model.organization_id == org_id))


def _organization_sync(org_id: int) -> dict:
    """The organization's gateway messages by state, and the ones the portal refused."""
    from ..gateway.outbox import OutboxMessage

    counts = dict(db.session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.organization_id == org_id, OutboxMessage.state != "superseded")
        .group_by(OutboxMessage.state)).all())
    refused = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.organization_id == org_id,
                                    OutboxMessage.state.in_(("rejected", "dead")))
        .order_by(OutboxMessage.id.desc()).limit(20)))
    return {"counts": counts, "refused": [(m, _record_link(m.kind, m.entity_id))
                                          for m in refused]}


def _record_link(kind: str, entity_id: str) -> str | None:
    endpoints = {"product": ("web.portal.product_detail", "product_id"),
                 "batch": ("web.portal.batch_detail", "batch_id"),
                 "location": ("web.portal.location_edit", "location_id"),
                 "certificate": ("web.portal.certificate_edit", "certificate_id")}
    if kind not in endpoints or not str(entity_id).isdigit():
        return None
    endpoint, arg = endpoints[kind]
    return url_for(endpoint, **{arg: int(entity_id)})


def _copy_alerts(org_id: int) -> list | None:
    """Suspected copied codes, once the resolver records them (None: not available)."""
    resolver = optional.module("resolver.services") if optional.available(
        "resolver.services", "list_copy_alerts") else None
    if resolver is None:
        return None
    query = resolver.list_copy_alerts(actor(), status="open", organization_id=org_id)
    return list(db.session.scalars(query.limit(20)))


# --------------------------------------------------------------------------- products

PRODUCT_SPEC = {
    "gtin": "str", "name": "str", "name_en": "str", "description": "str", "brand": "str",
    "model": "str", "sector": "choice", "net_content": "str", "unit": "str", "origin": "str",
    "image_urls": "list", "standards": "list", "shelf_life_days": "int",
    "storage_instructions": "str", "safety_warnings": "str", "foreign_code_authorization": "str",
}
PRODUCT_PATCH_SPEC = {k: v for k, v in PRODUCT_SPEC.items() if k != "gtin"}


def _product_labels() -> dict:
    return {"gtin": gettext("GTIN (barcode number)"), "name": gettext("Product name"),
            "name_en": gettext("Name in English"), "brand": gettext("Brand"),
            "model": gettext("Model"), "sector": gettext("Sector"),
            "net_content": gettext("Net content"), "unit": gettext("Unit"),
            "origin": gettext("Origin"), "image_urls": gettext("Image addresses"),
            "standards": gettext("Standards applied"),
            "shelf_life_days": gettext("Shelf life (days)"),
            "description": gettext("Description"),
            "storage_instructions": gettext("Storage instructions"),
            "safety_warnings": gettext("Safety warnings"),
            "foreign_code_authorization": gettext("Code owner's authorisation")}


def _product_form_values(product) -> dict:
    data = services.product_to_dict(product)
    values = {k: data[k] for k in PRODUCT_SPEC if k in data}
    values["image_urls"] = "\n".join(data["image_urls"])
    values["standards"] = "\n".join(data["standards"])
    values["shelf_life_days"] = "" if data["shelf_life_days"] is None else data["shelf_life_days"]
    values["version"] = formkit.version_of(data)
    return values


@bp.route("/products")
def products():
    q = request.args.get("q", "").strip()
    page = page_of(services.list_products(actor(), q=q or None))
    rows = [(p, services.product_completeness(p), _sync("product", p.id)) for p in page.items]
    return render_template("portal/products.html", page=page, rows=rows, q=q)


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    form = Form(values={"sector": "other"})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        product, status = _submit(
            form, ProductInput, PRODUCT_SPEC,
            lambda data: services.create_product(actor(), data),
            required={"gtin": 1, "name": 1}, conflict_field="gtin", gs1_field="gtin")
        if product is not None:
            _flash_saved(gettext("Product %(name)s registered.", name=product.name))
            return redirect(url_for(".product_detail", product_id=product.id), 303)
    return render_template("portal/product_form.html", form=form, product=None,
                           labels=_product_labels(), organization=_organization()), status


@bp.route("/products/<int:product_id>")
def product_detail(product_id):
    product = services.get_product(actor(), product_id)
    batches = list(db.session.scalars(services.list_batches(actor(), product_id=product.id)))
    return render_template("portal/product_detail.html", product=product,
                           completeness=services.product_completeness(product),
                           batches=batches,
                           sync=_sync("product", product.id),
                           digital_link=services.product_digital_link(product))


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def product_edit(product_id):
    product = services.get_product(actor(), product_id)
    form = Form(values=_product_form_values(product))
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        current = services.product_to_dict(product)
        if not _edit_version_ok(form, current, _conflict_labels(current, _product_labels())):
            status = 409
        else:
            saved, status = _submit(
                form, ProductPatch, PRODUCT_PATCH_SPEC,
                lambda data: services.update_product(actor(), product_id, data),
                required={"name": 1}, partial=True)
            if saved is not None:
                _flash_saved(gettext("Changes saved."))
                return redirect(url_for(".product_detail", product_id=product_id), 303)
    return render_template("portal/product_form.html", form=form, product=product,
                           labels=_product_labels(), organization=_organization()), status


def _conflict_labels(current: dict, labels: dict) -> dict:
    return {name: label for name, label in labels.items() if name in current}


def _flash_saved(message: str) -> None:
    flash(message, "success")


# --------------------------------------------------------------------------- locations

LOCATION_SPEC = {"name": "str", "type": "choice", "gln": "str", "address": "str",
                 "province": "str", "latitude": "float", "longitude": "float",
                 "area_hectares": "float"}
LOCATION_PATCH_SPEC = {k: v for k, v in LOCATION_SPEC.items() if k != "gln"}


def _location_labels() -> dict:
    return {"name": gettext("Name"), "type": gettext("Kind of place"),
            "gln": gettext("GLN (location number)"), "address": gettext("Address"),
            "province": gettext("Province"), "latitude": gettext("Latitude"),
            "longitude": gettext("Longitude"), "area_hectares": gettext("Area (hectares)")}


@bp.route("/locations")
def locations():
    q = request.args.get("q", "").strip()
    page = page_of(services.list_locations(actor(), q=q or None))
    return render_template("portal/locations.html", page=page, q=q,
                           syncs={loc.id: _sync("location", loc.id) for loc in page.items})


@bp.route("/locations/new", methods=["GET", "POST"])
def location_new():
    organization = _organization()
    form = Form(values={"province": organization.province})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        location, status = _submit(
            form, LocationInput, LOCATION_SPEC,
            lambda data: services.create_location(actor(), data),
            required={"name": 1, "type": 1, "gln": 1}, conflict_field="gln")
        if location is not None:
            _flash_saved(gettext("Location %(name)s registered.", name=location.name))
            return redirect(url_for(".locations"), 303)
    return render_template("portal/location_form.html", form=form, location=None,
                           labels=_location_labels(), organization=organization), status


@bp.route("/locations/<int:location_id>/edit", methods=["GET", "POST"])
def location_edit(location_id):
    location = services.get_location(actor(), location_id)
    current = services.location_to_dict(location)
    values = {k: ("" if current.get(k) is None else current[k]) for k in LOCATION_SPEC}
    values["version"] = formkit.version_of(current)
    form = Form(values=values)
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        if not _edit_version_ok(form, current, _conflict_labels(current, _location_labels())):
            status = 409
        else:
            saved, status = _submit(
                form, LocationPatch, LOCATION_PATCH_SPEC,
                lambda data: services.update_location(actor(), location_id, data),
                required={"name": 1}, partial=True)
            if saved is not None:
                _flash_saved(gettext("Changes saved."))
                return redirect(url_for(".locations"), 303)
    return render_template("portal/location_form.html", form=form, location=location,
                           labels=_location_labels(), organization=_organization(),
                           sync=_sync("location", location.id)), status


# --------------------------------------------------------------------------- batches

BATCH_SPEC = {"product_id": "choice", "lot": "str", "production_date": "date",
              "expiry_date": "date", "quantity": "decimal", "unit": "str",
              "location_id": "choice", "notes": "str"}
BATCH_PATCH_SPEC = {"production_date": "date", "expiry_date": "date", "quantity": "decimal",
                    "unit": "str", "location_id": "int", "notes": "str"}


def _batch_labels() -> dict:
    return {"product_id": gettext("Product"), "lot": gettext("Lot number"),
            "production_date": gettext("Production date"),
            "expiry_date": gettext("Expiry date"), "quantity": gettext("Quantity"),
            "unit": gettext("Unit"), "location_id": gettext("Where it was produced"),
            "notes": gettext("Notes")}


@bp.route("/batches")
def batches():
    q = request.args.get("q", "").strip()
    status_filter = request.args.get("status") or None
    if status_filter not in (None, "active", "on_hold", "recalled", "void"):
        status_filter = None
    query = services.list_batches(actor(), q=q or None, status=status_filter)
    page = page_of(query.order_by(None).order_by(Batch.id.desc()))
    return render_template("portal/batches.html", page=page, q=q, status=status_filter)


@bp.route("/batches/new", methods=["GET", "POST"])
def batch_new():
    form = Form(values={"product_id": request.args.get("product_id", "")})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        batch, status = _submit(
            form, BatchInput, BATCH_SPEC, lambda data: services.create_batch(actor(), data),
            required={"product_id": 1, "lot": 1}, conflict_field="lot")
        if batch is not None:
            _flash_saved(gettext("Batch %(lot)s registered.", lot=batch.lot))
            return redirect(url_for(".batch_detail", batch_id=batch.id), 303)
    return render_template("portal/batch_form.html", form=form, batch=None,
                           labels=_batch_labels(), products=_product_options(),
                           locations=_location_options()), status


@bp.route("/batches/<int:batch_id>")
def batch_detail(batch_id):
    batch = services.get_batch(actor(), batch_id)
    digital_link = services.batch_digital_link(batch)
    qr_svg = optional.feature("labels.render", "qr_svg")
    # The SVG is our own renderer's output (paths only), not text from a person.
    qr = Markup(qr_svg(digital_link, size_px=180).decode("utf-8")) if qr_svg else None  # noqa: S704
    return render_template(
        "portal/batch_detail.html", batch=batch, digital_link=digital_link, qr=qr,
        certificates=services.certificates_for_batch(batch), sync=_sync("batch", batch.id),
        stages_available=_stages_module() is not None, journey=_journey(batch),
        labels_available=optional.available("labels.services", "start_label_job"),
    )


def _journey(batch) -> list | None:
    journey = optional.feature("events.chain", "journey")
    return None if journey is None else journey(batch)


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"])
def batch_edit(batch_id):
    batch = services.get_batch(actor(), batch_id)
    current = services.batch_to_dict(batch)
    values = {k: ("" if current.get(k) is None else current[k]) for k in BATCH_PATCH_SPEC}
    values["quantity"] = _number_for_input(current["quantity"])
    values["version"] = formkit.version_of(current)
    form = Form(values=values)
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        if not _edit_version_ok(form, current, _conflict_labels(current, _batch_labels())):
            status = 409
        else:
            saved, status = _submit(
                form, BatchPatch, BATCH_PATCH_SPEC,
                lambda data: services.update_batch(actor(), batch_id, data), partial=True)
            if saved is not None:
                _flash_saved(gettext("Changes saved."))
                return redirect(url_for(".batch_detail", batch_id=batch_id), 303)
    return render_template("portal/batch_form.html", form=form, batch=batch,
                           labels=_batch_labels(), products=_product_options(),
                           locations=_location_options()), status


def _number_for_input(value) -> str:
    from .display import input_number

    return input_number(value)


# --------------------------------------------------------------------------- stages


def _stages_module():
    return optional.module("events.stages") if optional.available(
        "events.stages", "template_catalog", "record_stage") else None


def _pick_language(message: str) -> str:
    """The events capability writes "Vietnamese. / English." messages: keep the reader's."""
    vietnamese, separator, english = str(message).partition(" / ")
    if not separator:
        return str(message)
    return vietnamese if formkit.locale_code() == "vi" else english


def _stage_value(field: dict, raw: str) -> str:
    if field["type"] in ("number", "integer"):
        return formkit.decimal_text(raw, grouping=not field["name"].startswith("area"))
    return raw


@bp.route("/batches/<int:batch_id>/stages", methods=["GET", "POST"])
def batch_stages(batch_id):
    """Record a stage of the batch with its sector's template (planting, spraying, harvest…)."""
    batch = services.get_batch(actor(), batch_id)
    stages = _stages_module()
    if stages is None:
        abort(404)
    catalog = stages.template_catalog()
    by_name = {template["name"]: template for template in catalog}
    chosen = request.values.get("template") or (
        batch.product.sector if batch.product.sector in by_name else catalog[0]["name"])
    template = by_name.get(chosen)
    stage = next((s for s in template["stages"] if s["name"] == request.values.get("stage")),
                 None) if template else None
    now = datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    form = Form.from_request() if request.method == "POST" else Form(values={
        "template": chosen, "stage": stage["name"] if stage else "",
        "event_time": now.strftime("%Y-%m-%dT%H:%M")})
    status = 200
    if request.method == "POST" and template is not None and stage is not None:
        data = {"event_time": form.value("event_time"),
                "location_id": form.value("location_id") or None,
                "fields": {f["name"]: _stage_value(f, form.values[f["name"]])
                           for f in stage["fields"]
                           if str(form.values.get(f["name"], "")).strip()}}
        try:
            result = stages.record_stage(actor(), batch, chosen, stage["name"], data)
            db.session.commit()
            _flash_saved(gettext("Stage recorded."))
            for warning in result.get("warnings") or []:
                flash(warning["message_vi"] if formkit.locale_code() == "vi"
                      else warning["message_en"], "error")
            return redirect(url_for(".batch_detail", batch_id=batch.id), 303)
        except ServiceError as error:
            db.session.rollback()
            status = error.status
            for name, texts in (error.errors or {}).items():
                form.errors[name] = [_pick_language(text) for text in texts]
            if not error.errors:
                form.message = _pick_language(error.detail)
    vi = formkit.locale_code() == "vi"

    def text(item: dict, key: str) -> str:
        return item.get(f"{key}_vi" if vi else f"{key}_en") or ""

    fields = [{**field, "label": text(field, "label"), "help": text(field, "help"),
               "choices": [(o["value"], text(o, "label")) for o in field.get("options", [])]}
              for field in (stage["fields"] if stage else [])]
    return render_template(
        "portal/stages.html", batch=batch, template=template, stage=stage, form=form,
        fields=fields, stage_title=text(stage, "label") if stage else "",
        templates=[(t["name"], text(t, "label")) for t in catalog],
        stages=[(s["name"], text(s, "label")) for s in template["stages"]] if template else [],
        locations=_location_options()), status


# --------------------------------------------------------------------------- certificates

CERTIFICATE_SPEC = {"type": "choice", "number": "str", "issuer": "str", "valid_from": "date",
                    "valid_until": "date", "scope_type": "choice", "location_id": "choice",
                    "product_id": "choice", "scope_description": "str", "star_rating": "choice",
                    "document_url": "str"}
CERTIFICATE_PATCH_SPEC = {"issuer": "str", "valid_from": "date", "valid_until": "date",
                          "scope_description": "str", "star_rating": "int",
                          "document_url": "str"}


def _certificate_labels() -> dict:
    return {"type": gettext("Certificate"), "number": gettext("Certificate number"),
            "issuer": gettext("Issued by"), "valid_from": gettext("Valid from"),
            "valid_until": gettext("Valid until"), "scope_type": gettext("Covers"),
            "location_id": gettext("Location"), "product_id": gettext("Product"),
            "scope_description": gettext("Scope (what it covers)"),
            "star_rating": gettext("OCOP stars"), "document_url": gettext("Link to the document")}


@bp.route("/certificates")
def certificates():
    page = page_of(services.list_certificates(actor()))
    return render_template("portal/certificates.html", page=page,
                           expired=services.is_expired)


@bp.route("/certificates/new", methods=["GET", "POST"])
def certificate_new():
    form = Form(values={"scope_type": "organization"})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        certificate, status = _submit(
            form, CertificateInput, CERTIFICATE_SPEC,
            lambda data: services.create_certificate(actor(), data),
            required={"type": 1, "number": 1, "issuer": 1, "valid_from": 1},
            conflict_field="number")
        if certificate is not None:
            _flash_saved(gettext("Certificate %(number)s recorded.", number=certificate.number))
            return redirect(url_for(".certificates"), 303)
    return render_template("portal/certificate_form.html", form=form, certificate=None,
                           labels=_certificate_labels(), products=_product_options(),
                           locations=_location_options()), status


@bp.route("/certificates/<int:certificate_id>/edit", methods=["GET", "POST"])
def certificate_edit(certificate_id):
    certificate = services.get_certificate(actor(), certificate_id)
    current = services.certificate_to_dict(certificate)
    values = {k: ("" if current.get(k) is None else current[k]) for k in CERTIFICATE_SPEC}
    values["version"] = formkit.version_of(current)
    form = Form(values=values)
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        if not _edit_version_ok(form, current,
                                _conflict_labels(current, _certificate_labels())):
            status = 409
        else:
            saved, status = _submit(
                form, CertificatePatch, CERTIFICATE_PATCH_SPEC,
                lambda data: services.update_certificate(actor(), certificate_id, data),
                required={"issuer": 1, "valid_from": 1}, partial=True)
            if saved is not None:
                _flash_saved(gettext("Changes saved."))
                return redirect(url_for(".certificates"), 303)
    return render_template("portal/certificate_form.html", form=form, certificate=certificate,
                           labels=_certificate_labels(), products=_product_options(),
                           locations=_location_options(),
                           sync=_sync("certificate", certificate.id)), status


# --------------------------------------------------------------------------- imports


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    from ..registry import imports

    form = Form(values={"kind": request.args.get("kind", "products"), "dry_run": "1"})
    report = problems = None
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        kind = form.value("kind")
        upload = request.files.get("file")
        dry_run = bool(form.value("dry_run"))
        if kind not in ("products", "batches"):
            form.errors["kind"] = [gettext("Choose what the file holds.")]
        if upload is None or not upload.filename:
            form.errors["file"] = [gettext("Choose a .csv or .xlsx file.")]
        if form.errors:
            status = 422
        else:
            run = imports.import_products if kind == "products" else imports.import_batches
            try:
                report = run(actor(), upload.filename, upload.read(), dry_run=dry_run)
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
            except imports.ImportFailed as error:
                db.session.rollback()
                columns = {**_product_labels(), **_batch_labels()}
                problems = [{**p, "message": _import_message(p["message"]),
                             "column": columns.get(p["field"], "")} for p in error.problems]
                status = 422
            except ServiceError as error:
                db.session.rollback()
                status = formkit.apply_error(form, error)
        form.values["filename"] = upload.filename if upload else ""
    return render_template("portal/import.html", form=form, report=report,
                           problems=problems), status


def _import_message(message: str) -> str:
    """A row problem in the reader's language; spreadsheets write dates the ISO way."""
    from .messages import translate

    if message.strip() == "Not a valid date.":
        return gettext("Write dates as yyyy-mm-dd (e.g. 2026-05-09) or use date cells.")
    return translate(message)


# --------------------------------------------------------------------------- labels


def _labels_services():
    return optional.module("labels.services") if optional.available(
        "labels.services", "start_label_job", "get_label_job", "label_job_pdf_path",
        "LABEL_STOCKS") else None


@bp.route("/labels", methods=["GET", "POST"])
def labels():
    labels_services = _labels_services()
    if labels_services is None:
        abort(404)
    form = Form(values={"batch_id": request.args.get("batch_id", ""), "serial_count": "0"})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        formkit.require_fields(form, {"batch_id": 1, "stock": 1})
        count_text = str(form.value("serial_count", "0")).strip() or "0"
        if not count_text.isdigit():
            form.errors["serial_count"] = [gettext("Enter a whole number.")]
        if not form.errors:
            try:
                job = labels_services.start_label_job(
                    actor(), int(form.value("batch_id")), stock=form.value("stock"),
                    serial_count=int(count_text))
                db.session.commit()
                labels_services.launch_in_background(current_app._get_current_object(), job.id)
                return redirect(url_for(".label_job", job_id=job.id), 303)
            except ServiceError as error:
                db.session.rollback()
                status = formkit.apply_error(form, error, field_map={"count": "serial_count"})
        else:
            status = 422
    batches = [(str(b.id), f"{b.product.name} — {gettext('lot')} {b.lot}")
               for b in db.session.scalars(services.list_batches(actor(), status="active"))]
    stocks = [(name, _stock_text(str(description)))
              for name, description in labels_services.LABEL_STOCKS.items()]
    return render_template("portal/labels.html", form=form, batches=batches,
                           stocks=stocks), status


def _stock_text(description: str) -> str:
    """Label stock descriptions come in English; the usual words in Vietnamese."""
    if formkit.locale_code() != "vi":
        return description
    for english, vietnamese in (("thermal roll", "cuộn tem in nhiệt"), ("labels", "tem"),
                                ("no gaps", "không có khe hở"), ("e.g.", "ví dụ")):
        description = description.replace(english, vietnamese)
    return description


@bp.route("/labels/jobs/<int:job_id>")
def label_job(job_id):
    labels_services = _labels_services()
    if labels_services is None:
        abort(404)
    job = labels_services.get_label_job(actor(), job_id)
    return render_template("portal/label_job.html", job=job,
                           batch=services.get_batch(actor(), job.batch_id))


@bp.route("/labels/jobs/<int:job_id>/status")
def label_job_status(job_id):
    labels_services = _labels_services()
    if labels_services is None:
        abort(404)
    job = labels_services.get_label_job(actor(), job_id)
    return jsonify(status=job.status, total=job.total, done=job.done, error=job.error or "")


@bp.route("/labels/jobs/<int:job_id>/labels.pdf")
def label_job_pdf(job_id):
    labels_services = _labels_services()
    if labels_services is None:
        abort(404)
    path = labels_services.label_job_pdf_path(actor(), job_id)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"labels-{job_id}.pdf")


# --------------------------------------------------------------------------- scan statistics


@bp.route("/stats")
def stats():
    scan_stats = optional.feature("resolver.services", "scan_stats")
    if scan_stats is None:
        abort(404)
    days = request.args.get("days", "30")
    days = int(days) if days.isdigit() and 1 <= int(days) <= 365 else 30
    data = scan_stats(actor(), organization_id=actor().organization_id, days=days)
    batch_ids = [row["batch_id"] for row in data.get("top_batches", [])]
    names = {batch.id: batch.product.name for batch in db.session.scalars(
        select(Batch).where(Batch.id.in_(batch_ids)))} if batch_ids else {}
    return render_template("portal/stats.html", data=data, days=days,
                           charts=charts.scan_charts(data, names))
