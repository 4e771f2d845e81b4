"""Oversight rules: the inspector's trace, holds, releases and recalls, inspections, audit.

Only inspectors (within their provinces) and administrators decide a batch's status. A recall
is final. Each decision writes its record, the batch's new status, the audit entry, the
gateway messages and the notices to the businesses downstream in one transaction, so the
consumer page shows it at the next scan and nothing is half-done.
"""

import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import chain
from ..extensions import db
from ..gateway import mapping as gateway_mapping
from ..registry import services as registry
from ..registry.models import Batch, Organization, Product
from ..resolver import services as resolver
from . import audit, codes
from .models import INSPECTION_RESULTS, RECALL_LEVELS, Inspection, RecallNotice, StatusDecision

SCAN_SUMMARY_DAYS = 90


def _require_staff(actor):
    registry._require_actor(actor)
    if not (actor.is_admin or actor.is_inspector):
        raise Forbidden("Only inspectors and administrators decide a batch's status.")
    return actor


# --------------------------------------------------------------------------- trace


def find_by_code(actor, code: str) -> dict:
    """Resolve any code to our records: {parsed, product, batch, serial} (batch may be None)."""
    from ..labels.models import Serial

    registry._require_actor(actor)
    parsed = codes.parse(code)
    gtin, lot, serial_number = parsed.gtin, parsed.get("10"), parsed.get("21")
    described = codes.describe(parsed)
    if gtin is None:
        raise NotFound("The code parses, but it carries no GTIN; only products (AI 01) are "
                       "registered here.", errors={"parsed": [parsed.bracketed]})
    product = db.session.scalar(select(Product).where(Product.gtin == gtin))
    if product is None or not registry.can_read_organization(actor, product.organization):
        raise NotFound(f"The code is valid GS1 data, but GTIN {gtin} is not registered here.",
                       errors={"parsed": [parsed.bracketed]})
    batch = serial = None
    if serial_number is not None:
        serial = db.session.scalar(select(Serial).where(Serial.gtin == gtin,
                                                        Serial.serial == serial_number))
        if serial is not None:
            batch = db.session.get(Batch, serial.batch_id)
    if batch is None and lot is not None:
        batch = db.session.scalar(select(Batch).where(Batch.gtin == gtin, Batch.lot == lot))
        if batch is None:
            raise NotFound(f"The code is valid, but lot {lot} of GTIN {gtin} is not registered.",
                           errors={"parsed": [parsed.bracketed]})
    if serial_number is not None and serial is None and batch is None:
        raise NotFound(f"Serial {serial_number} of GTIN {gtin} was never issued here.",
                       errors={"parsed": [parsed.bracketed]})
    return {"parsed": described, "product": product, "batch": batch, "serial": serial}


def trace(actor, code: str) -> dict:
    """Everything an inspector needs about the code's batch or unit."""
    found = find_by_code(actor, code)
    product, batch, serial = found["product"], found["batch"], found["serial"]
    answer = {
        "code": found["parsed"],
        "product": registry.product_to_dict(product),
        "organization": registry.organization_to_dict(product.organization),
        "unit": None,
        "batch": None,
        "batches": [],
    }
    if serial is not None:
        answer["unit"] = {"serial": serial.serial, "status": serial.status,
                          "void_reason": serial.void_reason,
                          "issued_at": serial.created_at.isoformat()}
    if batch is None:
        answer["batches"] = [registry.batch_to_dict(b) for b in db.session.scalars(
            select(Batch).where(Batch.product_id == product.id).order_by(Batch.id.desc())
            .limit(50))]
        return answer
    answer.update(batch_details(actor, batch))
    return answer


