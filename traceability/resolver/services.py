"""Resolver rules: what a scan shows, scan statistics, copy alerts, consumer reports, links.

The scan path reads plain view models from the process cache (``cache``), each loaded on a
miss with one Core query. The rest follows the project's service conventions: the acting user
comes first, access rules are checked here, functions flush but never commit.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    String,
    and_,
    bindparam,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)

from .. import gs1
from ..database import utcnow
from ..errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from ..extensions import db
from ..labels.models import Serial
from ..oversight import audit
from ..registry.models import Batch, Certificate, Location, Organization, Product
from .cache import cache, cached, reader
from .models import (
    REPORT_CATEGORIES,
    ConsumerReport,
    CopyAlert,
    ResolverLink,
    ScanEvent,
    SerialScanState,
)

CHAIN_MODULE = "traceability.events.chain"
EVENTS_MODELS = "traceability.events.models"
GS1_VOC = "https://gs1.org/voc/"
KNOWN_NAMESPACES = {
    "gs1:": GS1_VOC,
    "schema:": "http://schema.org/",
}
_NAMESPACE_ALIASES = ("https://gs1.org/voc/", "http://gs1.org/voc/", "https://ref.gs1.org/voc/",
                      "http://ref.gs1.org/voc/")
_HREFLANG = re.compile(r"^(und|[A-Za-z]{2}(-[A-Za-z]{2})?)$")
_TEMPLATE = re.compile(r"^\{[A-Za-z_][A-Za-z0-9_]*\}$")


# --------------------------------------------------------------------------- time


@functools.lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    return _zone(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")


def local_today() -> date:
    return datetime.now(local_zone()).date()


def local_day(instant: datetime) -> date:
    return instant.astimezone(local_zone()).date()


# --------------------------------------------------------------------------- link types


def normalize_link_type(value: str | None) -> str | None:
    """``gs1:pip`` for any spelling of a GS1 link type (CURIE or full URI); None if empty."""
    if not value:
        return None
    value = value.strip()
    for namespace in _NAMESPACE_ALIASES:
        if value.startswith(namespace):
            return "gs1:" + value[len(namespace):]
    if value.startswith("http://schema.org/") or value.startswith("https://schema.org/"):
        return "schema:" + value.split("schema.org/", 1)[1]
    return value


def link_type_uri(link_type: str) -> str:
    for prefix, namespace in KNOWN_NAMESPACES.items():
        if link_type.startswith(prefix):
            return namespace + link_type[len(prefix):]
    return link_type


# --------------------------------------------------------------------------- view models


def _connection():
    """The request's read-only connection (one pool checkout per request, not per load)."""
    return reader()


