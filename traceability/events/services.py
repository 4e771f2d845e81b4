"""Traceability events: capture, access rules, EPCIS queries, exports and the product passport.

Capture (``capture``) takes an EPCISDocument, an EPCISQueryDocument or one event, and either
records every new event or nothing:

1. the whole input is validated against the EPCIS 2.0 schema and the CBV (``epcis``); any
   problem refuses it with every reason (400);
2. events without an ``eventID`` get the CBV 2.0 event hash; an event already recorded with the
   same ID and content is a duplicate (ignored and reported), with other content a conflict;
3. identifiers are resolved to our records: batches by GTIN + lot, units by GTIN + serial (their
   batch), places and parties by GLN; what resolves to nothing is kept and reported;
4. a business may record events about another organization's batch only as that event's
   source or destination, or once it holds the batch (it was shipped to or received by it);
5. each event is written with its chain links, its audit entry and its gateway message.

Functions take the acting user first, flush but never commit.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..database import utcnow
from ..errors import Conflict, Forbidden, NotFound, ServiceError, Unauthorized, ValidationFailed
from ..extensions import db
from ..oversight import audit
from ..registry import services as registry
from ..registry.models import Batch, Location, Organization, Product
from . import chain
from .epcis import (
    PROJECT_NAMESPACE,
    PROJECT_PREFIX,
    assign_event_ids,
    event_hash_id,
    iter_events,
    summarize_event,
    validate_document,
    validate_query,
)
from .epcis.builder import EPCIS_CONTEXT_URL
from .epcis.context import STANDARD_PREFIXES, Namespaces
from .epcis.identifiers import hash_form_of_identifier, identifier_elements
from .epcis.timeutil import parse_timestamp
from .epcis.validation import problems_by_path
from .epcis.vocabulary import Form, Vocabulary, classify
from .models import (
    EVENT_ID_MAX,
    IDENTIFIER_MAX,
    EPCISEvent,
    EventObject,
    EventOrganization,
    EventParty,
    TraceLink,
)

#: Most events one capture request may carry (EPCIS: GS1-EPCIS-Capture-Limit).
CAPTURE_LIMIT = 2000
#: Largest quantity kept (the column holds 14 integer digits).
QUANTITY_LIMIT = Decimal("1e14")
INBOUND_STEPS = frozenset({"receiving", "accepting", "arriving"})
OBJECT_FIELDS = ("epcList", "parentID", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList",
                   "outputQuantityList")
_STANDARD_CONTEXT_PREFIX = "https://ref.gs1.org/standards/epcis/"


class InvalidDocument(ServiceError):
    """400: the EPCIS input is not valid; ``errors`` maps JSON pointers to the reasons."""

    status = 400
    slug = "invalid-epcis-document"

    def __init__(self, errors: dict, detail: str | None = None):
        super().__init__(detail or "The EPCIS document is not valid; nothing was recorded. "
                         "Each reason is listed under 'errors' by its place in the document.",
                         errors=errors)


class CaptureLimitExceeded(ServiceError):
    status = 413
    slug = "capture-limit-exceeded"


class QueryTooLarge(ServiceError):
    status = 413
    slug = "query-too-large"


# =========================================================================== access


def _require_actor(actor):
    if actor is None:
        raise Unauthorized("Sign in or send an API key as 'Authorization: Bearer <key>'.")
    return actor


def writer_organization(actor) -> Organization | None:
    """The business's own organization (must be approved); None for an administrator."""
    _require_actor(actor)
    if actor.is_admin:
        return None
    if actor.is_business:
        organization = db.session.get(Organization, actor.organization_id)
        if organization is None or organization.status != "approved":
            raise Forbidden("Your organization is not approved yet; events can be recorded "
                            "once the provincial authority approves it.")
        return organization
    raise Forbidden("Inspectors read traceability events but do not record them.")


def _visible_organization_ids(actor):
    """None: no limit; otherwise a select or list of the organization ids the actor reads."""
    if actor.is_business:
        return [actor.organization_id]
    return registry.visible_organization_ids(actor)


def _visible_events_clause(actor):
    organizations = _visible_organization_ids(actor)
    if organizations is None:
        return None
    return exists(select(EventOrganization.event_pk).where(
        EventOrganization.event_pk == EPCISEvent.id,
        EventOrganization.organization_id.in_(organizations)))


def can_read_batch(actor, batch: Batch) -> bool:
    """Registry visibility, plus, for a business, the batches its events link it to: lots it
    shipped, received or transformed, and batches one step back or forward of its own."""
    if actor is None:
        return False
    if registry.can_read_organization(actor, batch.organization):
        return True
    if not actor.is_business:
        return False
    return bool(db.session.scalar(select(exists().where(
        EventOrganization.event_pk.in_(chain.events_of_batch(batch.id)),
        EventOrganization.organization_id == actor.organization_id,
        EPCISEvent.id == EventOrganization.event_pk,
        EPCISEvent.erroneous.is_(False),
    ))))


def get_readable_batch(actor, batch_id: int) -> Batch:
    _require_actor(actor)
    batch = db.session.get(Batch, batch_id)
    if batch is None or not can_read_batch(actor, batch):
        raise NotFound(f"Batch {batch_id} not found.")
    return batch


# =========================================================================== resolution


@dataclass
class _Named:
    """An identifier an event names, and what it is here."""

    field: str
    identifier: str
    canonical: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    batch: Batch | None = None
    product: Product | None = None

    @property
    def resolved(self) -> bool:
        return self.batch is not None or self.product is not None

    @property
    def instance(self) -> bool:
        return self.field in OBJECT_FIELDS


@dataclass
class _Party:
    role: str
    type: str | None
    identifier: str
    gln: str | None
    organization: Organization | None = None


@dataclass
class _Place:
    name: str
    identifier: str
    canonical: str
    gln: str | None
    location: Location | None = None
    organization: Organization | None = None


@dataclass
class _Plan:
    """One event to record, with everything resolved."""

    path: str
    event: dict
    context: Any
    event_id: str
    declaration: bool
    content_hash: str
    summary: dict
    named: list[_Named] = field(default_factory=list)
    parties: list[_Party] = field(default_factory=list)
    places: list[_Place] = field(default_factory=list)
    organization: Organization | None = None
    links: list[dict] = field(default_factory=list)
    #: Batches packed in the logistic units the event names (not named themselves).
    contained: list[Batch] = field(default_factory=list)

    @property
    def batches(self) -> list[Batch]:
        found: dict[int, Batch] = {}
        for item in self.named:
            if item.batch is not None:
                found.setdefault(item.batch.id, item.batch)
        return list(found.values())

    def unresolved(self) -> list[dict]:
        missing = [{"field": item.field, "identifier": item.identifier}
                   for item in self.named if not item.resolved]
        missing += [{"field": f"{party.role}List", "identifier": party.identifier}
                    for party in self.parties if party.organization is None]
        missing += [{"field": place.name, "identifier": place.identifier}
                    for place in self.places
                    if place.location is None and place.organization is None]
        return missing


