"""The inspector console: one box for any code, the chain around what it names, and holds and
recalls with a confirmation step. Works from a phone in a market and with a keyboard-wedge
scanner at a desk."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..errors import NotFound, ServiceError
from ..extensions import db
from ..registry import services
from . import codes, formkit, optional
from .access import actor, require_roles
from .formkit import Form
from .messages import gs1_problem_text, translate

bp = Blueprint("console", __name__, url_prefix="/console")

ACTIONS = ("hold", "release", "recall")


@bp.before_request
def _inspectors_only():
    return require_roles("inspector", "admin")


@bp.route("/")
def search():
    code = request.args.get("code", "")
    if code.strip():
        return redirect(url_for(".trace", code=code))
    return render_template("console/search.html", code="")


@bp.route("/trace")
def trace():
    text = request.args.get("code", "")
    if not text.strip():
        return redirect(url_for(".search"))
    oversight = _oversight("trace")
    if oversight is None:
        abort(404)
    reading = codes.read(text)
    attempts = ([(text, None)] if reading.parsed is not None else []) + [
        (codes.bracketed(elements), elements) for elements in reading.alternatives]
    result = used = problem = None
    for attempt, elements in attempts:
        try:
            result = oversight.trace(actor(), attempt)
            used = elements
            break
        except ServiceError as error:
            problem = problem or _problem_text(error)
    if not attempts and reading.error is not None:
        problem = gs1_problem_text(reading.error, formkit.locale_code())
    status = 200 if result is not None else (404 if attempts else 400)
    return render_template(
        "console/trace.html", code=text, result=result, problem=problem,
        used_text=codes.bracketed(used) if used else None,
        actions_available=_oversight("hold", "release", "recall") is not None,
        inspections_available=_oversight("create_inspection") is not None,
        alternatives=[codes.bracketed(e) for e in reading.alternatives if e != used],
    ), status


def _problem_text(error: ServiceError) -> str:
    """The reason a code found nothing, in the inspector's language."""
    errors = error.errors or {}
    if formkit.locale_code() == "vi" and errors.get("code_vi"):
        return "; ".join(errors["code_vi"])
    return translate(error.detail)


def _oversight(*names):
    return optional.module("oversight.services") if optional.available(
        "oversight.services", *names) else None


# --------------------------------------------------------------------------- hold / recall


def _action_titles() -> dict:
    return {"hold": gettext("Hold this batch"), "release": gettext("Release this batch"),
            "recall": gettext("Recall this batch")}


@bp.route("/batches/<int:batch_id>/<action>", methods=["GET", "POST"])
def batch_action(batch_id, action):
    if action not in ACTIONS:
        abort(404)
    oversight = _oversight(action)
    if oversight is None:
        abort(404)
    batch = services.get_batch(actor(), batch_id)
    form = Form.from_request() if request.method == "POST" else Form(values={"level": "2"})
    status = 200
    if request.method == "POST":
        reason = str(form.value("reason")).strip()
        if not reason:
            form.errors["reason"] = [gettext("Say why, so the business and the public "
                                             "understand.")]
        if action == "recall" and not str(form.value("level")).strip():
            form.errors["level"] = [gettext("Choose the recall level.")]
        if not form.errors:
            try:
                if action == "recall":
                    oversight.recall(actor(), batch.id, reason, form.value("level"))
                else:
                    getattr(oversight, action)(actor(), batch.id, reason)
                db.session.commit()
                flash({"hold": gettext("The batch is on hold."),
                       "release": gettext("The batch is back in circulation."),
                       "recall": gettext("The batch is recalled.")}[action], "success")
                return redirect(url_for(".trace", code=services.batch_digital_link(batch)), 303)
            except ServiceError as error:
                db.session.rollback()
                status = formkit.apply_error(form, error)
        else:
            status = 422
    return render_template("console/confirm.html", batch=batch, action=action, form=form,
                           title=_action_titles()[action],
                           digital_link=services.batch_digital_link(batch)), status


# --------------------------------------------------------------------------- inbox

REPORT_NEXT = {"new": ("triaged", "closed"), "triaged": ("closed", "new"), "closed": ("new",)}


@bp.route("/inbox")
def inbox():
    """Open consumer reports and suspected copies, to triage."""
    from ..oversight import services as oversight

    return render_template("console/inbox.html", next_states=REPORT_NEXT,
                           **oversight.inbox(actor()))


@bp.route("/reports/<int:report_id>/triage", methods=["POST"])
def triage(report_id):
    from ..oversight import services as oversight

    try:
        oversight.triage_report(actor(), report_id, request.form.get("status", ""),
                                request.form.get("note", ""))
        db.session.commit()
        flash(gettext("Report updated."), "success")
    except NotFound:
        # Outside the inspector's scope (or gone): the same 404 as any record they may not read.
        db.session.rollback()
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(translate(" ".join(m for ms in (error.errors or {}).values() for m in ms)
                        or error.detail), "error")
    return redirect(url_for(".inbox"), 303)


# --------------------------------------------------------------------------- inspections

INSPECTION_SPEC = {"organization_id": "choice", "batch_id": "choice", "date": "date",
                   "place": "str", "result": "choice", "notes": "str"}


def _inspection_labels() -> dict:
    return {"organization_id": gettext("Business inspected"), "batch_id": gettext("Batch"),
            "date": gettext("Date"), "place": gettext("Place"), "result": gettext("Result"),
            "notes": gettext("Findings")}


@bp.route("/inspections")
def inspections():
    oversight = _oversight("list_inspections", "create_inspection")
    if oversight is None:
        abort(404)
    rows = oversight.list_inspections(actor())[:200]
    return render_template("console/inspections.html", inspections=rows)


@bp.route("/inspections/new", methods=["GET", "POST"])
def inspection_new():
    oversight = _oversight("list_inspections", "create_inspection")
    if oversight is None:
        abort(404)
    from ..oversight.schemas import InspectionInput

    form = Form(values={"organization_id": request.args.get("organization_id", ""),
                        "batch_id": request.args.get("batch_id", ""), "result": "compliant"})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        formkit.require_fields(form, {"organization_id": 1})
        try:
            data = services.load(InspectionInput, formkit.payload(form, INSPECTION_SPEC))
            if not form.errors:
                oversight.create_inspection(actor(), data)
                db.session.commit()
                flash(gettext("Inspection recorded."), "success")
                return redirect(url_for(".inspections"), 303)
            status = 422
        except ServiceError as error:
            db.session.rollback()
            status = formkit.apply_error(form, error, field_map={"batch_ids": "batch_id"})
    organizations = [(str(o.id), f"{o.name} ({o.tax_code})") for o in db.session.scalars(
        services.list_organizations(actor(), status="approved"))]
    batches = []
    if str(form.value("organization_id")).isdigit():
        batches = [(str(b.id), f"{b.product.name} — {gettext('lot')} {b.lot}")
                   for b in db.session.scalars(services.list_batches(
                       actor(), organization_id=int(form.value("organization_id"))).limit(200))]
    return render_template("console/inspection_form.html", form=form,
                           labels=_inspection_labels(), organizations=organizations,
                           batches=batches), status
