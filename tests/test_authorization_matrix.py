"""Who may call what: every route of ``app.url_map`` × every role, against one world.

The cases are generated from the route table, so a route added without saying who may call it
fails here, by name, until it is added to ``MATRIX`` below. Each entry names the route's access
policy (which outcome each role gets) and how to call it: the record ids come from the world
(``tests/authorization_world.py``), and bodies are valid enough that the request gets past the
schema to the service, which is where authorization is decided.

Outcomes, as the project answers them:

- allowed: 2xx or 3xx, or 400 / 409 / 422 about the request itself (authorization passed);
- sign in: 401 on the API, a redirect to the sign-in page on the web pages;
- 403: the role may never do this (answered before anything is looked up, so it tells
  nothing about the record);
- 404: the record is outside what the account may read (its existence is not revealed);
- 422 "not found": a record named in the body that the account may not read (the body's
  field says it was not found, as for an id that does not exist).

A list a role may call but whose rows must exclude the owner's records is checked for a string
only the owner's records carry (``marker``): it must appear for those who may read the owner's
records and must not for the others. No case ever answers 5xx.

The API takes no CSRF token, so it must not take the session cookie either: every API route is
also called with an administrator's session and no key, and must answer as to anonymous.

Roles call the API with their key and the pages with a signed-in session (set directly, as
Flask-Login keeps it, rather than by posting passwords a thousand times). The world is built
once and copied back before every case, so a case may change anything it is allowed to.
"""

import io
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import pytest

from tests import authorization_world as worlds
from tests.authorization_world import (
    OWNER_CERTIFICATE,
    OWNER_GLN,
    OWNER_GTIN,
    OWNER_INSPECTION,
    OWNER_LOT,
    OWNER_NOTICE_TARGET,
    OWNER_REPORT,
    OWNER_TAX_CODE,
    PASSWORD,
    ROLES,
    with_check_digit,
)
from tests.conftest import TEST_CONFIG, clean_tables
from traceability import create_app, gs1
from traceability.extensions import db

ALLOW = "allowed"
BLIND = "allowed, without the owner's records"
LOGIN = "sign in"
FORBIDDEN = "403"
HIDDEN = "404"
UNKNOWN_REFERENCE = "422 not found"


@dataclass(frozen=True)
class Policy:
    name: str
    outcomes: dict

    def __post_init__(self):
        assert set(self.outcomes) == set(ROLES), self.name


def policy(name: str, anonymous=LOGIN, **outcomes) -> Policy:
    return Policy(name, {"anonymous": anonymous, **outcomes})


def everyone(outcome: str) -> dict:
    return {role: outcome for role in ROLES if role != "anonymous"}


# ----------------------------------------------------------------------------- API policies

PUBLIC = policy("PUBLIC", anonymous=ALLOW, **everyone(ALLOW))
AUTHENTICATED = policy("AUTHENTICATED", **everyone(ALLOW))
ADMIN_ONLY = policy("ADMIN_ONLY", **{**everyone(FORBIDDEN), "admin": ALLOW})
INSPECTOR_OR_ADMIN = policy("INSPECTOR_OR_ADMIN", owner=FORBIDDEN, other=FORBIDDEN,
                            pending=FORBIDDEN, inspector_in=ALLOW, inspector_out=ALLOW,
                            admin=ALLOW)
# Records of the owner, read by its own people and by the inspectors whose scope takes it in.
OWNER_OR_OVERSIGHT = policy("OWNER_OR_OVERSIGHT", owner=ALLOW, other=HIDDEN, pending=HIDDEN,
                            inspector_in=ALLOW, inspector_out=HIDDEN, admin=ALLOW)
# A list anyone signed in may ask for; it holds only what each may read.
VISIBLE_ROWS = policy("VISIBLE_ROWS", owner=ALLOW, other=BLIND, pending=BLIND,
                      inspector_in=ALLOW, inspector_out=BLIND, admin=ALLOW)
INSPECTOR_OR_ADMIN_ROWS = policy("INSPECTOR_OR_ADMIN_ROWS", owner=FORBIDDEN, other=FORBIDDEN,
                                 pending=FORBIDDEN, inspector_in=ALLOW, inspector_out=BLIND,
                                 admin=ALLOW)
# Changing the owner's records: its own (approved) business, or an administrator. Inspectors
# read them but never change them.
OWNER_OR_ADMIN = policy("OWNER_OR_ADMIN", owner=ALLOW, other=HIDDEN, pending=HIDDEN,
                        inspector_in=FORBIDDEN, inspector_out=HIDDEN, admin=ALLOW)