@functools.cache
def _statement(name: str):
    """Statements of the scan path, built once: SQLAlchemy then reuses their compiled form."""
    gtin, lot, serial, anchor = (bindparam(n) for n in ("gtin", "lot", "serial", "anchor"))
    links_exist = select(ResolverLink.id).where(ResolverLink.anchor == anchor).exists()
    if name == "product_key":
        return select(Product.id, Product.organization_id, Product.name,
                      links_exist.label("has_links")).where(Product.gtin == gtin)
    if name == "links_exist":
        return select(links_exist)
    if name == "links":
        return (select(ResolverLink.qualifiers, ResolverLink.item_description,
                       ResolverLink.link_type, ResolverLink.href, ResolverLink.title,
                       ResolverLink.media_type, ResolverLink.hreflang, ResolverLink.context,
                       ResolverLink.is_default_type)
                .where(ResolverLink.anchor == anchor)
                .order_by(ResolverLink.position, ResolverLink.id))
    if name.startswith("certificates"):
        scope = [Certificate.scope_type == "organization",
                 and_(Certificate.scope_type == "product",
                      Certificate.product_id == bindparam("product_id"))]
        if name == "certificates_location":
            scope.append(and_(Certificate.scope_type == "location",
                              Certificate.location_id == bindparam("location_id")))
        return (select(Certificate.id, Certificate.type, Certificate.number, Certificate.issuer,
                       Certificate.valid_from, Certificate.valid_until, Certificate.scope_type,
                       Certificate.scope_description, Certificate.star_rating,
                       Certificate.document_url)
                .where(Certificate.organization_id == bindparam("organization_id"), or_(*scope))
                .order_by(Certificate.type, Certificate.id))
    if name == "product":
        return select(
            Product.id, Product.organization_id, Product.name, Product.name_en,
            Product.description, Product.brand, Product.model, Product.net_content,
            Product.unit, Product.origin, Product.image_urls, Product.standards,
            Product.shelf_life_days, Product.storage_instructions, Product.safety_warnings,
            Organization.name.label("org_name"), Organization.address.label("org_address"),
            Organization.province.label("org_province"), Organization.tax_code,
            Organization.phone, Organization.contact_email,
        ).join(Organization, Organization.id == Product.organization_id).where(
            Product.gtin == gtin)
    # Batch and unit of a product: "item_lot", "item_serial", "item_lot_serial"
    with_lot, with_serial = "lot" in name, "serial" in name
    columns = [Product.id]
    joins = []
    if with_serial:
        columns += [Serial.id.label("serial_id"), Serial.status.label("serial_status"),
                    Serial.void_reason, Serial.batch_id.label("serial_batch_id"),
                    SerialScanState.first_scanned_at, SerialScanState.first_region,
                    CopyAlert.id.label("alert_id"),
                    CopyAlert.created_at.label("alert_created_at"),
                    CopyAlert.reasons.label("alert_reasons")]
        joins += [(Serial, and_(Serial.gtin == Product.gtin, Serial.serial == serial)),
                  (SerialScanState, SerialScanState.serial_id == Serial.id),
                  # A literal, not a bound value: SQLite re-plans a statement on every run when
                  # a bound value decides whether the partial index on open alerts applies.
                  (CopyAlert, and_(CopyAlert.serial_id == Serial.id,
                                   CopyAlert.status == literal_column("'open'")))]
    if with_lot or with_serial:
        condition = (and_(Batch.gtin == Product.gtin, Batch.lot == lot) if with_lot
                     else Batch.id == Serial.batch_id)
        columns += [Batch.id.label("batch_id"), Batch.lot, Batch.production_date,
                    Batch.expiry_date, Batch.status.label("batch_status"), Batch.status_reason,
                    Batch.status_changed_at, Batch.quantity, Batch.unit.label("batch_unit"),
                    Batch.location_id, Location.name.label("location_name"),
                    Location.address.label("location_address"),
                    Location.province.label("location_province"),
                    Location.gln.label("location_gln"), Location.type.label("location_type")]
        joins += [(Batch, condition), (Location, Location.id == Batch.location_id)]
        events = _events_table()
        if events is not None:
            # Whether the events capability knows the batch at all: most batches have no
            # recorded events, and asking ``chain`` about them would cost several queries.
            columns.append(select(events.c.id).where(events.c.batch_id == Batch.id).exists()
                           .label("has_events"))
    stmt = select(*columns).select_from(Product)
    for target, condition in joins:
        stmt = stmt.outerjoin(target, condition)
    return stmt.where(Product.gtin == gtin)


def _events_table():
    """The events capability's table of event objects, when that capability is installed."""
    if importlib.util.find_spec(EVENTS_MODELS) is None:
        return None
    models = importlib.import_module(EVENTS_MODELS)
    return models.EventObject.__table__


KEYS_PRELOAD_MAX = 100_000


def key_info(primary_key: str, key_value: str) -> dict:
    """What the redirect needs about a primary key: the registered product, if any, and
    whether extra links are recorded for it.

    Every registered GTIN is loaded at the first scan a process serves (one query, as long as
    there are at most ``KEYS_PRELOAD_MAX`` products); anything else with one query on a miss.
    """
    key = (primary_key, key_value)
    found = cache.peek("keys", key)
    if found is not None:
        return found
    cache.fill("keys", _load_all_keys)
    return cached("keys", key, lambda: _load_key_info(primary_key, key_value))


