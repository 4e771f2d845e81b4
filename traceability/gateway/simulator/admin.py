"""The ``/_sim`` admin surface: activate, misbehave, inspect, reset. Never faulted."""

import hmac

from flask import Blueprint, request
from sqlalchemy import func, select

from . import rules, services
from .models import (
    AppliedWrite,
    Certificate,
    DuplicateEvent,
    Event,
    Location,
    Lot,
    Organization,
    Product,
    Recall,
    Replay,
)
from .problems import Problem
from .resources import json_response
from .state import current_simulator, utcnow

bp = Blueprint("sim_admin", __name__, url_prefix="/_sim")

RECORD_KINDS = {
    "organizations": (Organization, Organization.ma_so_thue),
    "locations": (Location, Location.gln),
    "products": (Product, Product.gtin),
    "lots": (Lot, Lot.version),
    "events": (Event, Event.received_at),
    "certificates": (Certificate, Certificate.so_chung_nhan),
    "recalls": (Recall, Recall.id),
}


@bp.before_request
def require_admin_token():
    expected = current_simulator().admin_token
    given = request.headers.get("X-Sim-Admin-Token", "")
    if expected and not hmac.compare_digest(expected.encode(), given.encode()):
        raise Problem(401, "Admin token required", "Send X-Sim-Admin-Token.",
                      code="admin_token_required")


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object", code="malformed_body")
    return body


@bp.post("/organizations/<tax_code>/activate")
def activate_organization(tax_code: str):
    simulator = current_simulator()
    with simulator.write_lock, simulator.database.session() as session, session.begin():
        organization = session.get(Organization, rules.require_tax_code(tax_code))
        if organization is None:
            raise Problem(404, "Organization not found",
                          f"The gateway holds no organization {tax_code}.", code="not_found")
        services.activate(organization, utcnow())
        return json_response(services.organization_view(organization))


@bp.get("/config")
def read_config():
    return json_response(_config_view())


@bp.post("/config")
def change_config():
    try:
        current_simulator().configure(_json_object())
    except ValueError as error:
        raise Problem(400, "Invalid settings", str(error), code="invalid_settings") from None
    return json_response(_config_view())


def _config_view() -> dict:
    settings = current_simulator().settings
    return {"token_ttl": settings.token_ttl, "rate_limit": settings.rate_limit,
            "auto_activate_after": settings.auto_activate_after}


@bp.get("/faults")
def read_faults():
    return json_response(current_simulator().faults.snapshot())


@bp.post("/faults")
def change_faults():
    try:
        current_simulator().faults.configure(_json_object())
    except ValueError as error:
        raise Problem(400, "Invalid fault settings", str(error), code="invalid_settings") from None
    return json_response(current_simulator().faults.snapshot())


@bp.delete("/faults")
def clear_faults():
    simulator = current_simulator()
    simulator.faults.clear(simulator.seed)
    return json_response(simulator.faults.snapshot())


@bp.post("/reset")
def reset():
    current_simulator().reset()
    return json_response({"reset": True})


@bp.get("/state")
def state():
    """What the gateway received: counts, the applied log, replays and duplicates.

    ``?log_after=N`` returns only applied-log entries after sequence number N.
    """
    simulator = current_simulator()
    log_after = request.args.get("log_after", "0")
    if not log_after.isdigit():
        raise Problem(400, "Invalid query", code="invalid_query",
                      errors={"log_after": ["Must be a whole number."]})
    now = utcnow()
    with simulator.database.session() as session:
        counts = {name: session.scalar(select(func.count()).select_from(model))
                  for name, (model, _) in RECORD_KINDS.items()}
        log = session.scalars(
            select(AppliedWrite).where(AppliedWrite.seq > int(log_after))
            .order_by(AppliedWrite.seq)
        )
        applied_log = [
            {"seq": entry.seq, "kind": entry.kind, "key": entry.key,
             "client_id": entry.client_id, "idempotency_key": entry.idempotency_key,
             "at": services.iso(entry.applied_at)}
            for entry in log
        ]
        replays = dict(session.execute(
            select(Replay.kind, func.count()).group_by(Replay.kind)).all())
        duplicate_events = session.scalar(select(func.count()).select_from(DuplicateEvent))
        organizations = {
            organization.ma_so_thue: services.effective_status(
                organization, simulator.settings.auto_activate_after, now)
            for organization in session.scalars(select(Organization))
        }
    return json_response({
        "counts": counts,
        "applied_log": applied_log,
        "replays": {"total": sum(replays.values()), "by_kind": replays},
        "duplicates": {"events": duplicate_events},
        "organizations": organizations,
        "config": _config_view(),
        "faults": simulator.faults.snapshot(),
    })


@bp.get("/records/<kind>")
def records(kind: str):
    """Every record of one kind as the gateway holds it (for assertions in tests)."""
    if kind not in RECORD_KINDS:
        raise Problem(404, "Unknown kind", f"One of: {', '.join(RECORD_KINDS)}.",
                      code="not_found")
    model, order = RECORD_KINDS[kind]
    simulator = current_simulator()
    now = utcnow()
    with simulator.database.session() as session:
        rows = list(session.scalars(select(model).order_by(order)))
        items = [_record_view(row, simulator, now) for row in rows]
    return json_response({"items": items})


def _record_view(row, simulator, now) -> dict:
    if isinstance(row, Organization):
        return services.organization_view(
            row, services.effective_status(row, simulator.settings.auto_activate_after, now))
    if isinstance(row, Location):
        return {**row.data, "gln": row.gln}
    if isinstance(row, Product):
        return {**row.data, "gtin": row.gtin}
    if isinstance(row, Lot):
        return services.lot_view(row)
    if isinstance(row, Event):
        return row.data
    if isinstance(row, Certificate):
        return {**row.data, "soChungNhan": row.so_chung_nhan}
    return services.recall_view(row)