def canonical_identifier(text: str) -> str:
    """The form identifiers are matched in: the constrained canonical Digital Link for GS1
    keys (EPC URIs and Digital Links on any domain alike), else the text as written."""
    value = text.strip()
    return hash_form_of_identifier(value) or value


def _elements(text: str) -> dict[str, str]:
    return dict(identifier_elements(text) or ())


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _named_objects(summary: dict) -> list[_Named]:
    named: list[_Named] = []
    for name in OBJECT_FIELDS:
        values = summary.get(name)
        if name == "parentID":
            values = [values] if values else []
        for identifier in values or []:
            named.append(_describe(name, identifier.original, None, None))
    for name in QUANTITY_FIELDS:
        for item in summary.get(name) or []:
            named.append(_describe(name, item.epc_class.original, _decimal(item.quantity),
                                   item.uom))
    return named


def _describe(field_name: str, text: str, quantity, uom) -> _Named:
    values = _elements(text)
    return _Named(field_name, text.strip(), canonical_identifier(text), values.get("01"),
                  values.get("10"), values.get("21"), quantity, uom)


class _Resolver:
    """Looks our records up for many identifiers at once."""

    def __init__(self) -> None:
        self.batches: dict[tuple[str, str], Batch] = {}
        self.serial_batches: dict[tuple[str, str], Batch] = {}
        self.products: dict[str, Product] = {}
        self.locations: dict[str, Location] = {}
        self.organizations: dict[str, Organization] = {}

    def load(self, plans: list[_Plan]) -> None:
        lots, serials, gtins, glns = set(), set(), set(), set()
        for plan in plans:
            for item in plan.named:
                if item.gtin and item.serial:
                    serials.add((item.gtin, item.serial))
                if item.gtin and item.lot:
                    lots.add((item.gtin, item.lot))
                if item.gtin and not item.lot and not item.serial:
                    gtins.add(item.gtin)
            glns.update(party.gln for party in plan.parties if party.gln)
            glns.update(place.gln for place in plan.places if place.gln)
        self._load_serials(serials)
        for chunk in _chunks(sorted(lots)):
            condition = or_(*(and_(Batch.gtin == g, Batch.lot == lot) for g, lot in chunk))
            for batch in db.session.scalars(select(Batch).where(condition)):
                self.batches[(batch.gtin, batch.lot)] = batch
        for chunk in _chunks(sorted(gtins)):
            for product in db.session.scalars(select(Product).where(Product.gtin.in_(chunk))):
                self.products[product.gtin] = product
        for chunk in _chunks(sorted(glns)):
            for location in db.session.scalars(select(Location).where(Location.gln.in_(chunk))):
                self.locations[location.gln] = location
            for organization in db.session.scalars(
                    select(Organization).where(Organization.gln.in_(chunk))):
                self.organizations[organization.gln] = organization

    def _load_serials(self, serials: set[tuple[str, str]]) -> None:
        if not serials:
            return
        from ..labels.models import Serial

        for chunk in _chunks(sorted(serials)):
            condition = or_(*(and_(Serial.gtin == g, Serial.serial == s) for g, s in chunk))
            rows = db.session.execute(select(Serial.gtin, Serial.serial, Batch)
                                      .join(Batch, Batch.id == Serial.batch_id)
                                      .where(condition))
            for gtin, serial, batch in rows:
                self.serial_batches[(gtin, serial)] = batch

    def apply(self, plan: _Plan) -> None:
        for item in plan.named:
            if item.gtin and item.serial:
                item.batch = self.serial_batches.get((item.gtin, item.serial))
            if item.batch is None and item.gtin and item.lot:
                item.batch = self.batches.get((item.gtin, item.lot))
            if item.gtin and not item.lot and not item.serial:
                item.product = self.products.get(item.gtin)
        for party in plan.parties:
            party.organization = self._organization_of(party.gln, prefer_location=(
                party.type == "location"))
        for place in plan.places:
            if place.gln:
                place.location = self.locations.get(place.gln)
                place.organization = (place.location.organization if place.location
                                      else self.organizations.get(place.gln))

    def _organization_of(self, gln: str | None, *, prefer_location: bool) -> Organization | None:
        if not gln:
            return None
        location = self.locations.get(gln)
        by_location = location.organization if location else None
        direct = self.organizations.get(gln)
        return (by_location or direct) if prefer_location else (direct or by_location)


def _chunks(values: list, size: int = 200):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# =========================================================================== capture


@dataclass
class CaptureResult:
    captured: list[EPCISEvent] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        unresolved = [{"event_id": row.event_id, **item}
                      for row in self.captured for item in row.unresolved]
        return {
            "captured": [captured_to_dict(row) for row in self.captured],
            "duplicates": list(self.duplicates),
            "unresolved": unresolved,
            "captured_count": len(self.captured),
            "duplicate_count": len(self.duplicates),
        }


def captured_to_dict(row: EPCISEvent) -> dict:
    return {
        "id": row.id, "event_id": row.event_id, "event_type": row.event_type,
        "event_time": row.event_time.isoformat(), "biz_step": row.biz_step,
        "error_declaration": row.is_error_declaration,
        "organization_id": row.organization_id,
        "batch_ids": sorted({o.batch_id for o in row.objects if o.batch_id is not None}),
        "unresolved": list(row.unresolved),
    }


def capture(actor, document: Any, *, single_event: bool = False,
            channel: str = "api") -> CaptureResult:
    """Record the events of ``document`` (all or nothing; duplicates are ignored)."""
    writer = writer_organization(actor)
    _check_shape(document, single_event)
    problems = validate_document(document)
    if problems:
        raise InvalidDocument(_problem_map(problems))
    document = copy.deepcopy(document)
    events = list(iter_events(document))
    if len(events) > CAPTURE_LIMIT:
        raise CaptureLimitExceeded(f"A capture may carry at most {CAPTURE_LIMIT} events; this "
                                   f"one has {len(events)}. Send them in several documents.")
    assign_event_ids(document)
    context = document.get("@context")
    prefix = _events_path(document)
    plans = [_plan(f"{prefix}/{index}" if prefix is not None else "", event, context,
                   single_event) for index, event in enumerate(events)]
    limit_problems = {}
    for plan in plans:
        limit_problems.update(_limit_problems(plan))
    if limit_problems:
        raise InvalidDocument(limit_problems)
    plans, duplicates = _drop_duplicates(plans)
    resolver = _Resolver()
    resolver.load(plans)
    for plan in plans:
        resolver.apply(plan)
    _authorize(writer, plans)
    result = CaptureResult(duplicates=duplicates)
    for plan in plans:
        result.captured.append(_write(actor, plan, channel))
    return result