def _load_all_keys() -> dict | None:
    anchors = select(ResolverLink.anchor).distinct().subquery()
    # Products are counted first, in the same query (through an index, up to the limit):
    # above it no row is read, where every worker would otherwise read KEYS_PRELOAD_MAX rows
    # after each change to a product only to drop them.
    counted = select(func.count()).select_from(
        select(Product.id).limit(KEYS_PRELOAD_MAX + 1).subquery()).scalar_subquery()
    stmt = (select(Product.gtin, Product.id, Product.organization_id, Product.name,
                   anchors.c.anchor)
            .outerjoin(anchors, anchors.c.anchor == literal("/01/", String()) + Product.gtin)
            .where(counted <= KEYS_PRELOAD_MAX)
            .limit(KEYS_PRELOAD_MAX + 1))
    rows = _connection().execute(stmt).all()
    if not rows or len(rows) > KEYS_PRELOAD_MAX:
        return None  # too many to keep (or none at all): each key is loaded on its miss
    return {("01", row.gtin): {"product_id": row.id, "organization_id": row.organization_id,
                               "name": row.name, "has_links": row.anchor is not None}
            for row in rows}


def _load_key_info(primary_key: str, key_value: str) -> dict:
    anchor = f"/{primary_key}/{gs1.dl_escape(key_value)}"
    connection = _connection()
    if primary_key == "01":
        row = connection.execute(_statement("product_key"),
                                 {"gtin": key_value, "anchor": anchor}).first()
        if row is not None:
            return {"product_id": row.id, "organization_id": row.organization_id,
                    "name": row.name, "has_links": bool(row.has_links)}
    has_links = connection.execute(_statement("links_exist"), {"anchor": anchor}).scalar()
    return {"product_id": None, "organization_id": None, "name": "", "has_links": bool(has_links)}


def item_view(gtin: str, lot: str | None, serial: str | None) -> dict | None:
    """Product, batch and unit of a scanned code as plain dicts; None for an unknown GTIN.

    The product and its producer are kept per GTIN (one query the first time), the batch and
    unit with one query on a miss. Units (with a serial) are kept a few seconds only, so
    their first scan and copy alerts show promptly without emptying every cache.
    """
    name = "units" if serial is not None else "items"
    return cached(name, (gtin, lot, serial), lambda: _load_item(gtin, lot, serial))


def product_view(gtin: str) -> dict | None:
    """The product and producer parts of every view of a GTIN (shared, not to be changed)."""
    return cached("products", gtin, lambda: _load_product(gtin))


def _load_product(gtin: str) -> dict | None:
    row = _connection().execute(_statement("product"), {"gtin": gtin}).first()
    if row is None:
        return None
    images = [url for url in (row.image_urls or []) if isinstance(url, str)
              and url.startswith(("https://", "http://"))]
    return {
        "product": {
            "id": row.id, "organization_id": row.organization_id, "name": row.name,
            "name_en": row.name_en, "description": row.description, "brand": row.brand,
            "model": row.model, "net_content": row.net_content, "unit": row.unit,
            "origin": row.origin, "image_url": images[0] if images else "",
            "standards": [s for s in (row.standards or []) if isinstance(s, str)],
            "shelf_life_days": row.shelf_life_days,
            "storage_instructions": row.storage_instructions,
            "safety_warnings": row.safety_warnings,
        },
        "organization": {
            "id": row.organization_id, "name": row.org_name, "address": row.org_address,
            "province": row.org_province, "tax_code": row.tax_code, "phone": row.phone,
            "email": row.contact_email,
        },
    }


def _load_item(gtin: str, lot: str | None, serial: str | None) -> dict | None:
    known = product_view(gtin)
    if known is None:
        return None
    view = {"gtin": gtin, "lot": lot, "serial": serial, "product": known["product"],
            "organization": known["organization"], "batch": None, "unit": None,
            "serial_mismatch": False}
    if lot is None and serial is None:
        return view
    variant = "item" + ("_lot" if lot is not None else "") + (
        "_serial" if serial is not None else "")
    row = _connection().execute(_statement(variant),
                                {"gtin": gtin, "lot": lot, "serial": serial}).first()
    if row is None:
        return None  # removed since its product view was kept (that drop is on its way)
    if row.batch_id is not None:
        view["batch"] = {
            "id": row.batch_id, "lot": row.lot, "production_date": row.production_date,
            "expiry_date": row.expiry_date, "status": row.batch_status,
            "status_reason": row.status_reason, "status_changed_at": row.status_changed_at,
            "quantity": None if row.quantity is None else format(row.quantity, "f"),
            "unit": row.batch_unit, "location_id": row.location_id,
            "has_events": bool(getattr(row, "has_events", True)),
            "location": None if row.location_id is None else {
                "name": row.location_name, "address": row.location_address,
                "province": row.location_province, "gln": row.location_gln,
                "type": row.location_type},
        }
    if serial is not None and row.serial_id is not None:
        if view["batch"] is not None and row.serial_batch_id != view["batch"]["id"]:
            # The serial exists but under another lot: this label was not issued as printed.
            view["serial_mismatch"] = True
        else:
            view["unit"] = {
                "id": row.serial_id, "serial": serial, "status": row.serial_status,
                "void_reason": row.void_reason, "first_scanned_at": row.first_scanned_at,
                "first_region": row.first_region or "",
                "alert": None if row.alert_id is None else {
                    "id": row.alert_id, "created_at": row.alert_created_at,
                    "reasons": list(row.alert_reasons or [])},
            }
    return view