# Creating a record for the owner (the body names organization_id).
OWNER_OR_ADMIN_CREATE = policy("OWNER_OR_ADMIN_CREATE", owner=ALLOW, other=HIDDEN,
                               pending=HIDDEN, inspector_in=FORBIDDEN,
                               inspector_out=FORBIDDEN, admin=ALLOW)
# Creating a batch of the owner's product (the body names product_id).
OWNER_OR_ADMIN_CREATE_FROM = policy("OWNER_OR_ADMIN_CREATE_FROM", owner=ALLOW,
                                    other=UNKNOWN_REFERENCE, pending=UNKNOWN_REFERENCE,
                                    inspector_in=FORBIDDEN, inspector_out=UNKNOWN_REFERENCE,
                                    admin=ALLOW)
# An EPCIS event about the owner's batch, by someone who is not a party of it.
EVENT_RECORDER = policy("EVENT_RECORDER", owner=ALLOW, other=FORBIDDEN, pending=FORBIDDEN,
                        inspector_in=FORBIDDEN, inspector_out=FORBIDDEN, admin=ALLOW)
# Decisions of the authority about the owner's batch: inspectors within their scope, admins.
INSPECTOR_IN_SCOPE_OR_ADMIN = policy("INSPECTOR_IN_SCOPE_OR_ADMIN", owner=FORBIDDEN,
                                     other=FORBIDDEN, pending=FORBIDDEN, inspector_in=ALLOW,
                                     inspector_out=HIDDEN, admin=ALLOW)
# An inspection record: the owner reads it but may not change it.
INSPECTION_EDITOR = policy("INSPECTION_EDITOR", owner=FORBIDDEN, other=HIDDEN, pending=HIDDEN,
                           inspector_in=ALLOW, inspector_out=HIDDEN, admin=ALLOW)
KEY_HOLDER_OR_ADMIN = policy("KEY_HOLDER_OR_ADMIN", owner=ALLOW, other=HIDDEN, pending=HIDDEN,
                             inspector_in=HIDDEN, inspector_out=HIDDEN, admin=ALLOW)
# A recall notice is acknowledged by the business it was sent to (or an administrator for it);
# an inspector acknowledging would make the recall report say the business knows.
ADDRESSEE_OR_ADMIN = policy("ADDRESSEE_OR_ADMIN", owner=ALLOW, other=HIDDEN, pending=HIDDEN,
                            inspector_in=FORBIDDEN, inspector_out=FORBIDDEN, admin=ALLOW)
SELF_REGISTRATION_OR_ADMIN = policy("SELF_REGISTRATION_OR_ADMIN", anonymous=ALLOW,
                                    **{**everyone(FORBIDDEN), "admin": ALLOW})

# ----------------------------------------------------------------------------- page policies

PORTAL = policy("PORTAL", owner=ALLOW, other=ALLOW, pending=ALLOW, inspector_in=FORBIDDEN,
                inspector_out=FORBIDDEN, admin=FORBIDDEN)
PORTAL_ROWS = policy("PORTAL_ROWS", **{**PORTAL.outcomes, "anonymous": LOGIN, "other": BLIND,
                                       "pending": BLIND})
PORTAL_RECORD = policy("PORTAL_RECORD", **{**PORTAL.outcomes, "anonymous": LOGIN,
                                           "other": HIDDEN, "pending": HIDDEN})
# A form that adds to the business's own organization: refused until it is approved.
PORTAL_CREATE = policy("PORTAL_CREATE", **{**PORTAL.outcomes, "anonymous": LOGIN,
                                           "pending": FORBIDDEN})
PORTAL_CREATE_FROM = policy("PORTAL_CREATE_FROM", **{
    **PORTAL.outcomes, "anonymous": LOGIN, "other": UNKNOWN_REFERENCE,
    "pending": UNKNOWN_REFERENCE})
CONSOLE = policy("CONSOLE", owner=FORBIDDEN, other=FORBIDDEN, pending=FORBIDDEN,
                 inspector_in=ALLOW, inspector_out=ALLOW, admin=ALLOW)
CONSOLE_ROWS = policy("CONSOLE_ROWS", **{**CONSOLE.outcomes, "anonymous": LOGIN,
                                         "inspector_out": BLIND})
CONSOLE_RECORD = policy("CONSOLE_RECORD", **{**CONSOLE.outcomes, "anonymous": LOGIN,
                                             "inspector_out": HIDDEN})
ADMIN_PAGES = policy("ADMIN_PAGES", **ADMIN_ONLY.outcomes | {"anonymous": LOGIN})


# ----------------------------------------------------------------------------- how to call


@dataclass(frozen=True)
class Route:
    """A route's policy and the request that exercises it (callables take the world)."""

    policy: Policy
    args: dict | None = None
    query: object = None
    json: object = None
    form: object = None
    headers: dict | None = None
    marker: object = None


