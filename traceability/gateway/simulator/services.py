"""The gateway's rules applied to what it holds: dependency checks, upserts, the applied log."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from . import rules
from .models import (
    AppliedWrite,
    Certificate,
    DuplicateEvent,
    Event,
    EventLot,
    Location,
    Lot,
    Organization,
    Product,
    Recall,
)
from .problems import Problem

AWAITING_ACTIVATION = "cho_kich_hoat"
ACTIVE = "hoat_dong"


@dataclass
class WriteContext:
    """One write being applied: who sent it, under which idempotency key, and when."""

    session: Session
    client_id: str
    idempotency_key: str
    now: datetime
    auto_activate_after: float | None

    def applied(self, kind: str, key: str) -> int:
        entry = AppliedWrite(kind=kind, key=key, client_id=self.client_id,
                             idempotency_key=self.idempotency_key, applied_at=self.now)
        self.session.add(entry)
        self.session.flush()
        return entry.seq


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="microseconds") + "Z"


def blocked(code: str, title: str, detail: str, **extra: object) -> Problem:
    return Problem(409, title, detail, code=code, **extra)


# --- organizations ---------------------------------------------------------------------------

def effective_status(organization: Organization, auto_activate_after: float | None,
                     now: datetime) -> str:
    """The status, counting an automatic activation that is due but not yet written."""
    if organization.trang_thai == AWAITING_ACTIVATION and auto_activate_after is not None and (
        now >= organization.created_at + timedelta(seconds=auto_activate_after)
    ):
        return ACTIVE
    return organization.trang_thai


def activate(organization: Organization, now: datetime) -> None:
    if organization.trang_thai != ACTIVE:
        organization.trang_thai = ACTIVE
        organization.activated_at = now


def organization_view(organization: Organization, status: str | None = None) -> dict[str, Any]:
    return {
        **organization.data,
        "maSoThue": organization.ma_so_thue,
        "trangThai": status or organization.trang_thai,
        "ngayTao": iso(organization.created_at),
        "ngayKichHoat": iso(organization.activated_at),
    }


def put_organization(ctx: WriteContext, tax_code: str, body: dict) -> tuple[int, dict]:
    rules.validate_organization(tax_code, body)
    data = {key: value for key, value in body.items() if key != "maSoThue"}
    organization = ctx.session.get(Organization, tax_code)
    created = organization is None
    if created:
        organization = Organization(ma_so_thue=tax_code, trang_thai=AWAITING_ACTIVATION,
                                    created_at=ctx.now, activated_at=None)
        ctx.session.add(organization)
    organization.data = data
    organization.updated_at = ctx.now
    ctx.applied("organization", tax_code)
    status = effective_status(organization, ctx.auto_activate_after, ctx.now)
    return (201 if created else 200), organization_view(organization, status)


def _known_organization(session: Session, tax_code: str) -> Organization:
    organization = session.get(Organization, tax_code)
    if organization is None:
        raise blocked("unknown_organization", "Unknown organization",
                      f"The organization {tax_code} has not been sent to the gateway yet.",
                      maSoThue=tax_code)
    return organization


# --- locations and products ------------------------------------------------------------------

def put_location(ctx: WriteContext, gln: str, body: dict) -> tuple[int, dict]:
    rules.validate_location(gln, body)
    _known_organization(ctx.session, body["maSoThue"])
    data = {key: value for key, value in body.items() if key != "gln"}
    location = ctx.session.get(Location, gln)
    created = location is None
    if created:
        location = Location(gln=gln)
        ctx.session.add(location)
    location.ma_so_thue = body["maSoThue"]
    location.data = data
    location.updated_at = ctx.now
    ctx.applied("location", gln)
    return (201 if created else 200), {**data, "gln": gln}


def put_product(ctx: WriteContext, gtin: str, body: dict) -> tuple[int, dict]:
    rules.validate_product(gtin, body)
    organization = _known_organization(ctx.session, body["maSoThue"])
    if effective_status(organization, ctx.auto_activate_after, ctx.now) != ACTIVE:
        raise blocked(
            "organization_not_active", "Organization not active",
            f"The organization {organization.ma_so_thue} awaits activation by the portal's "
            "staff; products are accepted once it is active.",
            maSoThue=organization.ma_so_thue,
        )
    activate(organization, ctx.now)
    data = {key: value for key, value in body.items() if key != "gtin"}
    product = ctx.session.get(Product, gtin)
    created = product is None
    if created:
        product = Product(gtin=gtin)
        ctx.session.add(product)
    product.ma_so_thue = body["maSoThue"]
    product.data = data
    product.updated_at = ctx.now
    ctx.applied("product", gtin)
    return (201 if created else 200), {**data, "gtin": gtin}


# --- lots ------------------------------------------------------------------------------------

def lot_key(gtin: str, lot: str) -> str:
    return f"{gtin}/{lot}"


def lot_view(lot: Lot) -> dict[str, Any]:
    return {**lot.data, "gtin": lot.gtin, "soLo": lot.so_lo, "maSoThue": lot.ma_so_thue,
            "capNhatLuc": iso(lot.updated_at), "phienBan": lot.version}


def put_lot(ctx: WriteContext, gtin: str, lot_number: str, body: dict) -> tuple[int, dict]:
    rules.validate_lot(body)
    product = ctx.session.get(Product, gtin)
    if product is None:
        raise blocked("unknown_product", "Unknown product",
                      f"The product {gtin} must be sent before its lots.", gtin=gtin)
    site = body.get("glnSanXuat")
    if site is not None and ctx.session.get(Location, site) is None:
        raise blocked("unknown_location", "Unknown location",
                      f"The production site {site} must be sent before lots made there.",
                      gln=site)
    data = {key: value for key, value in body.items() if key not in ("gtin", "soLo")}
    lot = ctx.session.get(Lot, (gtin, lot_number))
    version = ctx.applied("lot", lot_key(gtin, lot_number))
    created = lot is None
    if created:
        lot = Lot(gtin=gtin, so_lo=lot_number)
        ctx.session.add(lot)
    lot.ma_so_thue = product.ma_so_thue
    lot.data = data
    lot.updated_at = ctx.now
    lot.version = version
    return (201 if created else 200), lot_view(lot)


def _require_lot(session: Session, gtin: str, lot_number: str) -> Lot:
    lot = session.get(Lot, (gtin, lot_number))
    if lot is None:
        raise blocked("unknown_lot", "Unknown lot",
                      f"The lot {lot_number} of {gtin} must be sent before what refers to it.",
                      lots=[{"gtin": gtin, "soLo": lot_number}])
    return lot


# --- events ----------------------------------------------------------------------------------

def post_events(ctx: WriteContext, document: object) -> tuple[int, dict]:
    events = rules.validate_epcis_document(document)
    named = [rules.lots_named(event) for event in events]
    wanted = set().union(*named)
    missing = sorted(pair for pair in wanted if ctx.session.get(Lot, pair) is None)
    if missing:
        raise blocked(
            "unknown_lot", "Unknown lot",
            "The document names lots the gateway has not received yet; send them first.",
            lots=[{"gtin": gtin, "soLo": lot} for gtin, lot in missing],
        )
    held = set(ctx.session.scalars(
        select(Event.event_id).where(Event.event_id.in_({event["eventID"] for event in events}))
    ))
    accepted: list[str] = []
    for event, lots in zip(events, named, strict=True):
        event_id = event["eventID"]
        if event_id in held:
            ctx.session.add(DuplicateEvent(event_id=event_id, at=ctx.now))
            continue
        held.add(event_id)
        ctx.session.add(Event(event_id=event_id, event_type=event["type"],
                              event_time=event["eventTime"], data=event, received_at=ctx.now))
        ctx.session.add_all(EventLot(event_id=event_id, gtin=gtin, so_lo=lot)
                            for gtin, lot in sorted(lots))
        ctx.applied("event", event_id)
        accepted.append(event_id)
    return 202, {"accepted": len(accepted), "duplicates": len(events) - len(accepted),
                 "eventIDs": accepted}


# --- certificates and recalls ----------------------------------------------------------------

def put_certificate(ctx: WriteContext, number: str, body: dict) -> tuple[int, dict]:
    scope = rules.validate_certificate(body)
    if scope["maSoThue"]:
        _known_organization(ctx.session, scope["maSoThue"])
    if scope["gln"] and ctx.session.get(Location, scope["gln"]) is None:
        raise blocked("unknown_location", "Unknown location",
                      f"The location {scope['gln']} must be sent before its certificates.",
                      gln=scope["gln"])
    if scope["gtin"] and ctx.session.get(Product, scope["gtin"]) is None:
        raise blocked("unknown_product", "Unknown product",
                      f"The product {scope['gtin']} must be sent before its certificates.",
                      gtin=scope["gtin"])
    data = {key: value for key, value in body.items() if key != "soChungNhan"}
    certificate = ctx.session.get(Certificate, number)
    created = certificate is None
    if created:
        certificate = Certificate(so_chung_nhan=number)
        ctx.session.add(certificate)
    certificate.ma_so_thue = scope["maSoThue"]
    certificate.gln = scope["gln"]
    certificate.gtin = scope["gtin"]
    certificate.data = data
    certificate.updated_at = ctx.now
    ctx.applied("certificate", number)
    return (201 if created else 200), {**data, "soChungNhan": number}


def recall_view(recall: Recall) -> dict[str, Any]:
    return {**recall.data, "id": recall.id, "gtin": recall.gtin, "soLo": recall.so_lo,
            "nhanLuc": iso(recall.created_at)}


def post_recall(ctx: WriteContext, body: dict) -> tuple[int, dict]:
    gtin, lot_number = rules.validate_recall(body)
    _require_lot(ctx.session, gtin, lot_number)
    data = {key: value for key, value in body.items() if key not in ("gtin", "soLo")}
    recall = Recall(gtin=gtin, so_lo=lot_number, data=data, created_at=ctx.now)
    ctx.session.add(recall)
    ctx.session.flush()
    ctx.applied("recall", lot_key(gtin, lot_number))
    return 201, recall_view(recall)


# --- reads -----------------------------------------------------------------------------------

def list_lots(session: Session, tax_code: str | None, since: datetime | None,
              after_version: int, limit: int) -> tuple[list[dict], int | None]:
    """A page of lots ordered by last change; the cursor is the last lot's version."""
    query = select(Lot).where(Lot.version > after_version).order_by(Lot.version).limit(limit + 1)
    if tax_code:
        query = query.where(Lot.ma_so_thue == tax_code)
    if since:
        query = query.where(Lot.updated_at >= since)
    lots = list(session.scalars(query))
    has_more = len(lots) > limit
    lots = lots[:limit]
    gtins = {lot.gtin for lot in lots}
    numbers = {lot.so_lo for lot in lots}
    event_counts = _counts_by_lot(session, EventLot.gtin, EventLot.so_lo, gtins, numbers)
    recall_counts = _counts_by_lot(session, Recall.gtin, Recall.so_lo, gtins, numbers)
    items = [
        {**lot_view(lot),
         "soSuKien": event_counts.get((lot.gtin, lot.so_lo), 0),
         "soThuHoi": recall_counts.get((lot.gtin, lot.so_lo), 0)}
        for lot in lots
    ]
    return items, (lots[-1].version if has_more else None)