def _check_shape(document: Any, single_event: bool) -> None:
    if not isinstance(document, dict):
        raise InvalidDocument({"/": ["The body must be a JSON object: an EPCIS 2.0 event or "
                                     "EPCISDocument in JSON-LD."]})
    kind = document.get("type")
    if single_event and kind in ("EPCISDocument", "EPCISQueryDocument"):
        raise InvalidDocument({"/type": [f"This endpoint takes one event; send an {kind} to "
                                         "POST /api/v1/epcis/capture."]})
    if not single_event and kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise InvalidDocument({"/type": ["Send an EPCISDocument here (type 'EPCISDocument'); "
                                         "one event alone goes to POST /api/v1/events."]})


def _problem_map(problems) -> dict:
    return {path or "/": messages for path, messages in problems_by_path(problems).items()}


def _events_path(document: dict) -> str | None:
    if document.get("type") == "EPCISDocument":
        return "/epcisBody/eventList"
    if document.get("type") == "EPCISQueryDocument":
        return "/epcisBody/queryResults/resultsBody/eventList"
    return None


def _plan(path: str, event: dict, context: Any, single_event: bool) -> _Plan:
    if single_event:
        event = dict(event)
        context = event.pop("@context", None)
    summary = summarize_event(event)
    plan = _Plan(path=path, event=event, context=context,
                 event_id=str(event["eventID"]).strip(),
                 declaration=isinstance(event.get("errorDeclaration"), dict),
                 content_hash=event_hash_id(event, context=context), summary=summary)
    plan.named = _named_objects(summary)
    for role in ("source", "destination"):
        for item in summary.get(f"{role}List") or []:
            plan.parties.append(_Party(role, item.type, item.id, item.gln))
    for name in ("readPoint", "bizLocation"):
        place = summary.get(name)
        if place is not None:
            plan.places.append(_Place(name, place.id, canonical_identifier(place.id), place.gln))
    return plan


def _limit_problems(plan: _Plan) -> dict:
    """What this repository cannot store although EPCIS allows it (lengths, magnitudes)."""
    found: dict[str, list[str]] = {}

    def add(where: str, message: str) -> None:
        found.setdefault(f"{plan.path}/{where}", []).append(message)

    if len(plan.event_id) > EVENT_ID_MAX:
        add("eventID", f"eventIDs longer than {EVENT_ID_MAX} characters are not accepted here.")
    texts = [(item.field, item.identifier) for item in plan.named]
    texts += [(f"{party.role}List", party.identifier) for party in plan.parties]
    texts += [(place.name, place.identifier) for place in plan.places]
    for where, text in texts:
        if len(text) > IDENTIFIER_MAX:
            add(where, f"identifiers longer than {IDENTIFIER_MAX} characters are not accepted "
                       f"here ({text[:40]}…).")
    namespaces = Namespaces.from_context(plan.context).extended(plan.event.get("@context"))
    values = [("type", plan.event.get("type")),
              ("bizStep", _canonical_vocabulary(Vocabulary.BIZ_STEP, plan.event.get("bizStep"),
                                                namespaces)),
              ("disposition", _canonical_vocabulary(Vocabulary.DISPOSITION,
                                                    plan.event.get("disposition"), namespaces))]
    values += [(f"{party.role}List", party.type) for party in plan.parties]
    for where, value in values:
        if isinstance(value, str) and len(value) > 255:
            add(where, "values longer than 255 characters are not accepted here.")
    for item in plan.named:
        if item.quantity is not None and abs(item.quantity) >= QUANTITY_LIMIT:
            add(item.field, f"quantity {item.quantity} is too large to record (at most 14 "
                            "digits before the decimal point).")
    return found


def _drop_duplicates(plans: list[_Plan]) -> tuple[list[_Plan], list[str]]:
    """Split off events already recorded (same ID, same content) or repeated in the input."""
    keys = {(plan.event_id, plan.declaration) for plan in plans}
    stored: dict[tuple[str, bool], str] = {}
    ids = sorted({key[0] for key in keys})
    for chunk in _chunks(ids):
        for event_id, declaration, content_hash in db.session.execute(
                select(EPCISEvent.event_id, EPCISEvent.is_error_declaration,
                       EPCISEvent.content_hash).where(EPCISEvent.event_id.in_(chunk))):
            stored[(event_id, declaration)] = content_hash
    fresh, duplicates = [], []
    for plan in plans:
        key = (plan.event_id, plan.declaration)
        known = stored.get(key)
        if known is None:
            stored[key] = plan.content_hash
            fresh.append(plan)
        elif known == plan.content_hash:
            duplicates.append(plan.event_id)
        else:
            raise Conflict(
                f"Event {plan.event_id} is already recorded with different content; an EPCIS "
                "event is never changed. Record an error declaration for it (errorDeclaration) "
                "and a corrective event instead.",
                errors={plan.path or "/": ["eventID already used for a different event."]})
    return fresh, duplicates


# --------------------------------------------------------------------------- authorization


def _authorize(writer: Organization | None, plans: list[_Plan]) -> None:
    """Decide each event's recording organization; refuse (403) a business's event about
    another organization's batch unless it is a party of the event or holds the batch."""
    held: set[tuple[int, int]] = set()
    refusals: dict[str, list[str]] = {}
    containers = _Containers()
    for plan in plans:
        plan.organization = writer or _inferred_organization(plan)
        plan.links = _links(plan, containers)
        containers.note(plan)
        if writer is not None:
            refusals.update(_refusals(plan, writer, held))
        for link in plan.links:
            if link["relation"] in ("shipment", "receipt") and link["to_organization"]:
                held.add((link["to_organization"].id, link["from_batch"].id))
    if refusals:
        raise Forbidden(
            "Your organization may record events about another organization's batch only as "
            "the event's source or destination (sourceList / destinationList), or once the "
            "batch was shipped to or received by you. Nothing was recorded.",
            errors=refusals)