def certificates_view(organization_id: int, product_id: int,
                      location_id: int | None) -> list[dict]:
    """Certificates that speak for a product or batch (organization, product, location)."""
    return cached("certificates", (organization_id, product_id, location_id),
                  lambda: _load_certificates(organization_id, product_id, location_id))


def _load_certificates(organization_id: int, product_id: int,
                       location_id: int | None) -> list[dict]:
    name = "certificates" if location_id is None else "certificates_location"
    rows = _connection().execute(_statement(name), {
        "organization_id": organization_id, "product_id": product_id,
        "location_id": location_id}).all()
    return [{
        "id": r.id, "type": r.type, "number": r.number, "issuer": r.issuer,
        "valid_from": r.valid_from, "valid_until": r.valid_until, "scope_type": r.scope_type,
        "scope_description": r.scope_description, "star_rating": r.star_rating,
        "document_url": r.document_url if r.document_url.startswith(("https://", "http://"))
        else "",
    } for r in rows]


@functools.cache
def chain_available() -> bool:
    """Whether the events capability's chain module is installed (fixed for a process)."""
    return importlib.util.find_spec(CHAIN_MODULE) is not None


def journey_view(batch_id: int, has_events: bool = True) -> dict | None:
    """The batch's stages and its links one step back and forward, from the events
    capability (``traceability.events.chain``); None until that module exists."""
    return cached("journeys", batch_id, lambda: _load_journey(batch_id, has_events))


def _load_journey(batch_id: int, has_events: bool = True) -> dict | None:
    if not chain_available():
        return None
    if not has_events:
        return {"stages": [], "back": [], "forward": []}
    try:
        chain = importlib.import_module(CHAIN_MODULE)
        batch = db.session.get(Batch, batch_id)
        if batch is None:
            return None
        stages = [_plain_stage(stage) for stage in chain.journey(batch)]
        back = [_plain_step(step) for step in chain.one_step_back(batch)]
        forward = [_plain_step(step) for step in chain.one_step_forward(batch)]
    except Exception:  # noqa: BLE001 - the page must still show what it knows
        current_app.logger.exception("journey of batch %s could not be read", batch_id)
        return None
    return {"stages": stages, "back": back, "forward": forward}


def _plain_stage(stage: dict) -> dict:
    location = stage.get("location") or None
    organization = stage.get("organization") or None
    return {
        "event_time": stage.get("event_time"),
        "biz_step": stage.get("biz_step") or "",
        "biz_step_vi": stage.get("biz_step_vi") or stage.get("biz_step") or "",
        "biz_step_en": stage.get("biz_step_en") or stage.get("biz_step") or "",
        "location": None if not location else {
            key: location.get(key) or "" for key in ("gln", "name", "address", "province")},
        "organization": None if not organization else {"name": organization.get("name") or ""},
    }


def _plain_step(step: dict) -> dict:
    batch, organization = step.get("batch"), step.get("organization")
    return {
        "relation": step.get("relation") or "",
        "event_time": step.get("event_time"),
        "quantity": None if step.get("quantity") is None else str(step.get("quantity")),
        "uom": step.get("uom") or "",
        "organization": getattr(organization, "name", "") or step.get("identifier") or "",
        "gtin": getattr(batch, "gtin", None),
        "lot": getattr(batch, "lot", None),
        "product_name": getattr(getattr(batch, "product", None), "name", "") or "",
    }


def link_rows(anchor: str) -> list[dict]:
    """Extra links recorded for a primary key, with their qualifier patterns parsed."""
    return cached("links", anchor, lambda: _load_links(anchor))


