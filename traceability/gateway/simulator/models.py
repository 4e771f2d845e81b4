"""The simulator's own tables: what the gateway holds, plus its bookkeeping.

Every table name starts with ``sim_`` so the simulator can share a database with the main
application (as the test suite does on PostgreSQL) without colliding with its tables.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime}


class Organization(Base):
    __tablename__ = "sim_organizations"

    ma_so_thue: Mapped[str] = mapped_column(String(14), primary_key=True)
    data: Mapped[dict[str, Any]]
    trang_thai: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class Location(Base):
    __tablename__ = "sim_locations"

    gln: Mapped[str] = mapped_column(String(13), primary_key=True)
    ma_so_thue: Mapped[str] = mapped_column(String(14), index=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class Product(Base):
    __tablename__ = "sim_products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    ma_so_thue: Mapped[str] = mapped_column(String(14), index=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class Lot(Base):
    __tablename__ = "sim_lots"
    __table_args__ = (Index("ix_sim_lots_owner_version", "ma_so_thue", "version"),)

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    so_lo: Mapped[str] = mapped_column(String(64), primary_key=True)
    ma_so_thue: Mapped[str] = mapped_column(String(14))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    # Sequence number of the applied write that last changed the lot: a stable paging key.
    version: Mapped[int] = mapped_column(index=True)


class Event(Base):
    __tablename__ = "sim_events"

    event_id: Mapped[str] = mapped_column(String(1024), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40))
    event_time: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class EventLot(Base):
    """Which lots an event names, so the trace view finds a lot's events by index."""

    __tablename__ = "sim_event_lots"
    __table_args__ = (Index("ix_sim_event_lots_lot", "gtin", "so_lo"),)

    event_id: Mapped[str] = mapped_column(String(1024), primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    so_lo: Mapped[str] = mapped_column(String(64), primary_key=True)


class Certificate(Base):
    __tablename__ = "sim_certificates"

    so_chung_nhan: Mapped[str] = mapped_column(String(200), primary_key=True)
    ma_so_thue: Mapped[str | None] = mapped_column(String(14), index=True)
    gln: Mapped[str | None] = mapped_column(String(13), index=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class Recall(Base):
    __tablename__ = "sim_recalls"
    __table_args__ = (Index("ix_sim_recalls_lot", "gtin", "so_lo"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14))
    so_lo: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Token(Base):
    __tablename__ = "sim_tokens"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class IdempotencyRecord(Base):
    """The first successful answer given for a client's idempotency key."""

    __tablename__ = "sim_idempotency_records"

    client_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AppliedWrite(Base):
    """The ordered log of every write that changed what the gateway holds."""

    __tablename__ = "sim_applied_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(1024))
    client_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    applied_at: Mapped[datetime]


class Replay(Base):
    """A write answered from the idempotency store instead of being applied again."""

    __tablename__ = "sim_replays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]


class DuplicateEvent(Base):
    """An event received again under a new idempotency key and ignored by its eventID."""

    __tablename__ = "sim_duplicate_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(1024))
    at: Mapped[datetime]
