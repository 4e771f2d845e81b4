"""Administration for the provincial authority: approve businesses, manage inspectors, read the
audit log and watch the sync with the national portal."""

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from ..accounts import services as accounts
from ..accounts.models import User
from ..errors import ServiceError
from ..extensions import db
from ..gateway import outbox
from ..oversight import audit
from ..registry import services as registry
from ..registry.models import Organization
from . import formkit, people
from .access import actor, require_roles
from .formkit import Form
from .paging import page_of

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    return require_roles("admin")


@bp.route("/")
def dashboard():
    pending = db.session.scalar(select(func.count()).select_from(Organization)
                                .where(Organization.status == "pending"))
    inspectors = db.session.scalar(select(func.count()).select_from(User)
                                   .where(User.role == "inspector", User.active.is_(True)))
    organizations = db.session.scalar(select(func.count()).select_from(Organization))
    return render_template("admin/dashboard.html", pending=pending, inspectors=inspectors,
                           organizations=organizations, gateway=outbox.status())


# --------------------------------------------------------------------------- organizations


@bp.route("/organizations")
def organizations():
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "rejected", "all"):
        status = "pending"
    q = request.args.get("q", "").strip()
    query = registry.list_organizations(actor(), q=q or None,
                                        status=None if status == "all" else status)
    return render_template("admin/organizations.html", page=page_of(query), status=status, q=q)


@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
def organization(organization_id):
    org = registry.get_organization(actor(), organization_id)
    form = Form()
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        decision = form.value("decision")
        if decision not in ("approved", "rejected"):
            abort(400)
        try:
            registry.decide_organization(actor(), organization_id, decision,
                                         str(form.value("reason")))
            db.session.commit()
            flash(gettext("%(name)s is approved.", name=org.name) if decision == "approved"
                  else gettext("%(name)s is rejected; the business sees your reason.",
                               name=org.name), "success")
            return redirect(url_for(".organizations"), 303)
        except ServiceError as error:
            db.session.rollback()
            status = formkit.apply_error(form, error)
    members = list(db.session.scalars(select(User).where(User.organization_id == org.id)))
    return render_template("admin/organization.html", org=org, form=form, members=members,
                           sync=outbox.sync_state("organization", org.id)), status


# --------------------------------------------------------------------------- inspectors


def _provinces() -> list[str]:
    return [p for p in db.session.scalars(
        select(Organization.province).distinct().order_by(Organization.province)) if p]


@bp.route("/inspectors")
def inspectors():
    query = select(User).where(User.role == "inspector").order_by(User.active.desc(), User.email)
    return render_template("admin/inspectors.html", page=page_of(query))


@bp.route("/inspectors/new", methods=["GET", "POST"])
def inspector_new():
    form = Form()
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        formkit.require_fields(form, {"email": 1})
        password = str(form.value("password"))
        if not form.errors:
            try:
                user = accounts.create_user(
                    form.value("email"), "inspector", name=str(form.value("name")),
                    password=password or None, actor=actor(),
                    scope_provinces=formkit.lines(form.value("provinces"), commas=True))
                db.session.commit()
                if not password:
                    people.send_set_password_mail(user)
                    flash(gettext("Inspector account created; %(email)s was sent a link to "
                                  "choose a password.", email=user.email), "success")
                else:
                    flash(gettext("Inspector account created."), "success")
                return redirect(url_for(".inspectors"), 303)
            except ServiceError as error:
                db.session.rollback()
                status = formkit.apply_error(form, error, conflict_field="email")
        else:
            status = 422
    return render_template("admin/inspector_form.html", form=form, inspector=None,
                           provinces=_provinces()), status


@bp.route("/inspectors/<int:user_id>", methods=["GET", "POST"])
def inspector_edit(user_id):
    user = accounts.get_inspector(user_id)
    form = Form(values={"name": user.name, "provinces": "\n".join(user.provinces)})
    status = 200
    if request.method == "POST":
        form = Form.from_request()
        try:
            accounts.update_inspector(actor(), user.id, name=str(form.value("name")),
                                    provinces=formkit.lines(form.value("provinces"),
                                                            commas=True))
            db.session.commit()
            flash(gettext("Changes saved."), "success")
            return redirect(url_for(".inspectors"), 303)
        except ServiceError as error:
            db.session.rollback()
            status = formkit.apply_error(form, error)
    return render_template("admin/inspector_form.html", form=form, inspector=user,
                           provinces=_provinces()), status


@bp.route("/inspectors/<int:user_id>/active", methods=["GET", "POST"])
def inspector_active(user_id):
    user = accounts.get_inspector(user_id)
    if request.method == "POST":
        accounts.set_active(actor(), user.id, not user.active)
        db.session.commit()
        flash(gettext("%(email)s can sign in again.", email=user.email) if user.active
              else gettext("%(email)s can no longer sign in or use API keys.", email=user.email),
              "success")
        return redirect(url_for(".inspectors"), 303)
    return render_template("admin/inspector_active.html", inspector=user)


# --------------------------------------------------------------------------- audit log


@bp.route("/audit")
def audit_log():
    # The chain check walks every entry; it runs first because it clears the session.
    report = audit.verify_chain()
    entity_type = request.args.get("entity_type", "").strip()
    entity_id = request.args.get("entity_id", "").strip()
    entity = request.args.get("entity", "").strip()
    if entity and ":" in entity and not entity_type:
        entity_type, _, entity_id = entity.partition(":")
    query = select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())
    if entity_type:
        query = query.where(audit.AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(audit.AuditEntry.entity_id == entity_id)
    page = page_of(query)
    entries = [(entry, json.loads(entry.details or "{}")) for entry in page.items]
    types = list(db.session.scalars(select(audit.AuditEntry.entity_type).distinct()
                                    .order_by(audit.AuditEntry.entity_type)))
    return render_template("admin/audit.html", page=page, entries=entries, report=report,
                           entity_type=entity_type, entity_id=entity_id, types=types)


# --------------------------------------------------------------------------- gateway


@bp.route("/gateway")
def gateway():
    state = request.args.get("state", "dead")
    if state not in ("dead", "rejected", "pending"):
        state = "dead"
    query = select(outbox.OutboxMessage).where(outbox.OutboxMessage.state == state) \
        .order_by(outbox.OutboxMessage.id.desc())
    return render_template("admin/gateway.html", status=outbox.status(), page=page_of(query),
                           state=state)


@bp.route("/gateway/messages/<int:message_id>/requeue", methods=["POST"])
def requeue(message_id):
    message = outbox.requeue(message_id)
    if message is None:
        abort(404)
    audit.record(actor(), "gateway.requeue", "outbox_message", message.id,
                 organization_id=message.organization_id, details={"kind": message.kind})
    db.session.commit()
    flash(gettext("Message %(id)s will be sent again.", id=message_id), "success")
    return redirect(url_for(".gateway", state=request.args.get("state", "dead")), 303)
