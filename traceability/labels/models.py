"""Serials issued for units, the print runs that issued them, and label-sheet jobs."""

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

SERIAL_STATUSES = ("active", "void")
JOB_STATUSES = ("queued", "running", "done", "failed")


class PrintRun(db.Model):
    """One issue of codes for a batch: which serials, when, by whom (the ledger)."""

    __tablename__ = "print_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False, index=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    batch = relationship("Batch")


class Serial(db.Model):
    """A unit's serial number (AI 21), unique per GTIN, issued from a CSPRNG."""

    __tablename__ = "serials"
    __table_args__ = (UniqueConstraint("gtin", "serial", name="uq_serials_gtin_serial"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False, index=True)
    print_run_id: Mapped[int] = mapped_column(ForeignKey("print_runs.id"), nullable=False,
                                              index=True)
    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    serial: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="active")
    void_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    voided_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class LabelJob(db.Model):
    """A label sheet rendered in the background; the PDF is kept in the instance folder."""

    __tablename__ = "label_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False, index=True)
    print_run_id: Mapped[int | None] = mapped_column(ForeignKey("print_runs.id"))
    organization_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    stock: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="queued")
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    file_path: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
