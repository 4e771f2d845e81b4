"""The gateway's own routes: tokens, the resources it accepts, reconciliation and trace."""

import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, Response, g, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from . import rules, services
from .models import IdempotencyRecord, Organization, Replay, Token
from .problems import Problem
from .state import current_simulator, utcnow

bp = Blueprint("gateway", __name__)

PUBLIC_ENDPOINTS = frozenset({"gateway.issue_token", "gateway.trace"})
IDEMPOTENCY_KEY_MAX = 255
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 1000
CONFLICT_RETRIES = 3


def json_response(payload: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, headers=headers,
                    mimetype="application/json")


# --- tokens ----------------------------------------------------------------------------------

@bp.post("/oauth/token")
def issue_token():
    simulator = current_simulator()
    params = request.form if request.form else (request.get_json(silent=True) or {})
    if not isinstance(params, dict):
        params = {}
    if params.get("grant_type") != "client_credentials":
        raise Problem(400, "Unsupported grant type", "Use grant_type=client_credentials.",
                      code="unsupported_grant_type", error="unsupported_grant_type")
    client_id, secret = _client_credentials(params)
    expected = simulator.clients.get(client_id or "")
    if expected is None or not hmac.compare_digest(expected.encode(), (secret or "").encode()):
        raise Problem(401, "Invalid client", "Unknown client id or wrong secret.",
                      code="invalid_client", error="invalid_client",
                      headers={"WWW-Authenticate": 'Basic realm="gateway"'})
    ttl = simulator.settings.token_ttl
    now = utcnow()
    token = secrets.token_urlsafe(32)
    with simulator.database.session() as session, session.begin():
        session.execute(delete(Token).where(Token.expires_at < now))
        session.add(Token(token=token, client_id=client_id,
                          expires_at=now + timedelta(seconds=ttl)))
    return json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": math.ceil(ttl)},
        headers={"Cache-Control": "no-store"},
    )


def _client_credentials(params) -> tuple[str | None, str | None]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return params.get("client_id"), params.get("client_secret")


