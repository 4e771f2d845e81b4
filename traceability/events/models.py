"""Captured EPCIS events and what they say about our records, indexed for queries and the chain.

``EPCISEvent`` keeps each event exactly as captured (JSON) plus the columns queries filter on.
The other tables are derived at capture time, once, from the event and the registry:

* ``EventObject``: every identifier an event names (EPCs, EPC classes with quantities), with
  the batch it resolved to, for ``MATCH_epc`` / ``MATCH_epcClass`` and "events of a batch";
* ``EventParty``: sources and destinations, with the organization each resolved to;
* ``EventOrganization``: every organization an event concerns (recorder, parties, owners of the
  batches and places it names): who may read it;
* ``TraceLink``: one step of the chain (a transformation input → output, a shipment to or a
  receipt by an organization), so one-step-back / one-step-forward are index lookups.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")

#: Longest eventID kept (EPCIS puts no limit; hash IDs are 93 characters, UUID URNs 45).
EVENT_ID_MAX = 255
IDENTIFIER_MAX = 500
LINK_RELATIONS = ("transformation", "shipment", "receipt")


class EPCISEvent(db.Model):
    __tablename__ = "epcis_events"
    __table_args__ = (
        # An error declaration carries the eventID of the event it corrects (EPCIS 2.0 §7.4.1).
        UniqueConstraint("event_id", "is_error_declaration",
                         name="uq_epcis_events_event_id_declaration"),
        db.Index("ix_epcis_events_time", "event_time", "id"),
        db.Index("ix_epcis_events_record_time", "record_time", "id"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(EVENT_ID_MAX), nullable=False)
    is_error_declaration: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The CBV 2.0 event hash of the content: tells a harmless re-send from a conflicting one.
    content_hash: Mapped[str] = mapped_column(String(120), nullable=False)
    event_type: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    action: Mapped[str | None] = mapped_column(String(8))
    event_time = mapped_column(UTCDateTime, nullable=False)
    event_time_zone_offset: Mapped[str] = mapped_column(String(6), nullable=False)
    record_time = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Standard CBV values as bare words, anything else as a full URI.
    biz_step: Mapped[str | None] = mapped_column(String(255), index=True)
    disposition: Mapped[str | None] = mapped_column(String(255))
    # Locations as their constrained canonical Digital Link (or the id as written).
    read_point: Mapped[str | None] = mapped_column(String(IDENTIFIER_MAX), index=True)
    biz_location: Mapped[str | None] = mapped_column(String(IDENTIFIER_MAX), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    # The organization that recorded the event (None: an administrator's record naming nothing
    # of ours).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when an error declaration for this event has been captured: it no longer counts.
    erroneous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The event as captured (eventID included, its own @context if it had one), and the
    # @context of the document it came in.
    event: Mapped[dict] = mapped_column(JSON, nullable=False)
    context = mapped_column(JSON)
    unresolved: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="api")

    organization = relationship("Organization")
    location = relationship("Location")
    objects = relationship("EventObject", back_populates="event", cascade="all, delete-orphan",
                           order_by="EventObject.id")
    parties = relationship("EventParty", back_populates="event", cascade="all, delete-orphan",
                           order_by="EventParty.id")


class EventObject(db.Model):
    """One identifier named by an event, in one of its lists."""

    __tablename__ = "epcis_event_objects"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    # The EPCIS field: epcList, parentID, childEPCs, inputEPCList, outputEPCList, quantityList,
    # childQuantityList, inputQuantityList or outputQuantityList.
    field: Mapped[str] = mapped_column(String(24), nullable=False)
    identifier: Mapped[str] = mapped_column(String(IDENTIFIER_MAX), nullable=False)
    canonical: Mapped[str] = mapped_column(String(IDENTIFIER_MAX), nullable=False, index=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    lot: Mapped[str | None] = mapped_column(String(40))
    serial: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity = mapped_column(Numeric(20, 6))
    uom: Mapped[str | None] = mapped_column(String(8))

    event = relationship("EPCISEvent", back_populates="objects")
    batch = relationship("Batch")


class EventParty(db.Model):
    """A source or destination of an event."""

    __tablename__ = "epcis_event_parties"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(12), nullable=False)  # source | destination
    type: Mapped[str | None] = mapped_column(String(255))
    identifier: Mapped[str] = mapped_column(String(IDENTIFIER_MAX), nullable=False)
    gln: Mapped[str | None] = mapped_column(String(13))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)

    event = relationship("EPCISEvent", back_populates="parties")
    organization = relationship("Organization")


class EventOrganization(db.Model):
    """An organization an event concerns; the event is readable by its members."""

    __tablename__ = "epcis_event_organizations"

    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id", ondelete="CASCADE"),
                                          primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True, index=True)


class TraceLink(db.Model):
    """One step of the chain.

    ``transformation``: input batch (from) → output batch (to), with both quantities.
    ``shipment`` / ``receipt``: the batch moved (from = to = that batch) from the source
    organization to the destination / receiving organization, with the quantity moved.
    """

    __tablename__ = "trace_links"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    event_time = mapped_column(UTCDateTime, nullable=False)
    from_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    to_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    from_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                             index=True)
    to_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                           index=True)
    # What the other side is, as written, when it is not one of our records.
    from_identifier: Mapped[str | None] = mapped_column(String(IDENTIFIER_MAX))
    to_identifier: Mapped[str | None] = mapped_column(String(IDENTIFIER_MAX))
    from_quantity = mapped_column(Numeric(20, 6))
    from_uom: Mapped[str | None] = mapped_column(String(8))
    to_quantity = mapped_column(Numeric(20, 6))
    to_uom: Mapped[str | None] = mapped_column(String(8))

    event = relationship("EPCISEvent")
    from_batch = relationship("Batch", foreign_keys=[from_batch_id])
    to_batch = relationship("Batch", foreign_keys=[to_batch_id])
    from_organization = relationship("Organization", foreign_keys=[from_organization_id])
    to_organization = relationship("Organization", foreign_keys=[to_organization_id])
