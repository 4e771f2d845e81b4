"""Registry records. Business rules live in ``services``; these are the tables."""

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

ORG_KINDS = ("enterprise", "cooperative", "household")
ORG_STATUSES = ("pending", "approved", "rejected")
LOCATION_TYPES = (
    "growing_area", "farm", "aquaculture_pond", "slaughterhouse", "factory", "packing_house",
    "warehouse", "distribution_center", "shop", "market", "office", "other",
)
SECTORS = ("fresh_produce", "rice", "meat", "aquaculture", "processed_food", "other")
BATCH_STATUSES = ("active", "on_hold", "recalled", "void")
CERTIFICATE_TYPES = (
    "vietgap", "globalgap", "organic", "ocop", "haccp", "iso22000", "hop_quy", "fssc22000",
    "brc", "halal", "other",
)
CERTIFICATE_SCOPES = ("organization", "location", "product")


class TimestampMixin:
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tax_code: Mapped[str] = mapped_column(String(14), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    address: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    province: Mapped[str] = mapped_column(String(100), nullable=False, default="", index=True)
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)
    contact_email: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    webhook_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    webhook_secret: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    prefixes = relationship("CompanyPrefix", back_populates="organization",
                            cascade="all, delete-orphan", order_by="CompanyPrefix.prefix")

    @property
    def company_prefixes(self) -> list[str]:
        return [p.prefix for p in self.prefixes]


class CompanyPrefix(db.Model):
    """A GS1 company prefix licensed to one organization (Vietnam: 893 + 4 to 7 digits)."""

    __tablename__ = "company_prefixes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False,
                                                 index=True)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)

    organization = relationship("Organization", back_populates="prefixes")


class Location(TimestampMixin, db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False,
                                                 index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    gln: Mapped[str] = mapped_column(String(13), nullable=False, unique=True)
    address: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    province: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    area_hectares: Mapped[float | None] = mapped_column(Float)
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    organization = relationship("Organization")


class Product(TimestampMixin, db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed with id (below): an organization's products are listed in id order.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    gtin: Mapped[str] = mapped_column(String(14), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    name_en: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    brand: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    model: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    sector: Mapped[str] = mapped_column(String(32), nullable=False, default="other")
    net_content: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    unit: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    origin: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    image_urls: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    standards: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    storage_instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    safety_warnings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Decree 74/2018 Art. 19b: a foreign GTIN needs the code owner's written authorisation.
    foreign_code_authorization: Mapped[str] = mapped_column(Text, nullable=False, default="")
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    organization = relationship("Organization")


db.Index("ix_products_organization_id_id", Product.organization_id, Product.id)
# Search (every word anywhere in search_text, LIKE '%word%') through trigrams on PostgreSQL;
# made by migration 0009 where the pg_trgm extension is available.
db.Index("ix_products_search_text_trgm", Product.search_text, postgresql_using="gin",
         postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


class Batch(TimestampMixin, db.Model):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    # Indexed with id (below): an organization's batches are listed in id order.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    lot: Mapped[str] = mapped_column(String(20), nullable=False)
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    quantity = mapped_column(Numeric(18, 3))
    unit: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active", index=True)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status_changed_at = mapped_column(UTCDateTime)
    # Set once a code pointing at this batch has been issued; such a batch is never deleted.
    codes_issued: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    product = relationship("Product")
    organization = relationship("Organization")
    location = relationship("Location")


# The resolver finds a batch by (GTIN, lot); a lot is unique per GTIN.
db.Index("ix_batches_gtin_lot", Batch.gtin, Batch.lot, unique=True)
db.Index("ix_batches_organization_id_id", Batch.organization_id, Batch.id)


class Certificate(TimestampMixin, db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False,
                                                 index=True)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    number: Mapped[str] = mapped_column(String(100), nullable=False)
    issuer: Mapped[str] = mapped_column(String(255), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    scope_type: Mapped[str] = mapped_column(String(16), nullable=False)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    scope_description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    star_rating: Mapped[int | None] = mapped_column(Integer)
    document_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    __table_args__ = (UniqueConstraint("issuer", "number", name="uq_certificates_issuer_number"),)

    organization = relationship("Organization")
    location = relationship("Location")
    product = relationship("Product")