def _refusals(plan: _Plan, writer: Organization, held: set) -> dict:
    found: dict[str, list[str]] = {}
    where = plan.path or "/"
    if plan.declaration:
        original = db.session.scalar(select(EPCISEvent).where(
            EPCISEvent.event_id == plan.event_id, EPCISEvent.is_error_declaration.is_(False)))
        if original is not None and original.organization_id != writer.id:
            found.setdefault(where, []).append(
                f"Event {plan.event_id} was recorded by another organization; only it (or the "
                "provincial authority) can declare it erroneous.")
    party_ids = {party.organization.id for party in plan.parties if party.organization}
    if writer.id in party_ids:
        return found
    for batch in _unique([*plan.batches, *plan.contained]):
        if batch.organization_id == writer.id:
            continue
        if (writer.id, batch.id) in held or _holds(writer.id, batch.id):
            continue
        found.setdefault(where, []).append(
            f"Lot {batch.lot} of GTIN {batch.gtin} belongs to {batch.organization.name}; name "
            "your organization as this event's source or destination, or record the receipt "
            "of the lot first.")
    return found


def _holds(organization_id: int, batch_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        TraceLink.from_batch_id == batch_id,
        TraceLink.to_organization_id == organization_id,
        TraceLink.relation.in_(("shipment", "receipt")),
        EPCISEvent.id == TraceLink.event_pk,
        EPCISEvent.erroneous.is_(False),
    ))))


def _place_organization(plan: _Plan) -> Organization | None:
    for name in ("bizLocation", "readPoint"):
        for place in plan.places:
            if place.name == name and place.organization is not None:
                return place.organization
    return None


def _inferred_organization(plan: _Plan) -> Organization | None:
    """For an administrator's record: the organization of the place, of the batches, of the
    parties, in that order."""
    found = _place_organization(plan)
    if found is None and plan.batches:
        found = plan.batches[0].organization
    if found is None:
        found = next((p.organization for p in plan.parties if p.organization), None)
    return found


# --------------------------------------------------------------------------- chain links


class _Containers:
    """What logistic units (an SSCC, a case…) hold, from AggregationEvents that packed our
    batches into them: recorded ones and those earlier in the same capture."""

    def __init__(self) -> None:
        self.known: dict[str, list[_Named]] = {}

    def note(self, plan: _Plan) -> None:
        if (plan.summary.get("type") == "AggregationEvent" and not plan.declaration
                and plan.summary.get("action") == "ADD"):
            parent = next((i for i in plan.named if i.field == "parentID"), None)
            if parent is not None:
                self.known.setdefault(parent.canonical, []).extend(
                    i for i in plan.named if i.field != "parentID" and i.batch is not None)

    def contents(self, canonicals: list[str]) -> list[_Named]:
        missing = [c for c in canonicals if c not in self.known]
        if missing:
            self._load(missing)
        return [item for c in canonicals for item in self.known.get(c, [])]

    def _load(self, canonicals: list[str]) -> None:
        for canonical in canonicals:
            self.known.setdefault(canonical, [])
        packed = (select(EventObject.event_pk, EventObject.canonical)
                  .join(EPCISEvent, EPCISEvent.id == EventObject.event_pk)
                  .where(EventObject.field == "parentID", EventObject.canonical.in_(canonicals),
                         EPCISEvent.event_type == "AggregationEvent",
                         EPCISEvent.action == "ADD", EPCISEvent.erroneous.is_(False),
                         EPCISEvent.is_error_declaration.is_(False)))
        parents = dict(db.session.execute(packed).all())
        if not parents:
            return
        for child in db.session.scalars(select(EventObject).where(
                EventObject.event_pk.in_(list(parents)), EventObject.batch_id.is_not(None),
                EventObject.field.in_(("childEPCs", "childQuantityList")))):
            self.known[parents[child.event_pk]].append(_Named(
                child.field, child.identifier, child.canonical, child.gtin, child.lot,
                child.serial, child.quantity, child.uom, batch=child.batch))


def _moved_batches(plan: _Plan, containers: _Containers) -> list[tuple]:
    """Each batch an event moves (named, or packed in a logistic unit it names), with the
    quantity moved (a count for serialised units)."""
    packing = plan.summary.get("type") == "AggregationEvent"
    units = [i.canonical for i in plan.named if i.instance and i.batch is None
             and not (packing and i.field == "parentID")]
    moved: dict[int, list] = {}
    for item in [*plan.named, *containers.contents(units)]:
        if item.batch is None:
            continue
        entry = moved.setdefault(item.batch.id, [item.batch, None, None, 0])
        if item.instance:
            entry[3] += 1
        elif item.quantity is not None and entry[2] in (None, item.uom):
            entry[1] = (entry[1] or Decimal(0)) + item.quantity
            entry[2] = item.uom
    return [(batch, quantity if quantity is not None else (Decimal(count) if count else None),
             uom if quantity is not None else None)
            for batch, quantity, uom, count in moved.values()]


def _links(plan: _Plan, containers: _Containers) -> list[dict]:
    if plan.declaration:
        return []
    if plan.summary.get("type") == "TransformationEvent":
        return _transformation_links(plan)
    moved = _moved_batches(plan, containers)
    named = {batch.id for batch in plan.batches}
    plan.contained = [batch for batch, _, _ in moved if batch.id not in named]
    if not moved:
        return []
    step = plan.summary.get("bizStep")
    sources = [p for p in plan.parties if p.role == "source"]
    destinations = [p for p in plan.parties if p.role == "destination"]
    links = []
    if step in INBOUND_STEPS:
        receivers = _unique([p.organization for p in destinations if p.organization]
                            or [_place_organization(plan) or plan.organization])
        receivers = [r for r in receivers if r is not None]
        origin = _unique_parties(sources, exclude={r.id for r in receivers})
        for batch, quantity, uom in moved:
            for receiver in receivers:
                for party in origin or [None]:
                    links.append(_custody("receipt", batch, quantity, uom, party, receiver))
    elif destinations:
        recorder = plan.organization.id if plan.organization else None
        targets = _unique_parties(destinations, exclude={recorder} if recorder else set())
        for batch, quantity, uom in moved:
            for party in targets:
                links.append(_custody("shipment", batch, quantity, uom, None, party))
    return links


def _unique(records: list) -> list:
    """Records (organizations, batches) without repeats, in order."""
    seen, result = set(), []
    for record in records:
        key = record.id if record is not None else None
        if key not in seen:
            seen.add(key)
            result.append(record)
    return result