def authenticate() -> None:
    """Resolve the bearer token into ``g.client_id``; 401 when missing, unknown or expired."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("missing_token", "A bearer token is required.")
    with current_simulator().database.session() as session:
        found = session.get(Token, token.strip())
    if found is None:
        raise _unauthorized("invalid_token", "The token is unknown.")
    if found.expires_at <= utcnow():
        raise _unauthorized("token_expired", "The token has expired; fetch a new one.")
    g.client_id = found.client_id


def _unauthorized(code: str, detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, code=code, headers={
        "WWW-Authenticate": f'Bearer realm="gateway", error="invalid_token", '
                            f'error_description="{detail}"'})


def rate_limit_key() -> str:
    if getattr(g, "client_id", None):
        return "client:" + g.client_id
    if request.endpoint == "gateway.issue_token":
        return "token:" + str(request.form.get("client_id") or request.remote_addr)
    return "address:" + str(request.remote_addr)


# --- idempotent writes -----------------------------------------------------------------------

def _canonical(body: object) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def idempotent_write(kind: str, apply: Callable[[services.WriteContext, object], tuple]):
    """Apply a write once per idempotency key; a replay answers the first answer again.

    Only successful answers are kept: a write refused for a missing dependency (409) or
    incomplete data (422) may be sent again under the same key once the cause is fixed.
    """
    simulator = current_simulator()
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise Problem(400, "Idempotency-Key required", "Every write carries an Idempotency-Key.",
                      code="idempotency_key_missing")
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise Problem(400, "Idempotency-Key too long",
                      f"At most {IDEMPOTENCY_KEY_MAX} characters.", code="idempotency_key_invalid")
    try:
        body = json.loads(request.get_data() or b"null", parse_constant=_no_constants)
    except ValueError as error:
        raise Problem(400, "Malformed JSON", str(error), code="malformed_json") from None
    fingerprint = hashlib.sha256(
        f"{request.method} {request.path}\n{_canonical(body)}".encode()
    ).hexdigest()
    attempts = 0
    while True:
        try:
            return _apply_once(simulator, kind, g.client_id, key, fingerprint, body, apply)
        except IntegrityError:
            # Another process applied the same key or record first: decide again.
            attempts += 1
            if attempts >= CONFLICT_RETRIES:
                raise


def _apply_once(simulator, kind: str, client_id: str, key: str, fingerprint: str, body: object,
                apply: Callable[[services.WriteContext, object], tuple]) -> Response:
    with simulator.write_lock, simulator.database.session() as session, session.begin():
        record = session.get(IdempotencyRecord, (client_id, key))
        if record is not None:
            if record.fingerprint != fingerprint:
                raise Problem(422, "Idempotency key reused",
                              "This Idempotency-Key was used for a different request.",
                              code="idempotency_key_reused")
            session.add(Replay(kind=record.kind, client_id=client_id, idempotency_key=key,
                               at=utcnow()))
            return Response(record.body, status=record.status,
                            headers={"Idempotent-Replayed": "true"},
                            mimetype="application/json")
        context = services.WriteContext(session, client_id, key, utcnow(),
                                        simulator.settings.auto_activate_after)
        status, payload = apply(context, body)
        text = json.dumps(payload, ensure_ascii=False)
        session.add(IdempotencyRecord(client_id=client_id, key=key, fingerprint=fingerprint,
                                      kind=kind, status=status, body=text,
                                      created_at=context.now))
    return Response(text, status=status, mimetype="application/json")


# --- resources -------------------------------------------------------------------------------

@bp.put("/organizations/<tax_code>")
def put_organization(tax_code: str):
    rules.require_tax_code(tax_code)
    return idempotent_write("organization", lambda ctx, body: services.put_organization(
        ctx, tax_code, rules.require_object(body)))


@bp.get("/organizations/<tax_code>")
def get_organization(tax_code: str):
    simulator = current_simulator()
    with simulator.database.session() as session:
        organization = session.get(Organization, rules.require_tax_code(tax_code))
        if organization is None:
            raise Problem(404, "Organization not found", code="not_found")
        status = services.effective_status(
            organization, simulator.settings.auto_activate_after, utcnow())
        return json_response(services.organization_view(organization, status))


@bp.put("/locations/<gln>")
def put_location(gln: str):
    rules.require_gln(gln)
    return idempotent_write("location", lambda ctx, body: services.put_location(
        ctx, gln, rules.require_object(body)))


@bp.put("/products/<gtin>")
def put_product(gtin: str):
    gtin = rules.require_gtin(gtin)
    return idempotent_write("product", lambda ctx, body: services.put_product(
        ctx, gtin, rules.require_object(body)))


@bp.put("/lots/<gtin>/<rest:lot>")
def put_lot(gtin: str, lot: str):
    gtin = rules.require_gtin(gtin)
    rules.require_lot(lot)
    return idempotent_write("lot", lambda ctx, body: services.put_lot(
        ctx, gtin, lot, rules.require_object(body)))


@bp.post("/events")
def post_events():
    return idempotent_write("event", services.post_events)


@bp.put("/certificates/<rest:number>")
def put_certificate(number: str):
    if len(number) > 200:
        raise Problem(422, "Invalid certificate number", code="validation_failed",
                      errors={"soChungNhan": ["At most 200 characters."]})
    return idempotent_write("certificate", lambda ctx, body: services.put_certificate(
        ctx, number, rules.require_object(body)))


@bp.post("/recalls")
def post_recall():
    return idempotent_write("recall", lambda ctx, body: services.post_recall(
        ctx, rules.require_object(body)))


@bp.get("/lots")
def list_lots():
    errors: dict[str, list[str]] = {}
    tax_code = request.args.get("maSoThue") or None
    if tax_code is not None and not rules.valid_tax_code(tax_code):
        errors["maSoThue"] = ["Not a valid tax code."]
    since = None
    if request.args.get("since"):
        since = rules.parse_instant(request.args["since"])
        if since is None:
            errors["since"] = ["Must be an ISO 8601 date or date-time."]
    after = _whole_number(request.args.get("cursor"), 0, "cursor", errors)
    limit = _whole_number(request.args.get("limit"), PAGE_SIZE_DEFAULT, "limit", errors)
    if not 1 <= limit <= PAGE_SIZE_MAX:
        errors.setdefault("limit", []).append(f"Between 1 and {PAGE_SIZE_MAX}.")
    if errors:
        raise Problem(400, "Invalid query", code="invalid_query", errors=errors)
    with current_simulator().database.session() as session:
        items, next_version = services.list_lots(session, tax_code, since, after, limit)
    return json_response({
        "items": items,
        "nextCursor": None if next_version is None else str(next_version),
    })


def _whole_number(raw: str | None, default: int, name: str, errors: dict) -> int:
    if raw in (None, ""):
        return default
    if raw.isascii() and raw.isdigit():
        return int(raw)
    errors.setdefault(name, []).append("Must be a whole number.")
    return default


@bp.get("/trace/01/<gtin>/10/<rest:lot>")
def trace(gtin: str, lot: str):
    simulator = current_simulator()
    with simulator.database.session() as session:
        view = services.trace(session, rules.require_gtin(gtin), lot,
                              simulator.settings.auto_activate_after, utcnow())
    return json_response(view)