def batch_details(actor, batch: Batch) -> dict:
    details = {
        "batch": registry.batch_to_dict(batch),
        "status": batch.status,
        "status_history": [d.to_dict() for d in db.session.scalars(
            select(StatusDecision).where(StatusDecision.batch_id == batch.id)
            .order_by(StatusDecision.id))],
        "certificates": [registry.certificate_to_dict(c)
                         for c in registry.certificates_for_batch(batch)],
        "journey": [], "one_step_back": [], "one_step_forward": [],
        "inspections": [i.to_dict() for i in db.session.scalars(
            select(Inspection).where(Inspection.organization_id == batch.organization_id)
            .order_by(Inspection.id.desc()).limit(20))
            if not i.batch_ids or batch.id in i.batch_ids],
        "gateway": _gateway_state(batch),
    }
    details["journey"] = [_plain(stage) for stage in chain.journey(batch)]
    details["one_step_back"] = [_link(item) for item in chain.one_step_back(batch)]
    details["one_step_forward"] = [_link(item) for item in chain.one_step_forward(batch)]
    details["scans"] = {
        **resolver.scan_stats(actor, batch_id=batch.id, days=SCAN_SUMMARY_DAYS),
        "copy_alerts": [resolver.copy_alert_to_dict(alert) for alert in db.session.scalars(
            resolver.list_copy_alerts(actor, batch_id=batch.id).limit(50))],
    }
    return details


def _gateway_state(batch: Batch) -> dict:
    from ..gateway import outbox

    return outbox.sync_state("batch", batch.id)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value


def _link(item: dict) -> dict:
    batch, organization = item.get("batch"), item.get("organization")
    return _plain({
        "relation": item.get("relation"), "event_id": item.get("event_id"),
        "event_time": item.get("event_time"), "quantity": item.get("quantity"),
        "uom": item.get("uom"),
        "batch": ({"id": batch.id, "gtin": batch.gtin, "lot": batch.lot,
                   "status": batch.status, "product": batch.product.name,
                   "digital_link": registry.batch_digital_link(batch)} if batch else None),
        "organization": ({"id": organization.id, "name": organization.name,
                          "tax_code": organization.tax_code, "address": organization.address,
                          "province": organization.province, "phone": organization.phone,
                          "contact_email": organization.contact_email}
                         if organization else None),
    })


# --------------------------------------------------------------------------- decisions


def _decide(actor, batch_id: int, action: str, reason: str, level: str | None = None):
    _require_staff(actor)
    batch = registry.get_batch(actor, batch_id)  # scope: 404 outside the inspector's provinces
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why: the business and consumers will see it."]})
    if batch.status == "recalled":
        raise Conflict("This batch is recalled; a recall is final.")
    if batch.status == "void" and action != "recall":
        raise Conflict("This batch was voided by its owner.")
    if action == "hold" and batch.status == "on_hold":
        raise Conflict("This batch is already on hold.")
    if action == "release" and batch.status != "on_hold":
        raise Conflict("Only a batch on hold can be released.")
    new_status = {"hold": "on_hold", "release": "active", "recall": "recalled"}[action]
    decision = StatusDecision(
        batch_id=batch.id, action=action, reason=reason, level=level,
        previous_status=batch.status, decided_by=actor.id, decided_by_label=actor.email,
    )
    db.session.add(decision)
    batch.status = new_status
    batch.status_reason = reason
    batch.status_changed_at = audit.utcnow()
    db.session.flush()
    audit.record(actor, f"batch.{action}", "batch", batch.id,
                 organization_id=batch.organization_id,
                 details={"reason": reason, "level": level, "previous": decision.previous_status})
    registry._outbox("batch", batch)
    return batch, decision


def hold(actor, batch_id: int, reason: str):
    return _decide(actor, batch_id, "hold", reason)[0]


def release(actor, batch_id: int, reason: str):
    return _decide(actor, batch_id, "release", reason)[0]


def recall(actor, batch_id: int, reason: str, level: str = "2"):
    """Recall a batch (final): notify everyone downstream, tell the gateway."""
    if level not in RECALL_LEVELS:
        raise ValidationFailed({"level": [f"Recall level is one of {', '.join(RECALL_LEVELS)} "
                                          "(1: serious health risk … 3: unlikely to harm)."]})
    batch, decision = _decide(actor, batch_id, "recall", reason, level)
    _queue_recall_for_gateway(batch, decision)
    affected = downstream(batch)
    _recall_products_made_from(actor, batch, decision, affected)
    _create_notices(batch, decision, affected)
    return batch


