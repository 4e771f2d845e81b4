"""The transactional outbox: every change's gateway message, written with the change.

A message holds the full call (method, path, body) built when the change was made, an
idempotency key the gateway uses to apply it once, the key of the resource it puts, and the
keys it needs at the gateway first. Delivery rules (see ``claim_due``):

* per resource, messages go in the order they were written;
* a message waits while any message for a resource it needs is still undelivered;
* a newer message for the same resource supersedes an undelivered older one (each message
  carries the whole record, so only the newest matters).
"""

import json
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from . import mapping

# States: pending (to send), sent, rejected (the gateway refused the data: a person must fix
# the record), dead (too many failed attempts: requeue by hand), superseded (a newer message
# for the same resource replaced it before it was delivered).
UNDELIVERED = ("pending", "rejected", "dead")
STATES = ("pending", "sent", "rejected", "dead", "superseded")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    resource_key: Mapped[str] = mapped_column(String(200), nullable=False)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Times the gateway said a prerequisite is missing there (e.g. the organization is not yet
    # activated by the portal's staff): such waits never make a message dead.
    waits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = mapped_column(UTCDateTime)

    requires = relationship("OutboxDependency", cascade="all, delete-orphan",
                            back_populates="message")

    __table_args__ = (
        db.Index("ix_outbox_due", "state", "next_attempt_at"),
        db.Index("ix_outbox_resource", "resource_key", "state", "id"),
        db.Index("ix_outbox_entity", "kind", "entity_id"),
    )

    @property
    def payload(self):
        return json.loads(self.body)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "entity_id": self.entity_id,
            "organization_id": self.organization_id, "resource_key": self.resource_key,
            "method": self.method, "path": self.path, "state": self.state,
            "attempts": self.attempts, "waits": self.waits, "last_status": self.last_status,
            "last_error": self.last_error, "dry_run": self.dry_run,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


class OutboxDependency(db.Model):
    __tablename__ = "outbox_dependencies"

    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"),
                                            primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)

    message = relationship("OutboxMessage", back_populates="requires")


class WorkerLease(db.Model):
    """On SQLite only one worker may deliver at a time; it holds this lease while it runs."""

    __tablename__ = "outbox_worker_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)


# --------------------------------------------------------------------------- writing


def _syncable(kind: str, record) -> bool:
    """Only approved organizations' records go to the national gateway."""
    organization = record if kind == "organization" else getattr(record, "organization", None)
    return organization is not None and organization.status == "approved"


def enqueue_record(kind: str, record) -> OutboxMessage | None:
    """Queue the record's current state; called by services inside their transaction."""
    if not _syncable(kind, record):
        return None
    db.session.flush()
    method, path, body, resource_key, requires = mapping.CALLS[kind](record)
    organization_id = record.id if kind == "organization" else record.organization_id
    if kind == "organization" and not _organization_sent_before(record.tax_code):
        # First time the organization goes out: its existing records follow it.
        message = enqueue(kind, record.id, organization_id, method, path, body, resource_key,
                          requires)
        _enqueue_existing_records(record)
        return message
    return enqueue(kind, record.id, organization_id, method, path, body, resource_key, requires)


def enqueue_records(kind: str, records) -> int:
    """Queue many records at once (imports): one bulk insert instead of a statement per row."""
    records = [record for record in records if _syncable(kind, record)]
    if not records:
        return 0
    db.session.flush()
    calls = [(record, *mapping.CALLS[kind](record)) for record in records]
    keys = [call[4] for call in calls]
    for start in range(0, len(keys), 500):
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.resource_key.in_(keys[start:start + 500]),
                   OutboxMessage.state.in_(UNDELIVERED),
                   or_(OutboxMessage.locked_until.is_(None),
                       OutboxMessage.locked_until < utcnow()))
            .values(state="superseded")
            .execution_options(synchronize_session=False))
    now = utcnow()
    rows = [{
        "kind": kind, "entity_id": str(record.id), "organization_id": record.organization_id,
        "resource_key": key, "method": method, "path": path,
        "body": json.dumps(body, ensure_ascii=False, sort_keys=True, default=str),
        "idempotency_key": str(uuid.uuid4()), "state": "pending", "attempts": 0, "waits": 0,
        "next_attempt_at": now, "last_error": "", "dry_run": False, "created_at": now,
    } for record, method, path, body, key, _requires in calls]
    message_ids: dict[str, int] = {}
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        db.session.execute(insert(OutboxMessage), chunk)
        message_ids.update(db.session.execute(select(
            OutboxMessage.idempotency_key, OutboxMessage.id).where(
            OutboxMessage.idempotency_key.in_([row["idempotency_key"] for row in chunk]))).all())
    dependencies = [{"message_id": message_ids[row["idempotency_key"]], "key": dependency}
                    for row, call in zip(rows, calls, strict=True)
                    for dependency in dict.fromkeys(call[5])]
    for start in range(0, len(dependencies), 5000):
        db.session.execute(insert(OutboxDependency), dependencies[start:start + 5000])
    return len(rows)


def _organization_sent_before(tax_code: str) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.resource_key == mapping.org_key(tax_code)).limit(1)) is not None


def _enqueue_existing_records(organization) -> None:
    from ..registry.models import Batch, Certificate, Location, Product

    for model, kind in ((Location, "location"), (Product, "product"),
                        (Certificate, "certificate"), (Batch, "batch")):
        for record in db.session.scalars(select(model).where(
                model.organization_id == organization.id).order_by(model.id)):
            method, path, body, resource_key, requires = mapping.CALLS[kind](record)
            enqueue(kind, record.id, organization.id, method, path, body, resource_key, requires)