def _load_links(anchor: str) -> list[dict]:
    rows = _connection().execute(_statement("links"), {"anchor": anchor}).all()
    return [{
        "qualifiers": _split_path(r.qualifiers), "item_description": r.item_description,
        "link_type": r.link_type, "href": r.href, "title": r.title, "media_type": r.media_type,
        "hreflang": tuple(r.hreflang or ()), "context": tuple(r.context or ()),
        "is_default_type": r.is_default_type,
    } for r in rows]


def _split_path(path: str) -> tuple[tuple[str, str], ...]:
    parts = [p for p in path.split("/") if p]
    return tuple((parts[i], gs1.dl_unescape(parts[i + 1])) for i in range(0, len(parts) - 1, 2))


# --------------------------------------------------------------------------- status


STATUS_CODES = ("recalled", "on_hold", "void", "suspected_copy", "unknown", "expired",
                "genuine")


def item_status(view: dict | None, today: date | None = None) -> dict:
    """The one status a scan shows, most serious first.

    ``code`` is one of :data:`STATUS_CODES`; ``unknown_part`` says what was not found
    (``gtin``, ``lot`` or ``serial``) for the honest walk-up.
    """
    if view is None:
        return {"code": "unknown", "unknown_part": "gtin", "reason": ""}
    batch, unit = view["batch"], view["unit"]
    today = today or local_today()
    if batch is not None and batch["status"] == "recalled":
        return {"code": "recalled", "reason": batch["status_reason"],
                "since": batch["status_changed_at"]}
    if batch is not None and batch["status"] == "on_hold":
        return {"code": "on_hold", "reason": batch["status_reason"],
                "since": batch["status_changed_at"]}
    if batch is not None and batch["status"] == "void":
        return {"code": "void", "reason": batch["status_reason"], "unit": False}
    if unit is not None and unit["status"] == "void":
        return {"code": "void", "reason": unit["void_reason"], "unit": True}
    if unit is not None and unit["alert"] is not None:
        return {"code": "suspected_copy", "reason": "", "since": unit["alert"]["created_at"]}
    if view["lot"] is not None and batch is None:
        return {"code": "unknown", "unknown_part": "lot", "reason": ""}
    if view["serial"] is not None and unit is None:
        return {"code": "unknown", "unknown_part": "serial", "reason": "",
                "mismatch": view["serial_mismatch"]}
    if batch is not None and batch["expiry_date"] is not None and batch["expiry_date"] < today:
        return {"code": "expired", "reason": "", "expiry_date": batch["expiry_date"]}
    return {"code": "genuine", "reason": ""}


# --------------------------------------------------------------------------- access


def _require_actor(actor):
    if actor is None:
        raise Unauthorized("Sign in or send an API key as 'Authorization: Bearer <key>'.")
    return actor


def _organization_scope(actor, column, organization_id: int | None):
    """WHERE clauses limiting rows to what the actor may see, or NotFound."""
    clauses = []
    if actor.is_business:
        if organization_id is not None and organization_id != actor.organization_id:
            raise NotFound(f"Organization {organization_id} not found.")
        clauses.append(column == actor.organization_id)
        return clauses
    visible = _visible_ids(actor)
    if visible is not None:
        clauses.append(column.in_(visible))
    if organization_id is not None:
        organization = db.session.get(Organization, organization_id)
        if organization is None or not _can_read(actor, organization):
            raise NotFound(f"Organization {organization_id} not found.")
        clauses.append(column == organization_id)
    return clauses


def _visible_ids(actor):
    from ..registry.services import visible_organization_ids

    return visible_organization_ids(actor)


def _can_read(actor, organization: Organization | None) -> bool:
    from ..registry.services import can_read_organization

    return organization is not None and can_read_organization(actor, organization)


# --------------------------------------------------------------------------- statistics