def _value(spec, world):
    return spec(world) if callable(spec) else spec


def _today() -> str:
    return date.today().isoformat()


def _lgtin(gtin: str, lot: str) -> str:
    return gs1.elements_to_epc_uri([("01", gtin), ("10", lot)], 7)


def _receiving_event(world) -> dict:
    return {"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
            "type": "ObjectEvent", "eventTime": "2026-03-02T08:00:00+07:00",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "receiving",
            "quantityList": [{"epcClass": _lgtin(OWNER_GTIN, OWNER_LOT), "quantity": 10,
                              "uom": "KGM"}],
            "readPoint": {"id": f"https://id.gs1.org/414/{OWNER_GLN}"},
            "bizLocation": {"id": f"https://id.gs1.org/414/{OWNER_GLN}"}}


def _epcis_document(world) -> dict:
    event = _receiving_event(world)
    context = event.pop("@context")
    return {"@context": context, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-05-01T00:00:00Z", "epcisBody": {"eventList": [event]}}


NEW_GTIN = "0" + with_check_digit("893000100002")
NEW_GLN = with_check_digit("893000100020")
BRACKETED = f"(01){OWNER_GTIN}(10){OWNER_LOT}"
IF_MATCH_ANY = {"If-Match": "*"}
STOCK = "a4-3x8-70x37"


def _products_csv(world):
    return {"file": (io.BytesIO(f"gtin,name\n{NEW_GTIN},Hành phi\n".encode()), "products.csv"),
            "organization_id": str(world.organization), "dry_run": "1"}


def _batches_csv(world):
    return {"file": (io.BytesIO(f"gtin,lot\n{OWNER_GTIN},AUTHZ-NEW-LOT\n".encode()),
                     "batches.csv"), "organization_id": str(world.organization), "dry_run": "1"}


def _portal_products_csv(world):
    return {"kind": "products", "dry_run": "1",
            "file": (io.BytesIO(f"gtin,name\n{NEW_GTIN},Hành phi\n".encode()), "products.csv")}


MATRIX: dict[tuple[str, str], Route] = {
    # ------------------------------------------------------------------ accounts (API)
    ("accounts.me", "GET"): Route(AUTHENTICATED),
    ("accounts.list_keys", "GET"): Route(AUTHENTICATED),
    ("accounts.create_key", "POST"): Route(AUTHENTICATED, json={"name": "matrix"}),
    ("accounts.revoke_key", "POST"): Route(KEY_HOLDER_OR_ADMIN),
    ("accounts.create_user", "POST"): Route(
        ADMIN_ONLY, json={"email": "new-inspector@example.vn", "role": "inspector"}),
    # ------------------------------------------------------------------ registry (API)
    ("registry.create_organization", "POST"): Route(SELF_REGISTRATION_OR_ADMIN, json={
        "name": "HTX Mới Thừa Thiên Huế", "tax_code": "3300111222", "kind": "cooperative",
        "address": "Phú Vang", "province": "Huế", "gs1_company_prefixes": ["8930009"],
        "account_email": "new-coop@example.vn"}),
    ("registry.list_organizations", "GET"): Route(VISIBLE_ROWS, marker=OWNER_TAX_CODE),
    ("registry.get_organization", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("registry.update_organization", "PATCH"): Route(
        OWNER_OR_ADMIN, json={"phone": "0299 3861 234"}, headers=IF_MATCH_ANY),
    ("registry.approve_organization", "POST"): Route(
        ADMIN_ONLY, args={"organization_id": lambda w: w.pending_organization}, json={}),
    ("registry.reject_organization", "POST"): Route(
        ADMIN_ONLY, args={"organization_id": lambda w: w.pending_organization},
        json={"reason": "Mã số thuế không khớp"}),
    ("registry.create_location", "POST"): Route(OWNER_OR_ADMIN_CREATE, json=lambda w: {
        "organization_id": w.organization, "name": "Kho lạnh", "type": "warehouse",
        "gln": NEW_GLN}),
    ("registry.list_locations", "GET"): Route(VISIBLE_ROWS, marker=OWNER_GLN),
    ("registry.get_location", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("registry.update_location", "PATCH"): Route(
        OWNER_OR_ADMIN, json={"address": "Ấp Vĩnh Hiệp"}, headers=IF_MATCH_ANY),
    ("registry.create_product", "POST"): Route(OWNER_OR_ADMIN_CREATE, json=lambda w: {
        "organization_id": w.organization, "gtin": NEW_GTIN, "name": "Hành phi"}),
    ("registry.list_products", "GET"): Route(VISIBLE_ROWS, marker=OWNER_GTIN),
    ("registry.get_product", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("registry.update_product", "PATCH"): Route(
        OWNER_OR_ADMIN, json={"brand": "Vĩnh Châu"}, headers=IF_MATCH_ANY),
    ("registry.create_batch", "POST"): Route(OWNER_OR_ADMIN_CREATE_FROM, json=lambda w: {
        "product_id": w.product, "lot": "AUTHZ-NEW-LOT"}),
    ("registry.list_batches", "GET"): Route(VISIBLE_ROWS, marker=OWNER_LOT),
    ("registry.get_batch", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("registry.update_batch", "PATCH"): Route(
        OWNER_OR_ADMIN, json={"notes": "Đã phân loại"}, headers=IF_MATCH_ANY),
    ("registry.delete_batch", "DELETE"): Route(OWNER_OR_ADMIN),
    ("registry.void_batch", "POST"): Route(OWNER_OR_ADMIN, json={"reason": "Nhập nhầm"}),
    ("registry.create_certificate", "POST"): Route(OWNER_OR_ADMIN_CREATE, json=lambda w: {
        "organization_id": w.organization, "type": "vietgap", "number": "VG-AUTHZ-NEW",
        "issuer": "QUACERT", "valid_from": "2026-01-01"}),
    ("registry.list_certificates", "GET"): Route(VISIBLE_ROWS, marker=OWNER_CERTIFICATE),
    ("registry.get_certificate", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("registry.update_certificate", "PATCH"): Route(
        OWNER_OR_ADMIN, json={"issuer": "QUACERT Việt Nam"}, headers=IF_MATCH_ANY),
    ("registry.import_products", "POST"): Route(OWNER_OR_ADMIN_CREATE, form=_products_csv),
    ("registry.import_batches", "POST"): Route(OWNER_OR_ADMIN_CREATE, form=_batches_csv),
    # ------------------------------------------------------------------ events (API)
    ("events.capture_event", "POST"): Route(EVENT_RECORDER, json=_receiving_event),
    ("events.capture_document", "POST"): Route(EVENT_RECORDER, json=_epcis_document),
    ("events.query_events", "GET"): Route(VISIBLE_ROWS, marker=OWNER_LOT),
    ("events.run_query", "POST"): Route(VISIBLE_ROWS, json={"eventType": ["ObjectEvent"]},
                                        marker=OWNER_LOT),
    ("events.get_event", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("events.event_templates", "GET"): Route(PUBLIC),
    ("events.batch_chain", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("events.batch_journey", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("events.batch_mass_balance", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("events.batch_epcis", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("events.batch_passport", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("events.record_stage", "POST"): Route(OWNER_OR_ADMIN, json={
        "template": "fresh_produce", "stage": "planting", "event_time": "2026-03-05T08:00:00",
        "fields": {"crop_variety": "Hành tím"}}),
    # ------------------------------------------------------------------ labels (API)
    ("labels.batch_qr", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.serial_qr", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.batch_barcode", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.product_barcode", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.issue_serials", "POST"): Route(OWNER_OR_ADMIN, json={"count": 1}),
    ("labels.print_runs", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.run_serials", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.void_serials", "POST"): Route(OWNER_OR_ADMIN, json=lambda w: {
        "serials": [w.serial], "reason": "Tem rách"}),
    ("labels.labels_pdf", "GET"): Route(OWNER_OR_ADMIN, query={"copies": 1}),
    ("labels.start_job", "POST"): Route(OWNER_OR_ADMIN, json={"copies": 1}),
    ("labels.job_status", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.job_pdf", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("labels.label_stocks", "GET"): Route(PUBLIC),
    # ------------------------------------------------------------------ resolver (API)
    ("resolver.scan_stats", "GET"): Route(VISIBLE_ROWS, marker=OWNER_LOT),
    ("resolver.list_copy_alerts", "GET"): Route(VISIBLE_ROWS, marker=lambda w: w.serial),
    ("resolver.get_copy_alert", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("resolver.close_copy_alert", "POST"): Route(OWNER_OR_OVERSIGHT,
                                                 json={"note": "Tem in lại, đã hủy tem cũ"}),
    # ------------------------------------------------------------------ oversight (API)
    ("oversight.parse_code", "POST"): Route(PUBLIC, json={"code": BRACKETED}),
    ("oversight.trace", "GET"): Route(OWNER_OR_OVERSIGHT, query={"code": BRACKETED}),
    ("oversight.hold", "POST"): Route(INSPECTOR_IN_SCOPE_OR_ADMIN,
                                      json={"reason": "Chờ kết quả mẫu"}),
    ("oversight.release", "POST"): Route(INSPECTOR_IN_SCOPE_OR_ADMIN,
                                         json={"reason": "Mẫu đạt"}),
    ("oversight.recall", "POST"): Route(INSPECTOR_IN_SCOPE_OR_ADMIN,
                                        json={"reason": "Dư lượng vượt mức", "level": "2"}),
    ("oversight.recall_report", "GET"): Route(INSPECTOR_IN_SCOPE_OR_ADMIN),
    ("oversight.list_notices", "GET"): Route(VISIBLE_ROWS, marker=OWNER_NOTICE_TARGET),
    ("oversight.acknowledge", "POST"): Route(ADDRESSEE_OR_ADMIN),
    ("oversight.create_inspection", "POST"): Route(INSPECTOR_IN_SCOPE_OR_ADMIN, json=lambda w: {
        "organization_id": w.organization, "result": "compliant", "date": _today()}),
    ("oversight.list_inspections", "GET"): Route(VISIBLE_ROWS, marker=OWNER_INSPECTION),
    ("oversight.get_inspection", "GET"): Route(OWNER_OR_OVERSIGHT),
    ("oversight.update_inspection", "PATCH"): Route(INSPECTION_EDITOR,
                                                    json={"notes": "Đã lấy mẫu"}),
    ("oversight.audit_log", "GET"): Route(VISIBLE_ROWS, marker=OWNER_LOT),
    ("oversight.list_reports", "GET"): Route(INSPECTOR_OR_ADMIN_ROWS, marker=OWNER_REPORT),
    ("oversight.triage_report", "POST"): Route(INSPECTOR_IN_SCOPE_OR_ADMIN,
                                               json={"status": "triaged"}),
    # ------------------------------------------------------------------ gateway (API)
    ("gateway.gateway_status", "GET"): Route(INSPECTOR_OR_ADMIN),
    ("gateway.list_messages", "GET"): Route(VISIBLE_ROWS, marker=OWNER_LOT),
    ("gateway.sync_state", "GET"): Route(OWNER_OR_OVERSIGHT,
                                         query=lambda w: {"kind": "batch", "id": w.batch}),
    ("gateway.retry_message", "POST"): Route(ADMIN_ONLY),
    # ------------------------------------------------------------------ public site
    ("web.index", "GET"): Route(PUBLIC),
    ("web.healthz", "GET"): Route(PUBLIC),
    ("web.readyz", "GET"): Route(PUBLIC),
    ("web.set_language", "GET"): Route(PUBLIC),
    ("web.swagger_static", "GET"): Route(PUBLIC, args={"filename": "swagger-ui.css"}),
    ("static", "GET"): Route(PUBLIC, args={"filename": "app.css"}),
    ("api-docs.openapi_json", "GET"): Route(PUBLIC),
    ("api-docs.openapi_swagger_ui", "GET"): Route(PUBLIC),
    ("ops.metrics", "GET"): Route(PUBLIC),
    ("accounts_web.login", "GET"): Route(PUBLIC),
    ("accounts_web.login", "POST"): Route(PUBLIC, form={"email": "owner@example.vn",
                                                        "password": PASSWORD}),
    ("accounts_web.logout", "POST"): Route(AUTHENTICATED),
    ("accounts_web.register", "GET"): Route(PUBLIC),
    ("accounts_web.register", "POST"): Route(PUBLIC, form={}),
    ("accounts_web.forgot_password", "GET"): Route(PUBLIC),
    ("accounts_web.forgot_password", "POST"): Route(PUBLIC,
                                                    form={"email": "nobody@example.vn"}),
    ("accounts_web.reset_password", "GET"): Route(PUBLIC),
    ("accounts_web.reset_password", "POST"): Route(PUBLIC, form={
        "password": "short", "password_confirm": "short"}),
    ("oversight_pages.acknowledge", "GET"): Route(
        PUBLIC, query=lambda w: {"token": w.notice_token}),
    ("oversight_pages.acknowledge", "POST"): Route(
        PUBLIC, form=lambda w: {"token": w.notice_token, "name": "Chị Lan"}),
    # ------------------------------------------------------------------ resolver (public)
    ("resolver_web.resolve", "GET"): Route(PUBLIC),
    ("resolver_web.resolve_compressed", "GET"): Route(PUBLIC),
    ("resolver_web.resolver_description", "GET"): Route(PUBLIC),
    ("resolver_web.page", "GET"): Route(PUBLIC),
    ("resolver_web.recall_status", "GET"): Route(PUBLIC),
    ("resolver_web.report", "GET"): Route(PUBLIC),
    ("resolver_web.report", "POST"): Route(PUBLIC, form={}),
    ("resolver_web.static", "GET"): Route(PUBLIC, args={"filename": "scan.css"}),
    # ------------------------------------------------------------------ business portal
    ("web.portal.dashboard", "GET"): Route(PORTAL_ROWS, marker=OWNER_LOT),
    ("web.portal.products", "GET"): Route(PORTAL_ROWS, marker=OWNER_GTIN),
    ("web.portal.product_new", "GET"): Route(PORTAL),
    ("web.portal.product_new", "POST"): Route(PORTAL_CREATE, form={
        "gtin": NEW_GTIN, "name": "Hành phi", "sector": "other"}),
    ("web.portal.product_detail", "GET"): Route(PORTAL_RECORD),
    ("web.portal.product_edit", "GET"): Route(PORTAL_RECORD),
    ("web.portal.product_edit", "POST"): Route(PORTAL_RECORD, form=lambda w: {
        "name": "Hành tím", "version": w.versions["product"]}),
    ("web.portal.locations", "GET"): Route(PORTAL_ROWS, marker=OWNER_GLN),
    ("web.portal.location_new", "GET"): Route(PORTAL),
    ("web.portal.location_new", "POST"): Route(PORTAL_CREATE, form={
        "name": "Kho lạnh", "type": "warehouse", "gln": NEW_GLN}),
    ("web.portal.location_edit", "GET"): Route(PORTAL_RECORD),
    ("web.portal.location_edit", "POST"): Route(PORTAL_RECORD, form=lambda w: {
        "name": "Vùng trồng", "version": w.versions["location"]}),
    ("web.portal.batches", "GET"): Route(PORTAL_ROWS, marker=OWNER_LOT),
    ("web.portal.batch_new", "GET"): Route(PORTAL),
    ("web.portal.batch_new", "POST"): Route(PORTAL_CREATE_FROM, form=lambda w: {
        "product_id": str(w.product), "lot": "AUTHZ-NEW-LOT"}),
    ("web.portal.batch_detail", "GET"): Route(PORTAL_RECORD),
    ("web.portal.batch_edit", "GET"): Route(PORTAL_RECORD),
    ("web.portal.batch_edit", "POST"): Route(PORTAL_RECORD, form=lambda w: {
        "notes": "Đã phân loại", "version": w.versions["batch"]}),
    ("web.portal.batch_stages", "GET"): Route(PORTAL_RECORD),
    ("web.portal.batch_stages", "POST"): Route(PORTAL_RECORD, form={
        "template": "fresh_produce", "stage": "planting", "event_time": "2026-03-05T08:00",
        "crop_variety": "Hành tím"}),
    ("web.portal.certificates", "GET"): Route(PORTAL_ROWS, marker=OWNER_CERTIFICATE),
    ("web.portal.certificate_new", "GET"): Route(PORTAL),
    ("web.portal.certificate_new", "POST"): Route(PORTAL_CREATE, form={
        "type": "vietgap", "number": "VG-AUTHZ-NEW", "issuer": "QUACERT",
        "valid_from": "2026-01-01", "scope_type": "organization"}),
    ("web.portal.certificate_edit", "GET"): Route(PORTAL_RECORD),
    ("web.portal.certificate_edit", "POST"): Route(PORTAL_RECORD, form=lambda w: {
        "issuer": "QUACERT", "valid_from": "2026-01-01", "version": w.versions["certificate"]}),
    ("web.portal.import_page", "GET"): Route(PORTAL),
    ("web.portal.import_page", "POST"): Route(PORTAL_CREATE, form=_portal_products_csv),
    ("web.portal.labels", "GET"): Route(PORTAL),
    ("web.portal.labels", "POST"): Route(PORTAL_RECORD, form=lambda w: {
        "batch_id": str(w.batch), "stock": STOCK, "serial_count": "0"}),
    ("web.portal.label_job", "GET"): Route(PORTAL_RECORD),
    ("web.portal.label_job_status", "GET"): Route(PORTAL_RECORD),
    ("web.portal.label_job_pdf", "GET"): Route(PORTAL_RECORD),
    ("web.portal.stats", "GET"): Route(PORTAL),
    # ------------------------------------------------------------------ inspector console
    ("web.console.search", "GET"): Route(CONSOLE),
    ("web.console.trace", "GET"): Route(CONSOLE_RECORD, query={"code": BRACKETED}),
    ("web.console.batch_action", "GET"): Route(CONSOLE_RECORD),
    ("web.console.batch_action", "POST"): Route(CONSOLE_RECORD,
                                                form={"reason": "Chờ kết quả mẫu"}),
    ("web.console.inbox", "GET"): Route(CONSOLE_ROWS, marker=OWNER_REPORT),
    ("web.console.triage", "POST"): Route(CONSOLE_RECORD, form={"status": "triaged"}),
    ("web.console.inspections", "GET"): Route(CONSOLE_ROWS, marker=OWNER_INSPECTION),
    ("web.console.inspection_new", "GET"): Route(CONSOLE),
    ("web.console.inspection_new", "POST"): Route(CONSOLE_RECORD, form=lambda w: {
        "organization_id": str(w.organization), "result": "compliant", "date": _today()}),
    # ------------------------------------------------------------------ administration
    ("web.admin.dashboard", "GET"): Route(ADMIN_PAGES),
    ("web.admin.organizations", "GET"): Route(ADMIN_PAGES),
    ("web.admin.organization", "GET"): Route(ADMIN_PAGES),
    ("web.admin.organization", "POST"): Route(
        ADMIN_PAGES, args={"organization_id": lambda w: w.pending_organization},
        form={"decision": "approved"}),
    ("web.admin.inspectors", "GET"): Route(ADMIN_PAGES),
    ("web.admin.inspector_new", "GET"): Route(ADMIN_PAGES),
    ("web.admin.inspector_new", "POST"): Route(ADMIN_PAGES, form={
        "email": "new-inspector@example.vn", "provinces": "Huế"}),
    ("web.admin.inspector_edit", "GET"): Route(ADMIN_PAGES),
    ("web.admin.inspector_edit", "POST"): Route(ADMIN_PAGES, form={
        "name": "Thanh tra Sóc Trăng", "provinces": "Sóc Trăng"}),
    ("web.admin.inspector_active", "GET"): Route(ADMIN_PAGES),
    ("web.admin.inspector_active", "POST"): Route(ADMIN_PAGES),
    ("web.admin.audit_log", "GET"): Route(ADMIN_PAGES),
    ("web.admin.gateway", "GET"): Route(ADMIN_PAGES),
    ("web.admin.requeue", "POST"): Route(ADMIN_PAGES),
}

# What a route's URL variables stand for in the world, by their names in the route table.
URL_VALUES = {
    "organization_id": lambda w: w.organization, "location_id": lambda w: w.location,
    "product_id": lambda w: w.product, "batch_id": lambda w: w.batch,
    "certificate_id": lambda w: w.certificate, "run_id": lambda w: w.print_run,
    "serial": lambda w: w.serial, "job_id": lambda w: w.label_job,
    "event_id": lambda w: w.event_id, "inspection_id": lambda w: w.inspection,
    "notice_id": lambda w: w.notice, "report_id": lambda w: w.report,
    "alert_id": lambda w: w.copy_alert, "message_id": lambda w: w.outbox_message,
    "key_id": lambda w: w.owner_key, "user_id": lambda w: w.inspector_in_user,
    "token": lambda w: w.reset_token, "code": "en", "action": "hold", "ai": "01",
    "rest": f"{OWNER_GTIN}/10/{OWNER_LOT}", "compressed": lambda w: w.compressed_link,
}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}  # HEAD is GET without a body; OPTIONS touches no data


# ----------------------------------------------------------------------------- the cases


def _route_table() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(rule, method, endpoint, URL variables) of every route the application serves."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.rule, method, rule.endpoint, tuple(sorted(rule.arguments)))
                  for rule in app.url_map.iter_rules()
                  for method in rule.methods - SKIPPED_METHODS)


ROUTES = _route_table()
CASES = [pytest.param(rule, method, endpoint, variables, role,
                      id=f"{rule}-{method}-{role}")
         for rule, method, endpoint, variables in ROUTES for role in ROLES]


def test_every_route_is_in_the_matrix():
    served = {(endpoint, method) for _, method, endpoint, _ in ROUTES}
    missing = sorted(served - set(MATRIX))
    assert not missing, "routes nobody said who may call; add them to the matrix: " + ", ".join(
        f"{method} {rule} ({endpoint})" for rule, method, endpoint, _ in ROUTES
        if (endpoint, method) in missing)
    stale = sorted(set(MATRIX) - served)
    assert not stale, f"the matrix names routes the application does not serve: {stale}"


def test_every_url_variable_has_a_value():
    unknown = {(endpoint, name) for _, method, endpoint, variables in ROUTES
               for name in variables
               if name not in URL_VALUES
               and name not in ((MATRIX.get((endpoint, method)) or Route(PUBLIC)).args or {})}
    assert not unknown, f"say which world record fills these URL variables: {sorted(unknown)}"


@pytest.fixture(scope="module")
def world_copy(_app):
    """Build the world once for the module; each case starts from a fresh copy of it."""
    with _app.app_context():
        clean_tables()
        world = worlds.build()
        snapshot = worlds.Snapshot()
        db.session.remove()
    return world, snapshot


@pytest.fixture
def world(_app, world_copy, monkeypatch):
    from traceability.labels import services as labels
    from traceability.resolver import scanlog
    from traceability.resolver.cache import cache

    world, snapshot = world_copy
    # Label jobs are rendered on a thread: not here, where the next case empties the tables.
    monkeypatch.setattr(labels, "launch_in_background", lambda app, job_id: None)
    monkeypatch.setitem(_app.config, "SCAN_FLUSH_SECONDS", 0)
    with _app.app_context():
        snapshot.restore()
        cache.reset()
        scanlog.buffer.discard()
        yield world
        scanlog.buffer.discard()
        db.session.remove()


def _url(app, endpoint: str, method: str, variables, entry: Route, world) -> str:
    values = {name: _value((entry.args or {}).get(name, URL_VALUES.get(name)), world)
              for name in variables}
    path = app.url_map.bind("localhost").build(endpoint, values, method=method)
    if endpoint == "events.get_event":  # an eventID is sent URL-encoded, '?' and all
        path = path.split("/epcis/events/")[0] + "/epcis/events/" + quote(world.event_id, safe="")
    return path


def _call(app, world, rule, method, endpoint, variables, *, key_of=None, session_of=None):
    """Call the route with the API key and/or the signed-in session of the roles named."""
    entry = MATRIX[(endpoint, method)]
    client = app.test_client()
    if session_of not in (None, "anonymous"):
        with client.session_transaction() as session:
            session["_user_id"] = str(world.user_ids[session_of])
            session["_fresh"] = True
    headers = {**(entry.headers or {}), **world.api_headers.get(key_of, {})}
    kwargs = {"headers": headers, "query_string": _value(entry.query, world)}
    if entry.json is not None:
        kwargs["json"] = _value(entry.json, world)
    elif entry.form is not None:
        kwargs["data"] = _value(entry.form, world)
    return client.open(_url(app, endpoint, method, variables, entry, world), method=method,
                       **kwargs)


def _check(response, expected: str, *, is_api: bool, marker, about: str) -> None:
    body = response.get_data().decode("utf-8", errors="replace")  # images and PDFs too
    shown = f"{about} ({expected}) answered {response.status_code}: {body[:300]}"
    assert response.status_code < 500, shown
    signs_in = response.status_code in (301, 302, 303) and \
        response.headers.get("Location", "").startswith("/login")
    if expected == LOGIN:
        assert (response.status_code == 401) if is_api else signs_in, shown
    elif expected in (ALLOW, BLIND):
        assert response.status_code < 400 or response.status_code in (400, 409, 422), shown
        assert not signs_in, shown
        if marker is not None and expected == ALLOW and response.status_code == 200:
            assert marker in body, f"{shown}\nexpected to list the owner's {marker!r}"
        if marker is not None and expected == BLIND:
            assert marker not in body, f"{shown}\nshows the owner's {marker!r}"
    elif expected == UNKNOWN_REFERENCE:
        assert response.status_code == 422, shown
        if is_api:
            assert "not found" in body.lower(), shown
    else:
        assert response.status_code == int(expected), shown


@pytest.mark.parametrize(("rule", "method", "endpoint", "variables", "role"), CASES)
def test_access(_app, world, rule, method, endpoint, variables, role):
    entry = MATRIX.get((endpoint, method))
    assert entry is not None, f"{method} {rule} ({endpoint}) is not classified: add it to the " \
                              "matrix in tests/test_authorization_matrix.py"
    is_api = rule.startswith("/api/v1/")
    response = _call(_app, world, rule, method, endpoint, variables,
                     **({"key_of": role} if is_api else {"session_of": role}))
    _check(response, entry.policy.outcomes[role], is_api=is_api,
           marker=_value(entry.marker, world),
           about=f"{method} {rule} as {role} ({entry.policy.name})")


API_CASES = [pytest.param(rule, method, endpoint, variables, id=f"{rule}-{method}")
             for rule, method, endpoint, variables in ROUTES
             if rule.startswith("/api/v1/") and (endpoint, method) in MATRIX]


@pytest.mark.parametrize(("rule", "method", "endpoint", "variables"), API_CASES)
def test_api_ignores_the_session_cookie(_app, world, rule, method, endpoint, variables):
    """The API takes no CSRF token, so a signed-in browser must not be signed in there: an
    administrator's session cookie without an API key is an anonymous caller."""
    entry = MATRIX[(endpoint, method)]
    response = _call(_app, world, rule, method, endpoint, variables, session_of="admin")
    _check(response, entry.policy.outcomes["anonymous"], is_api=True,
           marker=_value(entry.marker, world),
           about=f"{method} {rule} with an administrator's session cookie")