def enqueue(kind: str, entity_id, organization_id, method: str, path: str, body,
            resource_key: str, requires: list[str]) -> OutboxMessage:
    """Write one message (and supersede undelivered older ones for the same resource)."""
    if method == "PUT":
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.resource_key == resource_key,
                   OutboxMessage.state.in_(("pending", "rejected", "dead")),
                   or_(OutboxMessage.locked_until.is_(None),
                       OutboxMessage.locked_until < utcnow()))
            .values(state="superseded")
            .execution_options(synchronize_session=False)
        )
    message = OutboxMessage(
        kind=kind, entity_id=str(entity_id), organization_id=organization_id,
        resource_key=resource_key, method=method, path=path,
        body=json.dumps(body, ensure_ascii=False, sort_keys=True, default=str),
        idempotency_key=str(uuid.uuid4()), state="pending", next_attempt_at=utcnow(),
        dry_run=False,
    )
    message.requires = [OutboxDependency(key=key) for key in dict.fromkeys(requires)]
    db.session.add(message)
    return message


# --------------------------------------------------------------------------- claiming


def claim_due(worker_id: str, limit: int = 20, lease_seconds: float = 60.0) -> list[int]:
    """Lease up to ``limit`` deliverable messages to this worker; returns their ids.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` so several workers on
    several machines each take different messages. The caller commits.
    """
    now = utcnow()
    older = aliased(OutboxMessage)
    needed = aliased(OutboxMessage)
    dependency = aliased(OutboxDependency)
    # Both subqueries refer to the candidate row of the outer query (correlated). A message
    # waits for older undelivered messages of its own resource (FIFO), and for undelivered
    # messages of the resources it needs, older or newer: a product updated after its lot was
    # queued still has to reach the gateway before the lot. Needs never form a cycle
    # (organization ← location, product ← lot ← events, recalls).
    earlier_same_resource = exists().where(
        older.id < OutboxMessage.id,
        older.state.in_(UNDELIVERED),
        older.resource_key == OutboxMessage.resource_key,
    )
    needs_undelivered = exists().where(
        needed.state.in_(UNDELIVERED),
        needed.resource_key.in_(
            select(dependency.key).where(dependency.message_id == OutboxMessage.id)
            .correlate(OutboxMessage).scalar_subquery()
        ),
    )
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            ~earlier_same_resource,
            ~needs_undelivered,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .values(locked_by=worker_id, locked_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
    return ids


def acquire_sqlite_lease(worker_id: str, seconds: float) -> bool:
    """Single-worker lease for SQLite: take it when free or expired, renew it when ours."""
    now = utcnow()
    lease = db.session.get(WorkerLease, "outbox")
    if lease is None:
        db.session.add(WorkerLease(name="outbox", holder=worker_id,
                                   expires_at=now + timedelta(seconds=seconds)))
        db.session.flush()
        return True
    if lease.holder == worker_id or lease.expires_at < now:
        lease.holder = worker_id
        lease.expires_at = now + timedelta(seconds=seconds)
        return True
    return False


def release_sqlite_lease(worker_id: str) -> None:
    lease = db.session.get(WorkerLease, "outbox")
    if lease is not None and lease.holder == worker_id:
        db.session.delete(lease)


# --------------------------------------------------------------------------- reading


def messages_for(actor, *, state: str | None = None, organization_id: int | None = None):
    """The messages the actor may read, newest first: a business its organization's (to fix
    what the gateway refused), an inspector those of the organizations in their scope."""
    from ..registry import services as registry

    registry._require_actor(actor)
    query = select(OutboxMessage)
    clause = registry._visible_org_ids_clause(actor, OutboxMessage.organization_id)
    if clause is not None:
        query = query.where(clause)
    if organization_id:
        query = query.where(OutboxMessage.organization_id == organization_id)
    if state:
        query = query.where(OutboxMessage.state == state)
    return query.order_by(OutboxMessage.id.desc())


def status() -> dict:
    counts = dict(db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at))
                               .where(OutboxMessage.state == "pending"))
    last_error = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.last_error, OutboxMessage.last_status)
        .where(OutboxMessage.last_error != "").order_by(OutboxMessage.id.desc()).limit(1)
    ).first()
    now = utcnow()
    return {
        "counts": {state: counts.get(state, 0) for state in STATES},
        "pending": counts.get("pending", 0),
        "sent": counts.get("sent", 0),
        "failed": counts.get("rejected", 0),
        "dead": counts.get("dead", 0),
        "oldest_pending_age_seconds": (now - oldest).total_seconds() if oldest else None,
        "last_error": ({"message_id": last_error.id, "status": last_error.last_status,
                        "error": last_error.last_error} if last_error else None),
        "dry_run": bool(current_app.config.get("GATEWAY_DRY_RUN")),
    }


def sync_state(kind: str, entity_id) -> dict:
    """Where a record stands with the gateway, for its business to see."""
    latest = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == kind,
                                    OutboxMessage.entity_id == str(entity_id),
                                    OutboxMessage.state != "superseded")
        .order_by(OutboxMessage.id.desc()).limit(1))
    if latest is None:
        return {"state": "not_queued"}
    return {"state": latest.state, "message_id": latest.id, "attempts": latest.attempts,
            "last_error": latest.last_error or None,
            "sent_at": latest.sent_at.isoformat() if latest.sent_at else None}


def requeue(message_id: int) -> OutboxMessage | None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return None
    if message.state in ("dead", "rejected"):
        message.state = "pending"
        message.attempts = 0
        message.next_attempt_at = utcnow()
        message.locked_by = message.locked_until = None
    return message