def _unique_parties(parties: list[_Party], exclude: set) -> list[_Party]:
    """One party per organization (several lists may name it: owner, possessor, place)."""
    seen, result = set(exclude), []
    for party in parties:
        key = party.organization.id if party.organization else party.identifier
        if key not in seen:
            seen.add(key)
            result.append(party)
    return result


def _custody(relation, batch, quantity, uom, source, destination) -> dict:
    """``source`` / ``destination``: a ``_Party``, an ``Organization`` or None."""

    def organization(side):
        return side.organization if isinstance(side, _Party) else side

    def identifier(side):
        return side.identifier if isinstance(side, _Party) and side.organization is None \
            else None

    return {"relation": relation, "from_batch": batch, "to_batch": batch,
            "from_organization": organization(source), "to_organization": organization(
                destination), "from_identifier": identifier(source),
            "to_identifier": identifier(destination), "from_quantity": quantity,
            "from_uom": uom, "to_quantity": quantity, "to_uom": uom}


def _transformation_links(plan: _Plan) -> list[dict]:
    inputs = [i for i in plan.named if i.field in chain.INPUT_FIELDS]
    outputs = [o for o in plan.named if o.field in chain.OUTPUT_FIELDS]
    links = []
    for source in inputs:
        for made in outputs:
            if source.batch is None and made.batch is None:
                continue
            links.append({
                "relation": "transformation", "from_batch": source.batch,
                "to_batch": made.batch, "from_organization": None, "to_organization": None,
                "from_identifier": None if source.batch else source.identifier,
                "to_identifier": None if made.batch else made.identifier,
                "from_quantity": Decimal(1) if source.instance else source.quantity,
                "from_uom": None if source.instance else source.uom,
                "to_quantity": Decimal(1) if made.instance else made.quantity,
                "to_uom": None if made.instance else made.uom,
            })
    return links


# --------------------------------------------------------------------------- writing


def _canonical_vocabulary(vocabulary: Vocabulary, value: Any, namespaces: Namespaces):
    if not isinstance(value, str) or not value.strip():
        return None
    found = classify(vocabulary, value)
    if found.standard and found.term:
        return found.term
    if found.form is Form.OTHER_URI:
        return namespaces.expand(value.strip())
    return value.strip()


def _write(actor, plan: _Plan, channel: str) -> EPCISEvent:
    summary = plan.summary
    namespaces = Namespaces.from_context(plan.context).extended(plan.event.get("@context"))
    places = {place.name: place for place in plan.places}
    location = next((places[n].location for n in ("bizLocation", "readPoint")
                     if n in places and places[n].location is not None), None)
    row = EPCISEvent(
        event_id=plan.event_id, is_error_declaration=plan.declaration,
        content_hash=plan.content_hash, event_type=summary["type"],
        action=summary.get("action"), event_time=summary["eventTime"],
        event_time_zone_offset=summary.get("eventTimeZoneOffset") or "+00:00",
        record_time=utcnow(),
        biz_step=_canonical_vocabulary(Vocabulary.BIZ_STEP, plan.event.get("bizStep"),
                                       namespaces),
        disposition=_canonical_vocabulary(Vocabulary.DISPOSITION,
                                          plan.event.get("disposition"), namespaces),
        read_point=places["readPoint"].canonical if "readPoint" in places else None,
        biz_location=places["bizLocation"].canonical if "bizLocation" in places else None,
        location=location, organization=plan.organization,
        recorded_by=getattr(actor, "id", None), event=plan.event, context=plan.context,
        unresolved=plan.unresolved(), channel=channel,
    )
    row.objects = [EventObject(field=item.field, identifier=item.identifier,
                               canonical=item.canonical, gtin=item.gtin, lot=item.lot,
                               serial=item.serial, batch=item.batch, quantity=item.quantity,
                               uom=item.uom) for item in plan.named]
    row.parties = [EventParty(role=party.role, type=party.type, identifier=party.identifier,
                              gln=party.gln, organization=party.organization)
                   for party in plan.parties]
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Conflict(
            f"Event {plan.event_id} was recorded by another request at the same moment; "
            "nothing of this request was recorded. Send it again: events already recorded are "
            "then reported as duplicates.") from error
    organizations = {o.id for o in _concerned(plan)}
    db.session.add_all(EventOrganization(event_pk=row.id, organization_id=organization_id)
                       for organization_id in sorted(organizations))
    db.session.add_all(TraceLink(event_pk=row.id, event_time=row.event_time, **link)
                       for link in plan.links)
    _apply_error_declarations(row)
    db.session.flush()
    audit.record(actor, "event.capture", "event", _audit_key(row),
                 organization_id=row.organization_id,
                 details={"event_id": row.event_id, "event_type": row.event_type,
                          "biz_step": row.biz_step, "channel": channel,
                          "error_declaration": row.is_error_declaration,
                          "batch_ids": sorted(b.id for b in plan.batches),
                          "unresolved": len(row.unresolved)})
    _enqueue_for_gateway(row, plan)
    return row


def _concerned(plan: _Plan) -> list[Organization]:
    found = [plan.organization] if plan.organization else []
    found += [party.organization for party in plan.parties if party.organization]
    found += [batch.organization for batch in plan.batches]
    found += [link[side].organization for link in plan.links
              for side in ("from_batch", "to_batch") if link[side] is not None]
    found += [item.product.organization for item in plan.named if item.product is not None]
    found += [place.organization for place in plan.places if place.organization]
    return found


def _apply_error_declarations(row: EPCISEvent) -> None:
    """An error declaration retires the event it names, whichever arrives first."""
    if row.is_error_declaration:
        db.session.execute(update(EPCISEvent).where(
            EPCISEvent.event_id == row.event_id, EPCISEvent.is_error_declaration.is_(False))
            .values(erroneous=True).execution_options(synchronize_session="fetch"))
    elif db.session.scalar(select(exists().where(EPCISEvent.event_id == row.event_id,
                                                 EPCISEvent.is_error_declaration.is_(True)))):
        row.erroneous = True


def _audit_key(row: EPCISEvent) -> str:
    return row.event_id if len(row.event_id) <= 128 else f"#{row.id}"


def lots_named(row: EPCISEvent) -> list[tuple[str, str]]:
    """The (GTIN-14, lot) pairs an event names: the gateway needs those lots first."""
    return sorted({(o.gtin, o.lot) for o in row.objects if o.gtin and o.lot})