def scan_stats(actor, *, organization_id=None, product_id=None, batch_id=None,
               days: int = 30) -> dict:
    """Scans per day, per province (the coarse region of the scanner) and the top batches.

    Businesses see their own organization only; inspectors their provinces (or all);
    admins everything. Scans by crawlers and link previews are not counted.
    """
    _require_actor(actor)
    if not isinstance(days, int) or not 1 <= days <= 366:
        raise ValidationFailed({"days": ["Ask for 1 to 366 days."]})
    clauses = _organization_scope(actor, ScanEvent.organization_id, organization_id)
    if product_id is not None:
        product = db.session.get(Product, product_id)
        if product is None or not _can_read(actor, product.organization):
            raise NotFound(f"Product {product_id} not found.")
        clauses.append(ScanEvent.product_id == product_id)
    if batch_id is not None:
        batch = db.session.get(Batch, batch_id)
        if batch is None or not _can_read(actor, batch.organization):
            raise NotFound(f"Batch {batch_id} not found.")
        clauses.append(ScanEvent.batch_id == batch_id)
    until = local_today()
    since = until - timedelta(days=days - 1)
    clauses += [ScanEvent.scanned_on >= since, ScanEvent.bot == false()]
    count = func.count(ScanEvent.id)
    # Scans of serialised units are counted along with the days: asked apart, the database
    # may intersect with the index of every serialised scan there is (not flat as logs grow).
    found = db.session.execute(
        select(ScanEvent.scanned_on, count, func.count(ScanEvent.serial_id))
        .where(*clauses).group_by(ScanEvent.scanned_on)).all()
    per_day = {day: n for day, n, _ in found}
    serial_scans = sum(units for _, _, units in found)
    per_region = db.session.execute(
        select(ScanEvent.region, count).where(*clauses).group_by(ScanEvent.region)
        .order_by(count.desc(), ScanEvent.region)).all()
    top = db.session.execute(
        select(ScanEvent.batch_id, ScanEvent.gtin, ScanEvent.lot, count)
        .where(*clauses, ScanEvent.batch_id.is_not(None))
        .group_by(ScanEvent.batch_id, ScanEvent.gtin, ScanEvent.lot)
        .order_by(count.desc(), ScanEvent.batch_id).limit(10)).all()
    day_rows = []
    for offset in range(days):
        day = since + timedelta(days=offset)
        day_rows.append({"date": day.isoformat(), "scans": int(_day_count(per_day, day))})
    return {
        "since": since.isoformat(), "until": until.isoformat(), "days": day_rows,
        "total": sum(row["scans"] for row in day_rows),
        "serialised_scans": int(serial_scans or 0),
        "provinces": [{"province": region or None, "scans": int(n)} for region, n in per_region],
        "top_batches": [{"batch_id": b, "gtin": g, "lot": lot, "scans": int(n)}
                        for b, g, lot, n in top],
    }


def _day_count(per_day: dict, day: date) -> int:
    # SQLite hands dates back as date objects through the Date type; be lenient anyway.
    return per_day.get(day) or per_day.get(day.isoformat()) or 0


# --------------------------------------------------------------------------- copy alerts


def list_copy_alerts(actor, *, status=None, organization_id=None, batch_id=None):
    _require_actor(actor)
    query = select(CopyAlert).where(
        *_organization_scope(actor, CopyAlert.organization_id, organization_id))
    if status:
        query = query.where(CopyAlert.status == status)
    if batch_id is not None:
        query = query.where(CopyAlert.batch_id == batch_id)
    return query.order_by(CopyAlert.created_at.desc(), CopyAlert.id.desc())


def get_copy_alert(actor, alert_id: int) -> CopyAlert:
    _require_actor(actor)
    alert = db.session.get(CopyAlert, alert_id)
    if alert is None:
        raise NotFound(f"Copy alert {alert_id} not found.")
    organization = (db.session.get(Organization, alert.organization_id)
                    if alert.organization_id is not None else None)
    visible = _visible_ids(actor) is None or _can_read(
        actor, organization)
    if not visible:
        raise NotFound(f"Copy alert {alert_id} not found.")
    return alert


def close_copy_alert(actor, alert_id: int, note: str) -> CopyAlert:
    """Close an alert once looked into; a new one opens if the unit keeps being copied."""
    alert = get_copy_alert(actor, alert_id)
    if alert.status == "closed":
        raise ValidationFailed({"status": ["This alert is already closed."]})
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": ["Say what was found, so the next person knows."]})
    alert.status, alert.closed_at, alert.closed_by = "closed", utcnow(), actor.id
    alert.close_note = note
    db.session.flush()
    audit.record(actor, "copy_alert.close", "copy_alert", alert.id,
                 organization_id=alert.organization_id,
                 details={"gtin": alert.gtin, "serial": alert.serial, "note": note})
    return alert