def _recall_products_made_from(actor, source: Batch, decision: StatusDecision,
                               affected: list[dict]) -> None:
    """What was made from a recalled lot is recalled with it, whoever made it.

    Lots that merely changed hands are the same lot (already recalled); batches produced from
    it, at any depth, get their own final recall decision naming the source lot, so every
    consumer page in the chain shows it at the next scan.
    """
    reason = (f"Được làm từ lô {source.lot} (GTIN {source.gtin}) đã bị thu hồi / Made from "
              f"recalled lot {source.lot} (GTIN {source.gtin}): {decision.reason}")
    for item in affected:
        made = item.get("batch")
        if made is None or made.id == source.id or made.status == "recalled":
            continue
        derived = StatusDecision(
            batch_id=made.id, action="recall", reason=reason, level=decision.level,
            previous_status=made.status, decided_by=actor.id, decided_by_label=actor.email)
        db.session.add(derived)
        made.status, made.status_reason = "recalled", reason
        made.status_changed_at = audit.utcnow()
        db.session.flush()
        audit.record(actor, "batch.recall", "batch", made.id, organization_id=made.organization_id,
                     details={"reason": reason, "level": decision.level,
                              "source_batch": source.id, "previous": derived.previous_status})
        registry._outbox("batch", made)
        _queue_recall_for_gateway(made, derived)


def _queue_recall_for_gateway(batch: Batch, decision: StatusDecision) -> None:
    if batch.organization.status != "approved":
        return
    from ..gateway import outbox

    when = decision.decided_at.isoformat()
    method, path, body, key, requires = gateway_mapping.recall_call(
        batch, decision.reason, decision.level, when, decision.id)
    outbox.enqueue("recall", decision.id, batch.organization_id, method, path, body, key,
                   requires)


def downstream(batch: Batch) -> list[dict]:
    """The businesses that received the batch or what was made from it."""
    return chain.affected_by_recall(batch)


def _create_notices(batch: Batch, decision: StatusDecision, affected: list[dict]) -> None:
    seen: set[tuple[int, str]] = set()
    for item in affected:
        organization = item.get("organization")
        if organization is None:
            continue
        affected_batch = item.get("batch")
        for channel, target in (("email", organization.contact_email),
                                ("webhook", organization.webhook_url)):
            if not target or (organization.id, channel) in seen:
                continue
            seen.add((organization.id, channel))
            db.session.add(RecallNotice(
                decision_id=decision.id, organization_id=organization.id,
                batch_id=affected_batch.id if affected_batch is not None else None,
                relation=item.get("relation") or "", channel=channel, target=target,
            ))
    db.session.flush()