def _counts_by_lot(session: Session, gtin_column, lot_column, gtins: set[str],
                   numbers: set[str]) -> dict[tuple[str, str], int]:
    if not gtins:
        return {}
    rows = session.execute(
        select(gtin_column, lot_column, func.count())
        .where(gtin_column.in_(gtins), lot_column.in_(numbers))
        .group_by(gtin_column, lot_column)
    )
    return {(gtin, lot): count for gtin, lot, count in rows}


def trace(session: Session, gtin: str, lot_number: str, auto_activate_after: float | None,
          now: datetime) -> dict[str, Any]:
    """The public view of one lot: product, producer, lot, journey, recalls, certificates."""
    lot = session.get(Lot, (gtin, lot_number))
    if lot is None:
        raise Problem(404, "Lot not found",
                      f"The gateway holds no lot {lot_number} of {gtin}.", code="not_found")
    product = session.get(Product, gtin)
    organization = session.get(Organization, lot.ma_so_thue)
    events = list(session.scalars(
        select(Event).join(EventLot, EventLot.event_id == Event.event_id)
        .where(EventLot.gtin == gtin, EventLot.so_lo == lot_number)
    ))
    events.sort(key=lambda event: (rules.parse_instant(event.event_time), event.event_id))
    recalls = session.scalars(
        select(Recall).where(Recall.gtin == gtin, Recall.so_lo == lot_number).order_by(Recall.id)
    )
    scope = [Certificate.gtin == gtin, Certificate.ma_so_thue == lot.ma_so_thue]
    if lot.data.get("glnSanXuat"):
        scope.append(Certificate.gln == lot.data["glnSanXuat"])
    certificates = session.scalars(
        select(Certificate).where(or_(*scope)).order_by(Certificate.so_chung_nhan)
    )
    status = effective_status(organization, auto_activate_after, now) if organization else None
    return {
        "sanPham": {**product.data, "gtin": gtin} if product else None,
        "toChuc": organization_view(organization, status) if organization else None,
        "lo": lot_view(lot),
        "suKien": [event.data for event in events],
        "thuHoi": [recall_view(recall) for recall in recalls],
        "chungNhan": [{**c.data, "soChungNhan": c.so_chung_nhan} for c in certificates],
    }

