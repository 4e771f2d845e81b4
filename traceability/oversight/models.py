"""Oversight records: status decisions (hold, release, recall), recall notices, inspections."""

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

DECISIONS = ("hold", "release", "recall")
RECALL_LEVELS = ("1", "2", "3")  # 1: serious health risk … 3: unlikely to cause harm
NOTICE_CHANNELS = ("email", "webhook")
NOTICE_STATES = ("pending", "sent", "failed", "skipped")
INSPECTION_RESULTS = ("planned", "compliant", "non_compliant", "follow_up")


class StatusDecision(db.Model):
    """Who put a batch on hold, released it or recalled it, when and why."""

    __tablename__ = "status_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[str | None] = mapped_column(String(8))
    previous_status: Mapped[str] = mapped_column(String(16), nullable=False)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_label: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    decided_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    batch = relationship("Batch")
    notices = relationship("RecallNotice", back_populates="decision",
                           order_by="RecallNotice.id")

    def to_dict(self) -> dict:
        return {
            "id": self.id, "batch_id": self.batch_id, "action": self.action,
            "reason": self.reason, "level": self.level, "previous_status": self.previous_status,
            "decided_by": self.decided_by_label, "decided_at": self.decided_at.isoformat(),
        }


class RecallNotice(db.Model):
    """A recall notice to one business one step forward (or further), by email or webhook."""

    __tablename__ = "recall_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("status_decisions.id"), nullable=False,
                                             index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False,
                                                 index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    relation: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    target: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sent_at = mapped_column(UTCDateTime)
    acknowledged_at = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    decision = relationship("StatusDecision", back_populates="notices")
    organization = relationship("Organization")
    batch = relationship("Batch")

    def to_dict(self) -> dict:
        organization = self.organization
        return {
            "id": self.id, "decision_id": self.decision_id,
            "organization": {"id": organization.id, "name": organization.name,
                             "tax_code": organization.tax_code,
                             "contact_email": organization.contact_email,
                             "phone": organization.phone, "address": organization.address},
            "batch_id": self.batch_id, "relation": self.relation, "channel": self.channel,
            "target": self.target, "state": self.state, "attempts": self.attempts,
            "last_error": self.last_error,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at
            else None,
            "acknowledged_by": self.acknowledged_by,
        }


class Inspection(db.Model):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False,
                                                 index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspector_label: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    planned_date = mapped_column(db.Date)
    visited_at = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    result: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    batch_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    samples: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attachments: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    organization = relationship("Organization")

    def to_dict(self) -> dict:
        return {
            "id": self.id, "organization_id": self.organization_id,
            "organization_name": self.organization.name if self.organization else "",
            "inspector": self.inspector_label,
            "planned_date": self.planned_date.isoformat() if self.planned_date else None,
            "visited_at": self.visited_at.isoformat() if self.visited_at else None,
            "place": self.place, "result": self.result, "batch_ids": list(self.batch_ids or []),
            "samples": list(self.samples or []), "notes": self.notes,
            "attachments": list(self.attachments or []),
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
        }