def ack_token(notice_id: int) -> str:
    """The acknowledgement token in a notice: an HMAC of its id, so nothing secret is stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"recall-notice:{notice_id}".encode(), hashlib.sha256).hexdigest()[:32]


def recall_report(actor, batch_id: int) -> dict:
    """Who is affected by a recall, who was notified, who acknowledged."""
    _require_staff(actor)
    batch = registry.get_batch(actor, batch_id)
    decision = db.session.scalar(select(StatusDecision).where(
        StatusDecision.batch_id == batch.id, StatusDecision.action == "recall"))
    affected = [_link(item) for item in downstream(batch)]
    notices = [n.to_dict() for n in decision.notices] if decision else []
    return {"batch": registry.batch_to_dict(batch),
            "decision": decision.to_dict() if decision else None,
            "affected": affected, "notices": notices,
            "acknowledged": sum(1 for n in notices if n["acknowledged_at"]),
            "notified": len(notices)}


def acknowledge_notice(notice_id: int, token: str, by: str = "") -> RecallNotice:
    """Acknowledge by the link in the notice (no sign-in needed: the token is the proof)."""
    notice = db.session.get(RecallNotice, notice_id)
    if notice is None or not hmac.compare_digest(ack_token(notice_id), token or ""):
        raise NotFound("This acknowledgement link is not valid.")
    if notice.acknowledged_at is None:
        notice.acknowledged_at = audit.utcnow()
        notice.acknowledged_by = (by or notice.target)[:255]
        audit.record(notice.acknowledged_by, "recall.acknowledge", "recall_notice", notice.id,
                     organization_id=notice.organization_id)
    return notice


def acknowledge_notice_as(actor, notice_id: int) -> RecallNotice:
    """The business the notice was sent to says it has it (or an administrator for it).

    Not an inspector: the recall report would then say the business knows when it may not.
    """
    registry._require_actor(actor)
    if actor.is_inspector:
        raise Forbidden("Only the business a recall notice was sent to acknowledges it.")
    notice = db.session.get(RecallNotice, notice_id)
    if notice is None or (actor.is_business and actor.organization_id != notice.organization_id):
        raise NotFound(f"Recall notice {notice_id} not found.")
    if notice.acknowledged_at is None:
        notice.acknowledged_at = audit.utcnow()
        notice.acknowledged_by = actor.email
        audit.record(actor, "recall.acknowledge", "recall_notice", notice.id,
                     organization_id=notice.organization_id)
    return notice


def notices_for(actor) -> list[RecallNotice]:
    """Recall notices sent to the organizations the actor may read, newest first."""
    registry._require_actor(actor)
    query = select(RecallNotice).order_by(RecallNotice.id.desc()).limit(200)
    clause = registry._visible_org_ids_clause(actor, RecallNotice.organization_id)
    if clause is not None:
        query = query.where(clause)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------- inspections


def create_inspection(actor, data: dict) -> Inspection:
    _require_staff(actor)
    organization = registry.get_organization(actor, data["organization_id"])
    batch_ids = list(dict.fromkeys(data.get("batch_ids") or []))
    if data.get("batch_id"):
        batch_ids.insert(0, data["batch_id"])
    for batch_id in batch_ids:
        batch = db.session.get(Batch, batch_id)
        if batch is None or batch.organization_id != organization.id:
            raise ValidationFailed({"batch_ids": [
                f"Batch {batch_id} is not one of {organization.name}'s batches."]})
    result = data.get("result") or "planned"
    if result not in INSPECTION_RESULTS:
        raise ValidationFailed({"result": [f"One of: {', '.join(INSPECTION_RESULTS)}."]})
    inspection = Inspection(
        organization_id=organization.id, inspector_id=actor.id, inspector_label=actor.email,
        planned_date=data.get("planned_date") or data.get("date"),
        visited_at=data.get("visited_at"), place=(data.get("place") or "").strip(),
        result=result, batch_ids=list(dict.fromkeys(batch_ids)),
        samples=data.get("samples") or [], notes=(data.get("notes") or "").strip(),
        attachments=data.get("attachments") or [],
    )
    db.session.add(inspection)
    db.session.flush()
    audit.record(actor, "inspection.create", "inspection", inspection.id,
                 organization_id=organization.id, details={"result": result})
    return inspection


def update_inspection(actor, inspection_id: int, data: dict) -> Inspection:
    inspection = get_inspection(actor, inspection_id)
    _require_staff(actor)
    if "result" in data and data["result"] not in INSPECTION_RESULTS:
        raise ValidationFailed({"result": [f"One of: {', '.join(INSPECTION_RESULTS)}."]})
    changes = {}
    for field in ("planned_date", "visited_at", "place", "result", "samples", "notes",
                  "attachments"):
        if field in data and getattr(inspection, field) != data[field]:
            setattr(inspection, field, data[field])
            changes[field] = data[field]
    if changes:
        audit.record(actor, "inspection.update", "inspection", inspection.id,
                     organization_id=inspection.organization_id, details=changes)
    return inspection


def get_inspection(actor, inspection_id: int) -> Inspection:
    registry._require_actor(actor)
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or not registry.can_read_organization(actor, inspection.organization):
        raise NotFound(f"Inspection {inspection_id} not found.")
    return inspection


def list_inspections(actor, *, organization_id=None, batch_id=None):
    registry._require_actor(actor)
    query = select(Inspection)
    clause = registry._visible_org_ids_clause(actor, Inspection.organization_id)
    if clause is not None:
        query = query.where(clause)
    if organization_id:
        query = query.where(Inspection.organization_id == organization_id)
    rows = db.session.scalars(query.order_by(Inspection.id.desc())).all()
    if batch_id:
        rows = [row for row in rows if batch_id in (row.batch_ids or [])]
    return rows


# --------------------------------------------------------------------------- audit


def audit_query(actor, *, entity: str | None = None, entity_type: str | None = None,
                entity_id: str | None = None, action: str | None = None):
    """Audit entries the actor may read, newest first. ``entity`` is ``type`` or ``type:id``."""
    registry._require_actor(actor)
    query = select(audit.AuditEntry)
    if entity:
        entity_type, _, entity_id = entity.partition(":")
    if entity_type:
        query = query.where(audit.AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(audit.AuditEntry.entity_id == entity_id)
    if action:
        query = query.where(audit.AuditEntry.action == action)
    clause = registry._visible_org_ids_clause(actor, audit.AuditEntry.organization_id)
    if clause is not None:
        query = query.where(clause)
    return query.order_by(audit.AuditEntry.seq.desc())


# --------------------------------------------------------------------------- inbox

REPORT_FLOW = {"new": ("triaged", "closed"), "triaged": ("closed", "new"), "closed": ("new",)}


def list_reports(actor, *, status: str | None = None):
    """Consumer reports from scan pages, newest first, within the inspector's provinces."""
    from ..resolver.models import ConsumerReport

    _require_staff(actor)
    query = select(ConsumerReport)
    clause = registry._visible_org_ids_clause(actor, ConsumerReport.organization_id)
    if clause is not None:
        query = query.where(clause)
    if status:
        query = query.where(ConsumerReport.status == status)
    return query.order_by(ConsumerReport.created_at.desc(), ConsumerReport.id.desc())


