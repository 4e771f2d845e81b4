"""The append-only audit log, kept as a hash chain so that tampering is evident.

Each entry carries the SHA-256 of its own canonical content plus the hash of the entry before
it. Appends are serialised through a single head row (``audit_head``): updating it takes a row
lock on PostgreSQL and the write lock on SQLite, so two concurrent transactions can never fork
the chain, and the entry is written in the same transaction as the change it records.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

GENESIS_HASH = "0" * 64


class AuditHead(db.Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(255), nullable=False, default="system")
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(128), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    __table_args__ = (db.Index("ix_audit_entity", "entity_type", "entity_id"),)

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor_label,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "organization_id": self.organization_id,
            "details": json.loads(self.details),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def _canonical_details(details: dict | None) -> str:
    return json.dumps(details or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


def entry_hash(entry: AuditEntry) -> str:
    created = entry.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    material = "\x1f".join(
        [
            str(entry.seq),
            created,
            "" if entry.actor_id is None else str(entry.actor_id),
            entry.actor_label,
            entry.action,
            entry.entity_type,
            entry.entity_id,
            "" if entry.organization_id is None else str(entry.organization_id),
            entry.details,
            entry.prev_hash,
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _actor_label(actor) -> str:
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", None) or "system"


def record(actor, action: str, entity_type: str, entity_id, *, organization_id=None,
           details: dict | None = None) -> AuditEntry:
    """Append an entry in the current transaction; the caller commits with its change."""
    session = db.session
    # No session synchronisation: nothing in the session mirrors the head row, and scanning
    # every loaded object on each append makes big transactions quadratic.
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(last_seq=AuditHead.last_seq + 1)
                    .execution_options(synchronize_session=False))
    head = session.execute(select(AuditHead.last_seq, AuditHead.last_hash)
                           .where(AuditHead.id == 1)).one_or_none()
    if head is None:
        session.add(AuditHead(id=1, last_seq=1, last_hash=GENESIS_HASH))
        session.flush()
        seq, prev_hash = 1, GENESIS_HASH
    else:
        seq, prev_hash = head.last_seq, head.last_hash
    entry = AuditEntry(
        seq=seq,
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=_actor_label(actor),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        organization_id=organization_id,
        details=_canonical_details(details),
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=entry.hash)
                    .execution_options(synchronize_session=False))
    return entry


@dataclass
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order; name the first entry whose hash or link is wrong."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return ChainReport(checked, entry.seq, f"entry {expected_seq} is missing")
            if entry.prev_hash != prev_hash:
                return ChainReport(checked, entry.seq, "link to the previous entry is broken")
            if entry_hash(entry) != entry.hash:
                return ChainReport(checked, entry.seq, "content does not match its hash")
            prev_hash = entry.hash
            expected_seq += 1
            checked += 1
            last_seq = entry.seq
        db.session.expunge_all()
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != prev_hash:
        return ChainReport(checked, last_seq + 1, "the newest entries were removed")
    return ChainReport(checked, None, None)