def copy_alert_to_dict(alert: CopyAlert) -> dict:
    return {
        "id": alert.id, "status": alert.status, "gtin": alert.gtin, "lot": alert.lot or None,
        "serial": alert.serial, "serial_id": alert.serial_id, "batch_id": alert.batch_id,
        "organization_id": alert.organization_id, "reasons": list(alert.reasons or []),
        "scans": alert.scans, "networks": alert.networks, "regions": alert.regions,
        "window_hours": alert.window_hours, "created_at": alert.created_at.isoformat(),
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
        "closed_by": alert.closed_by, "close_note": alert.close_note,
    }


# --------------------------------------------------------------------------- consumer reports

REPORT_MESSAGE_MAX = 2000
REPORT_CONTACT_MAX = 200


def create_consumer_report(view: dict, data: dict, *, ip_hash: str, region: str,
                           lang: str) -> ConsumerReport:
    """Store a shopper's report about a scanned code for the inspectors' inbox."""
    errors: dict[str, list[str]] = {}
    category = (data.get("category") or "").strip()
    message = (data.get("message") or "").strip()
    contact = (data.get("contact") or "").strip()
    if category not in REPORT_CATEGORIES:
        errors["category"] = ["category"]
    if not message:
        errors["message"] = ["message_required"]
    elif len(message) > REPORT_MESSAGE_MAX:
        errors["message"] = ["message_too_long"]
    if len(contact) > REPORT_CONTACT_MAX:
        errors["contact"] = ["contact_too_long"]
    if errors:
        raise ValidationFailed(errors)
    batch = view["batch"]
    report = ConsumerReport(
        gtin=view["gtin"], lot=view["lot"], serial=view["serial"],
        product_id=view["product"]["id"], batch_id=batch["id"] if batch else None,
        organization_id=view["organization"]["id"], category=category, message=message,
        contact=contact, status="new", lang=lang, ip_hash=ip_hash, region=region[:64],
    )
    db.session.add(report)
    db.session.flush()
    audit.record("consumer", "consumer_report.create", "consumer_report", report.id,
                 organization_id=report.organization_id,
                 details={"gtin": report.gtin, "lot": report.lot, "serial": report.serial,
                          "category": category})
    return report


def consumer_report_to_dict(report: ConsumerReport) -> dict:
    return {
        "id": report.id, "created_at": report.created_at.isoformat(), "gtin": report.gtin,
        "lot": report.lot, "serial": report.serial, "product_id": report.product_id,
        "batch_id": report.batch_id, "organization_id": report.organization_id,
        "category": report.category, "message": report.message, "contact": report.contact,
        "status": report.status, "lang": report.lang, "region": report.region or None,
    }


# --------------------------------------------------------------------------- extra links


def import_links(actor, documents) -> int:
    """Record extra resolver links given in the GS1 Resolver CE data-entry format.

    ``documents`` is one entry or a list: ``anchor`` (``/01/<gtin>``…), optional
    ``qualifiers`` (``[{"10": "LOT01"}]``; a value ``{name}`` matches any value and fills
    ``{name}`` in the hrefs), ``itemDescription``, ``defaultLinktype`` and ``links`` (each
    ``linktype``, ``href``, ``title``, optional ``type``, ``hreflang``, ``context``). The
    links of each (anchor, qualifiers) given replace those recorded before. Admins record
    links for any key; a business only for GTINs of its own products.
    """
    _require_actor(actor)
    if isinstance(documents, dict):
        documents = [documents]
    if not isinstance(documents, list) or not documents:
        raise ValidationFailed({"links": ["Give one entry or a list of entries."]})
    prepared = []
    for index, entry in enumerate(documents):
        prepared.append(_prepare_entry(actor, entry, f"[{index}]"))
    count = 0
    for anchor, qualifiers, organization_id, description, rows in prepared:
        db.session.execute(ResolverLink.__table__.delete().where(
            ResolverLink.anchor == anchor, ResolverLink.qualifiers == qualifiers))
        for position, row in enumerate(rows):
            db.session.add(ResolverLink(anchor=anchor, qualifiers=qualifiers,
                                        organization_id=organization_id,
                                        item_description=description, position=position, **row))
            count += 1
    db.session.flush()
    audit.record(actor, "resolver.links.import", "resolver_links",
                 ",".join(sorted({p[0] for p in prepared}))[:128],
                 details={"entries": len(prepared), "links": count})
    return count