def single_event_document(context: Any, event: dict, created: datetime | None = None) -> dict:
    """An EPCISDocument holding just this event."""
    return {
        "@context": context if context is not None else [EPCIS_CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": (created or utcnow()).isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": [event]},
    }


def _enqueue_for_gateway(row: EPCISEvent, plan: _Plan) -> None:
    """Only approved organizations' records go to the national gateway."""
    if current_app.extensions.get("gateway_outbox") is None:
        return
    organization = plan.organization
    if organization is None or organization.status != "approved":
        return
    from ..gateway import mapping, outbox

    document = single_event_document(row.context, row.event, row.record_time)
    key = row.event_id if len(row.event_id) <= 190 else event_hash_id(row.event,
                                                                      context=row.context)
    outbox.enqueue("events", row.id, organization.id,
                   *mapping.events_call(document, lots_named(row), key))


# =========================================================================== reading events


def event_to_epcis(row: EPCISEvent, context: Any = None) -> dict:
    """The event as captured, with the repository's ``recordTime`` (and an event-level
    ``@context`` when the document's cannot declare its prefixes)."""
    event = dict(row.event)
    event["recordTime"] = row.record_time.isoformat(timespec="milliseconds")
    if context:
        event = {"@context": context, **event}
    return event


def _context_prefixes(context: Any) -> tuple[list[str], dict[str, str]]:
    urls: list[str] = []
    prefixes: dict[str, str] = {}
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, str):
            if not (item.startswith(_STANDARD_CONTEXT_PREFIX) and
                    item.endswith("epcis-context.jsonld")):
                urls.append(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and not key.startswith("@"):
                    prefixes[key] = value
    return urls, prefixes


def document_for(rows: list[EPCISEvent], kind: str = "EPCISDocument",
                 query_name: str = "SimpleEventQuery") -> dict:
    """An EPCISDocument (or EPCISQueryDocument) of stored events, prefixes merged."""
    urls: list[str] = []
    merged: dict[str, Any] = {PROJECT_PREFIX: PROJECT_NAMESPACE}
    events = []
    for row in rows:
        row_urls, prefixes = _context_prefixes(row.context)
        own: dict[str, Any] = {}
        for key, value in prefixes.items():
            if key in STANDARD_PREFIXES and STANDARD_PREFIXES[key] == value:
                continue
            if merged.setdefault(key, value) != value:
                own[key] = value
        urls.extend(url for url in row_urls if url not in urls)
        events.append(event_to_epcis(row, own or None))
    context = [EPCIS_CONTEXT_URL, *urls, merged]
    document = {"@context": context, "type": kind, "schemaVersion": "2.0",
                "creationDate": utcnow().isoformat(timespec="milliseconds")}
    if kind == "EPCISQueryDocument":
        document["epcisBody"] = {"queryResults": {"queryName": query_name,
                                                  "resultsBody": {"eventList": events}}}
    else:
        document["epcisBody"] = {"eventList": events}
    return document


def batch_event_rows(batch: Batch) -> list[EPCISEvent]:
    """Every stored event about the batch (error declarations included), in time order."""
    return list(db.session.scalars(
        select(EPCISEvent).where(EPCISEvent.id.in_(chain.events_of_batch(batch.id)))
        .order_by(EPCISEvent.event_time, EPCISEvent.id)))


def batch_epcis_document(actor, batch_id: int) -> dict:
    batch = get_readable_batch(actor, batch_id)
    return document_for(batch_event_rows(batch))


def get_event(actor, event_id: str) -> EPCISEvent:
    _require_actor(actor)
    query = select(EPCISEvent).where(EPCISEvent.event_id == event_id)
    clause = _visible_events_clause(actor)
    if clause is not None:
        query = query.where(clause)
    row = db.session.scalars(query.order_by(EPCISEvent.is_error_declaration)).first()
    if row is None:
        raise NotFound(f"Event {event_id} not found.")
    return row


# =========================================================================== EPCIS query

_LIST_PARAMETERS = frozenset({
    "eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint",
    "EQ_bizLocation", "EQ_eventID", "MATCH_epc", "MATCH_parentID", "MATCH_inputEPC",
    "MATCH_outputEPC", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_inputEPCClass",
    "MATCH_outputEPCClass", "MATCH_anyEPCClass",
})
_TIME_PARAMETERS = {
    "GE_eventTime": ("event_time", ">="), "LT_eventTime": ("event_time", "<"),
    "GE_recordTime": ("record_time", ">="), "LT_recordTime": ("record_time", "<"),
}
_QUANTITY_PARAMETERS = {"EQ_quantity": "==", "GT_quantity": ">", "GE_quantity": ">=",
                        "LT_quantity": "<", "LE_quantity": "<="}
_COUNT_PARAMETERS = frozenset({"eventCountLimit", "maxEventCount", "perPage"})
_OTHER_PARAMETERS = frozenset({"orderBy", "orderDirection", "nextPageToken",
                               "EXISTS_errorDeclaration", "@context"})
SUPPORTED_PARAMETERS = (_LIST_PARAMETERS | set(_TIME_PARAMETERS) | set(_QUANTITY_PARAMETERS)
                        | _COUNT_PARAMETERS | _OTHER_PARAMETERS)
_MATCH_FIELDS = {
    "MATCH_epc": ("epcList", "childEPCs"),
    "MATCH_parentID": ("parentID",),
    "MATCH_inputEPC": ("inputEPCList",),
    "MATCH_outputEPC": ("outputEPCList",),
    "MATCH_anyEPC": ("epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID"),
    "MATCH_epcClass": ("quantityList", "childQuantityList"),
    "MATCH_inputEPCClass": ("inputQuantityList",),
    "MATCH_outputEPCClass": ("outputQuantityList",),
    "MATCH_anyEPCClass": QUANTITY_FIELDS,
}
_ORDER_COLUMNS = {"eventTime": "event_time", "recordTime": "record_time"}
DEFAULT_PAGE_SIZE = 50


@dataclass
class QueryPage:
    rows: list[EPCISEvent]
    next_page_token: str | None


def query_from_args(args) -> dict:
    """GET parameters (a MultiDict): lists may be repeated or pipe-delimited."""
    params: dict[str, Any] = {}
    for name in args:
        values = [v for value in args.getlist(name) for v in str(value).split("|")
                  if v.strip()] if name in _LIST_PARAMETERS else args.getlist(name)
        params[name] = values if name in _LIST_PARAMETERS else values[-1]
    return params


def check_query_body(body: Any) -> dict:
    """A query body (EPCIS 2.0 query-schema.json), refused with every reason when invalid."""
    if not isinstance(body, dict):
        raise InvalidDocument({"/": ["The query must be a JSON object (EPCIS query schema)."]},
                              detail="The query is not valid.")
    problems = validate_query(body)
    if problems:
        raise InvalidDocument(_problem_map(problems), detail="The query is not valid; each "
                              "reason is listed under 'errors'.")
    return {key: value for key, value in body.items() if key != "@context"}


def query_events(actor, params: dict) -> QueryPage:
    """Run an EPCIS SimpleEventQuery over the events the actor may read."""
    _require_actor(actor)
    errors: dict[str, list[str]] = {}
    unsupported = sorted(set(params) - SUPPORTED_PARAMETERS)
    supported = ", ".join(sorted(SUPPORTED_PARAMETERS - {"@context"}))
    for name in unsupported:
        errors[name] = ["This query parameter is not supported by this repository; the "
                        f"supported ones are: {supported}."]
    query = select(EPCISEvent)
    clause = _visible_events_clause(actor)
    if clause is not None:
        query = query.where(clause)
    for name, value in params.items():
        if name in unsupported:
            continue
        try:
            query = _apply_parameter(query, name, value)
        except ValueError as error:
            errors[name] = [str(error)]
    order_name = params.get("orderBy", "eventTime")
    order_column = _order_column(order_name, errors)
    direction = str(params.get("orderDirection", "ASC")).upper()
    if direction not in ("ASC", "DESC"):
        errors["orderDirection"] = ["orderDirection is ASC or DESC."]
    limits = {name: _count(params, name, errors) for name in _COUNT_PARAMETERS}
    token = _read_token(params.get("nextPageToken"), order_name, direction, errors)
    if errors:
        raise InvalidDocument(errors, detail="The query has parameters that cannot be used; "
                              "each is listed under 'errors'.")
    if limits["maxEventCount"] is not None:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        if total > limits["maxEventCount"]:
            raise QueryTooLarge(f"The query matches {total} events, more than maxEventCount "
                                f"({limits['maxEventCount']}); narrow it down.")
    remaining = token.get("r") if token else limits["eventCountLimit"]
    page_size = min(limits["perPage"] or DEFAULT_PAGE_SIZE,
                    current_app.config["API_PAGE_SIZE_MAX"])
    if remaining is not None:
        page_size = min(page_size, remaining)
    if token:
        query = query.where(_after(order_column, direction, token))
    ordering = (order_column.desc(), EPCISEvent.id.desc()) if direction == "DESC" else (
        order_column, EPCISEvent.id)
    rows = list(db.session.scalars(query.order_by(*ordering).limit(page_size + 1)))
    more = len(rows) > page_size
    rows = rows[:page_size]
    left = None if remaining is None else remaining - len(rows)
    next_token = None
    if more and rows and (left is None or left > 0):
        last = rows[-1]
        next_token = _write_token(getattr(last, _ORDER_COLUMNS[order_name]), last.id,
                                  order_name, direction, left)
    return QueryPage(rows, next_token)


def _order_column(name: Any, errors: dict):
    if name not in _ORDER_COLUMNS:
        errors["orderBy"] = ["orderBy is eventTime or recordTime."]
        return EPCISEvent.event_time
    return getattr(EPCISEvent, _ORDER_COLUMNS[name])


def _count(params: dict, name: str, errors: dict) -> int | None:
    if name not in params:
        return None
    try:
        value = int(str(params[name]))
    except ValueError:
        value = 0
    if value < 1:
        errors[name] = [f"{name} is a whole number of at least 1."]
        return None
    return value


def _values(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def _instant(value: Any) -> datetime:
    moment = parse_timestamp(value if isinstance(value, str) else None)
    if moment is None:
        raise ValueError(f"{value!r} is not an RFC 3339 date-time with a time zone "
                         "(e.g. 2024-05-01T00:00:00+07:00).")
    return moment


def _apply_parameter(query, name: str, value: Any):
    if name in _TIME_PARAMETERS:
        column_name, operator = _TIME_PARAMETERS[name]
        column, moment = getattr(EPCISEvent, column_name), _instant(value)
        return query.where(column >= moment if operator == ">=" else column < moment)
    if name == "eventType":
        return query.where(EPCISEvent.event_type.in_(_values(value)))
    if name == "EQ_action":
        actions = _values(value)
        wrong = [a for a in actions if a not in ("ADD", "OBSERVE", "DELETE")]
        if wrong:
            raise ValueError("EQ_action takes ADD, OBSERVE or DELETE.")
        return query.where(EPCISEvent.action.in_(actions))
    if name == "EQ_bizStep":
        return query.where(EPCISEvent.biz_step.in_(
            [_query_vocabulary(Vocabulary.BIZ_STEP, v) for v in _values(value)]))
    if name == "EQ_disposition":
        return query.where(EPCISEvent.disposition.in_(
            [_query_vocabulary(Vocabulary.DISPOSITION, v) for v in _values(value)]))
    if name in ("EQ_readPoint", "EQ_bizLocation"):
        column = EPCISEvent.read_point if name == "EQ_readPoint" else EPCISEvent.biz_location
        return query.where(column.in_([canonical_identifier(v) for v in _values(value)]))
    if name == "EQ_eventID":
        return query.where(EPCISEvent.event_id.in_(_values(value)))
    if name in _MATCH_FIELDS:
        return query.where(_match(_MATCH_FIELDS[name], _values(value)))
    if name in _QUANTITY_PARAMETERS:
        amount = _decimal(value)
        if amount is None:
            raise ValueError(f"{name} takes a number.")
        column = EventObject.quantity
        condition = {"==": column == amount, ">": column > amount, ">=": column >= amount,
                     "<": column < amount, "<=": column <= amount}[_QUANTITY_PARAMETERS[name]]
        return query.where(exists().where(EventObject.event_pk == EPCISEvent.id,
                                          EventObject.field.in_(QUANTITY_FIELDS), condition))
    if name == "EXISTS_errorDeclaration":
        return query.where(EPCISEvent.is_error_declaration.is_(True))
    return query


def _query_vocabulary(vocabulary: Vocabulary, value: str) -> str:
    return _canonical_vocabulary(vocabulary, value,
                                 Namespaces({PROJECT_PREFIX: PROJECT_NAMESPACE})) or value


def _match(fields: tuple[str, ...], values: list[str]):
    """EPCs or classes by canonical identifier; ``urn:epc:idpat:…*`` patterns by GTIN."""
    conditions = []
    for value in values:
        if value.lower().startswith("urn:epc:idpat:"):
            gtin = _elements(value).get("01")
            if gtin is None:
                raise ValueError(f"{value!r} is not an EPC pattern this repository can match "
                                 "(use urn:epc:idpat:sgtin:<company prefix>.<item>.*).")
            conditions.append(EventObject.gtin == gtin)
        else:
            conditions.append(EventObject.canonical == canonical_identifier(value))
    # No value (``MATCH_epc=``) matches no event, as an empty EQ_ list does.
    return exists().where(EventObject.event_pk == EPCISEvent.id, EventObject.field.in_(fields),
                          or_(false(), *conditions))


def _after(column, direction: str, token: dict):
    moment = datetime.fromisoformat(token["t"])
    if direction == "DESC":
        return or_(column < moment, and_(column == moment, EPCISEvent.id < token["i"]))
    return or_(column > moment, and_(column == moment, EPCISEvent.id > token["i"]))


def _write_token(moment: datetime, row_id: int, order: str, direction: str,
                 remaining: int | None) -> str:
    payload = {"t": moment.astimezone(UTC).isoformat(), "i": row_id, "o": order,
               "d": direction}
    if remaining is not None:
        payload["r"] = remaining
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(value: Any, order: str, direction: str, errors: dict) -> dict | None:
    if value in (None, ""):
        return None
    try:
        text = str(value)
        payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        datetime.fromisoformat(payload["t"])
        valid = (isinstance(payload.get("i"), int) and payload.get("o") == order
                 and payload.get("d") == direction)
        if "r" in payload and not isinstance(payload["r"], int):
            valid = False
    except (ValueError, KeyError, TypeError):
        valid, payload = False, None
    if not valid:
        errors["nextPageToken"] = ["This nextPageToken is not valid for this query; repeat the "
                                   "query without it and follow the 'next' link."]
        return None
    return payload


# =========================================================================== chain for the API


def chain_for(actor, batch_id: int, direction: str, depth: int) -> tuple[Batch, list[dict]]:
    batch = get_readable_batch(actor, batch_id)
    if direction not in chain.DIRECTIONS:
        raise ValidationFailed({"direction": ["direction is 'back' or 'forward'."]})
    items = chain.full_chain(batch, direction, depth)
    if not actor.is_admin:  # businesses and province-scoped inspectors see what they read
        readable: dict[int, bool] = {}
        kept = []
        for item in items:
            other = item["batch"]
            if other is not None and other.id not in readable:
                readable[other.id] = can_read_batch(actor, other)
            if other is None or readable[other.id]:
                kept.append(item)
        items = kept
    return batch, items


def journey_for(actor, batch_id: int) -> tuple[Batch, list[dict]]:
    batch = get_readable_batch(actor, batch_id)
    return batch, chain.journey(batch)


def mass_balance_for(actor, batch_id: int) -> dict:
    return chain.mass_balance(get_readable_batch(actor, batch_id))


# =========================================================================== passport


def passport(batch: Batch) -> dict:
    """The digital product passport of a batch (Decree 37/2026/NĐ-CP): product and GTIN,
    producer identity, origin, traceability data, certificates, production and expiry dates,
    safety warnings. JSON-ready; public facts only, so it may be shown to consumers."""
    product, organization = batch.product, batch.organization
    location = batch.location
    return plain({
        "passport_version": "1.0",
        "issued_at": utcnow(),
        "digital_link": registry.batch_digital_link(batch),
        "gtin": batch.gtin,
        "product": {
            "gtin": product.gtin, "name": product.name, "name_en": product.name_en,
            "brand": product.brand, "model": product.model, "description": product.description,
            "sector": product.sector, "net_content": product.net_content, "unit": product.unit,
            "image_urls": list(product.image_urls or []),
            "standards": list(product.standards or []),
            "shelf_life_days": product.shelf_life_days,
            "storage_instructions": product.storage_instructions,
        },
        "producer": {
            "name": organization.name, "tax_code": organization.tax_code,
            "kind": organization.kind, "address": organization.address,
            "province": organization.province, "gln": organization.gln,
            "contact_email": organization.contact_email, "phone": organization.phone,
        },
        "origin": {
            "declared": product.origin,
            "production_location": ({
                "gln": location.gln, "name": location.name, "type": location.type,
                "address": location.address, "province": location.province,
                "latitude": location.latitude, "longitude": location.longitude,
            } if location is not None else None),
        },
        "batch": {
            "id": batch.id, "lot": batch.lot,
            "production_date": batch.production_date, "expiry_date": batch.expiry_date,
            "expired": registry.is_expired(batch.expiry_date),
            "quantity": batch.quantity, "unit": batch.unit, "status": batch.status,
            "status_reason": batch.status_reason,
        },
        "traceability": {
            "journey": chain.journey(batch),
            "one_step_back": [link_to_dict(item) for item in chain.one_step_back(batch)],
            "one_step_forward": [link_to_dict(item) for item in chain.one_step_forward(batch)],
        },
        "certificates": [registry.certificate_to_dict(c)
                         for c in registry.certificates_for_batch(batch)],
        "safety_warnings": product.safety_warnings,
    })


def passport_for(actor, batch_id: int) -> dict:
    return passport(get_readable_batch(actor, batch_id))


# =========================================================================== JSON shapes


def decimal_text(value: Decimal) -> str:
    """``Decimal('600.000000')`` → ``'600'``, ``Decimal('12.500')`` → ``'12.5'``."""
    return format(chain.tidy(value), "f")


def batch_ref(batch: Batch | None) -> dict | None:
    if batch is None:
        return None
    return {"id": batch.id, "gtin": batch.gtin, "lot": batch.lot, "status": batch.status,
            "organization_id": batch.organization_id,
            "product": {"id": batch.product.id, "name": batch.product.name},
            "digital_link": registry.batch_digital_link(batch)}


def organization_ref(organization: Organization | None) -> dict | None:
    if organization is None:
        return None
    return {"id": organization.id, "name": organization.name,
            "tax_code": organization.tax_code, "province": organization.province}


def plain(value: Any) -> Any:
    """JSON-ready copy: datetimes and dates as ISO 8601, decimals as strings, records as
    references."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Batch):
        return batch_ref(value)
    if isinstance(value, Organization):
        return organization_ref(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def link_to_dict(item: dict) -> dict:
    """A chain item (``chain.one_step_back`` …) for JSON."""
    return plain({key: item.get(key) for key in (
        "relation", "depth", "event_id", "event_time", "quantity", "uom", "identifier",
        "batch", "organization") if key in item})