def triage_report(actor, report_id: int, status: str, note: str = ""):
    """Move a report through new → triaged → closed (or reopen it), with a note."""
    from ..resolver.models import ConsumerReport

    _require_staff(actor)
    report = db.session.get(ConsumerReport, report_id)
    organization = (db.session.get(Organization, report.organization_id)
                    if report is not None and report.organization_id else None)
    if report is None or (organization is not None
                          and not registry.can_read_organization(actor, organization)):
        raise NotFound(f"Report {report_id} not found.")
    allowed = REPORT_FLOW.get(report.status, ())
    if status not in allowed:
        raise ValidationFailed({"status": [
            f"A {report.status} report can become: {', '.join(allowed)}."]})
    note = (note or "").strip()
    if status == "closed" and not note:
        raise ValidationFailed({"note": ["Say what was done, so the next person knows."]})
    previous, report.status = report.status, status
    audit.record(actor, f"report.{status}", "consumer_report", report.id,
                 organization_id=report.organization_id,
                 details={"from": previous, "note": note})
    return report


def report_to_dict(report) -> dict:
    return {"id": report.id, "created_at": report.created_at.isoformat(), "gtin": report.gtin,
            "lot": report.lot, "serial": report.serial, "batch_id": report.batch_id,
            "organization_id": report.organization_id, "category": report.category,
            "message": report.message, "contact": report.contact, "status": report.status,
            "region": report.region}


def inbox(actor) -> dict:
    """What needs an inspector's eyes: open consumer reports and open suspected copies."""
    from ..resolver import services as resolver

    reports = db.session.scalars(list_reports(actor).where(
        _report_open()).limit(200)).all()
    alerts = db.session.scalars(resolver.list_copy_alerts(actor, status="open").limit(200)).all()
    return {"reports": reports, "copy_alerts": alerts}


def _report_open():
    from ..resolver.models import ConsumerReport

    return ConsumerReport.status != "closed"
