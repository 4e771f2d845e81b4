"""Resolver tables: extra links, the scan log, first-scan state, copy alerts, consumer reports.

The scan log is append-only and written in batches by ``scanlog``; it names batches, serials
and organizations by id without foreign keys, so that deleting an unissued batch never has to
wait for (or lose) its scan history.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

BIG_ID = BigInteger().with_variant(Integer, "sqlite")

SCAN_KINDS = ("redirect", "link", "linkset")
SCAN_MATCHES = ("serial", "batch", "product", "links", "unknown")
COPY_ALERT_STATUSES = ("open", "closed")
COPY_ALERT_REASONS = ("scans", "networks", "regions")
REPORT_STATUSES = ("new", "triaged", "closed")
REPORT_CATEGORIES = ("counterfeit", "quality", "wrong_info", "expired_on_sale", "other")


class CacheGeneration(db.Model):
    """One row whose ``token`` changes with every change that affects what a scan shows.

    Every process compares it with the token its in-memory resolver cache was built under and
    drops the cache when it differs (see ``cache``).
    """

    __tablename__ = "resolver_cache_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    bumped_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ResolverLink(db.Model):
    """A link the resolver offers for an identifier beyond the registry's own pages.

    ``anchor`` is the primary key's path (``/01/09506000134376``, ``/8004/…``);
    ``qualifiers`` the qualifier path below it (``""``, ``/10/LOT01``), where a value written
    ``{name}`` matches any value and is substituted into ``href`` (``…?lot={lotnumber}``).
    """

    __tablename__ = "resolver_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    anchor: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    qualifiers: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    item_description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    link_type: Mapped[str] = mapped_column(String(200), nullable=False)
    href: Mapped[str] = mapped_column(String(2000), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    hreflang: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    context: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # This entry's level uses this link's type as its default (CE ``defaultLinktype``).
    is_default_type: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ScanEvent(db.Model):
    """One resolve of a Digital Link. No raw IP: a keyed, truncated hash of the network."""

    __tablename__ = "scan_events"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    scanned_at = mapped_column(UTCDateTime, nullable=False)
    # Local calendar day (TIMEZONE) of the scan, for per-day statistics on any database.
    scanned_on = mapped_column(Date, nullable=False)
    # The primary key as a Digital Link path (/01/<gtin>, /8004/<giai>…), and for GTINs the
    # GTIN, lot and serial as scanned.
    key_path: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    gtin: Mapped[str] = mapped_column(String(14), nullable=False, default="")
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    serial_id: Mapped[int | None] = mapped_column(BigInteger)
    organization_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="redirect")
    link_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    matched: Mapped[str] = mapped_column(String(10), nullable=False, default="unknown")
    ip_hash: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    region: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    bot: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (
        db.Index("ix_scan_events_serial_id_scanned_at", "serial_id", "scanned_at"),
        db.Index("ix_scan_events_organization_id_scanned_on", "organization_id", "scanned_on"),
        db.Index("ix_scan_events_product_id_scanned_on", "product_id", "scanned_on"),
        db.Index("ix_scan_events_scanned_on", "scanned_on"),
    )


class SerialScanState(db.Model):
    """The first scan of a serialised unit, kept apart from the log (which may be pruned)."""

    __tablename__ = "serial_scan_states"

    serial_id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=False)
    first_scanned_at = mapped_column(UTCDateTime, nullable=False)
    first_region: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class CopyAlert(db.Model):
    """A serialised unit scanned implausibly often or widely: its label may have been copied.

    At most one alert per serial is open at a time (a partial unique index says so).
    """

    __tablename__ = "copy_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    serial: Mapped[str] = mapped_column(String(20), nullable=False)
    lot: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reasons: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    scans: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    networks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    regions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open", index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (
        db.Index("uq_copy_alerts_open_serial", "serial_id", unique=True,
                 sqlite_where=text("status = 'open'"),
                 postgresql_where=text("status = 'open'")),
    )


class ConsumerReport(db.Model):
    """A problem reported by a shopper from the scan page; the oversight inbox reads these."""

    __tablename__ = "consumer_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(Integer, index=True)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="new", index=True)
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="vi")
    ip_hash: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    region: Mapped[str] = mapped_column(String(64), nullable=False, default="")
