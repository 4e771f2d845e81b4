"""Users and their API keys. Keys are stored only as SHA-256 digests."""

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

ROLES = ("admin", "inspector", "business")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Inspector scope: comma-separated provinces; empty means every province.
    scope_provinces: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    # Inspector scope by sector (fresh_produce, rice, meat…); empty means every sector.
    scope_sectors: Mapped[str] = mapped_column(String(500), nullable=False, default="",
                                               server_default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    api_keys = relationship("ApiKey", back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_inspector(self) -> bool:
        return self.role == "inspector"

    @property
    def is_business(self) -> bool:
        return self.role == "business"

    @property
    def provinces(self) -> list[str]:
        return [p for p in (self.scope_provinces or "").split(",") if p]

    @property
    def sectors(self) -> list[str]:
        return [s for s in (self.scope_sectors or "").split(",") if s]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "organization_id": self.organization_id,
            "active": self.active,
            "scope_provinces": self.provinces,
            "scope_sectors": self.sectors,
            "created_at": self.created_at.isoformat(),
        }


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    # The public part of the key, shown in listings so a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="api_keys")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
