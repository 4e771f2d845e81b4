"""Reconciliation: what the gateway holds against our records; queue again what it lacks."""

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..registry.models import Batch, Organization, Product
from . import mapping, outbox
from .client import GatewayClient


def reconcile(client: GatewayClient | None = None) -> dict:
    config = current_app.config
    client = client or GatewayClient(config["GATEWAY_URL"], config["GATEWAY_CLIENT_ID"],
                                     config["GATEWAY_CLIENT_SECRET"])
    report = {"organizations": 0, "local_lots": 0, "missing": 0, "requeued": 0, "errors": []}
    organizations = db.session.scalars(
        select(Organization).where(Organization.status == "approved").order_by(Organization.id))
    for organization in organizations:
        report["organizations"] += 1
        result = client.list_lots(organization.tax_code)
        if not result.ok:
            report["errors"].append(f"{organization.tax_code}: {result.message}")
            continue
        held = {(item.get("gtin"), item.get("soLo")) for item in result.body.get("items", [])}
        batches = db.session.scalars(select(Batch).where(
            Batch.organization_id == organization.id).order_by(Batch.id)).all()
        report["local_lots"] += len(batches)
        missing = [batch for batch in batches if (batch.gtin, batch.lot) not in held]
        report["missing"] += len(missing)
        if not missing:
            continue
        queued: set[str] = set()
        for batch in missing:
            if _undelivered(mapping.lot_key(batch.gtin, batch.lot)):
                continue  # already on its way
            # What a missing lot needs may be missing at the gateway too: send it again first.
            _queue_once(queued, "organization", organization,
                        mapping.org_key(organization.tax_code))
            if batch.location is not None:
                _queue_once(queued, "location", batch.location,
                            mapping.location_key(batch.location.gln))
            _queue_once(queued, "product", db.session.get(Product, batch.product_id),
                        mapping.product_key(batch.gtin))
            outbox.enqueue_record("batch", batch)
            report["requeued"] += 1
    return report


def _queue_once(queued: set[str], kind: str, record, key: str) -> None:
    if key not in queued and not _undelivered(key):
        outbox.enqueue_record(kind, record)
        queued.add(key)


def _undelivered(resource_key: str) -> bool:
    return db.session.scalar(select(outbox.OutboxMessage.id).where(
        outbox.OutboxMessage.resource_key == resource_key,
        outbox.OutboxMessage.state.in_(outbox.UNDELIVERED)).limit(1)) is not None