def _prepare_entry(actor, entry, where: str):
    if not isinstance(entry, dict):
        raise ValidationFailed({where: ["Each entry is an object."]})
    anchor_text = str(entry.get("anchor") or "")
    qualifier_pairs = []
    for item in entry.get("qualifiers") or []:
        if not isinstance(item, dict):
            raise ValidationFailed({where + ".qualifiers": ["Write qualifiers as {\"10\": …}."]})
        qualifier_pairs.extend((str(k), str(v)) for k, v in item.items())
    probe = "https://resolver.invalid" + anchor_text + "".join(
        f"/{ai}/{'1' if _TEMPLATE.match(value) else gs1.dl_escape(value)}"
        for ai, value in qualifier_pairs)
    try:
        link = gs1.parse_digital_link(probe)
    except gs1.GS1Error as error:
        raise ValidationFailed({where + ".anchor": [f"{anchor_text}: {error.message}"]}) from error
    if link.compressed or len(link.path_ais) != 1 + len(qualifier_pairs):
        raise ValidationFailed({where + ".anchor": ["The anchor is a primary key alone, such "
                                                    "as /01/<GTIN>; put qualifiers apart."]})
    anchor = f"/{link.primary_key}/{gs1.dl_escape(link.key_value)}"
    qualifiers = "".join(f"/{ai}/{value if _TEMPLATE.match(value) else gs1.dl_escape(value)}"
                         for ai, value in qualifier_pairs)
    organization_id = _check_link_owner(actor, link, where)
    default_type = normalize_link_type(entry.get("defaultLinktype"))
    rows = []
    for number, item in enumerate(entry.get("links") or []):
        rows.append(_prepare_link(item, default_type, f"{where}.links[{number}]"))
    if not rows:
        raise ValidationFailed({where + ".links": ["Give at least one link."]})
    description = str(entry.get("itemDescription") or "")[:500]
    return anchor, qualifiers, organization_id, description, rows


def _check_link_owner(actor, link, where: str) -> int | None:
    if actor.is_admin:
        if link.primary_key == "01":
            return db.session.scalar(select(Product.organization_id)
                                     .where(Product.gtin == link.key_value))
        return None
    if actor.is_business and link.primary_key == "01":
        owner = db.session.scalar(select(Product.organization_id)
                                  .where(Product.gtin == link.key_value))
        if owner == actor.organization_id:
            return owner
        raise ValidationFailed({where + ".anchor": [
            f"GTIN {link.key_value} is not one of your organization's products."]})
    raise Forbidden("Only administrators record links for codes other than your own GTINs.")


def _prepare_link(item, default_type: str | None, where: str) -> dict:
    if not isinstance(item, dict):
        raise ValidationFailed({where: ["Each link is an object."]})
    errors = []
    link_type = normalize_link_type(item.get("linktype") or item.get("linkType"))
    if not link_type or not (link_type.startswith(tuple(KNOWN_NAMESPACES))
                             or re.match(r"^https?://[A-Za-z0-9./]+$", link_type)):
        errors.append("linktype: give a GS1 link type such as gs1:pip.")
    href = str(item.get("href") or "").strip()
    parts = urlsplit(href.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc or len(href) > 2000:
        errors.append("href: give an absolute http(s) address.")
    title = str(item.get("title") or "").strip()
    if not title:
        errors.append("title: every link needs a human-readable title.")
    hreflang = [str(v) for v in item.get("hreflang") or []]
    if any(not _HREFLANG.match(v) for v in hreflang):
        errors.append("hreflang: use language codes such as vi, en, en-GB or und.")
    context = [str(v) for v in item.get("context") or []]
    media_type = str(item.get("type") or "")
    if media_type and not re.match(r"^\w+/[-+.\w]+$", media_type):
        errors.append("type: give a media type such as text/html.")
    if errors:
        raise ValidationFailed({where: errors})
    return {"link_type": link_type, "href": href, "title": title[:500],
            "media_type": media_type, "hreflang": hreflang, "context": context,
            "is_default_type": link_type == default_type}
