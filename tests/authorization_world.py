"""The world the authorization matrix runs in: one record of every kind a route names by id,
all belonging to one organization (the owner), and one person for each role.

Roles: anonymous; a business user of the owning organization; one of another approved
organization; one of a pending organization; an inspector whose provinces and sectors take in
the owner; one whose provinces do not; an administrator.

The world is built through the services (as real callers do) once per test module, then
copied row by row; every case gets a fresh copy (``restore``), which is much faster than
running the services again and lets a case change anything without touching the next one.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from tests import factories
from tests.resolver.support import compress_gtin_lot
from traceability import gs1
from traceability.database import utcnow
from traceability.events import stages
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.labels import services as labels
from traceability.labels.models import Serial
from traceability.oversight import services as oversight
from traceability.oversight.models import RecallNotice, StatusDecision
from traceability.registry import services as registry
from traceability.resolver import services as resolver
from traceability.resolver.models import ConsumerReport, CopyAlert, ScanEvent
from traceability.web import formkit, passwords

ROLES = ("anonymous", "owner", "other", "pending", "inspector_in", "inspector_out", "admin")
OWNER_PROVINCE = "Sóc Trăng"
PASSWORD = "correct horse battery"


def with_check_digit(body: str) -> str:
    return body + str(gs1.check_digit(body))


# Strings that name the owner's records and nothing else: a list that shows one of them to a
# role that may not read the owner's records is a leak.
OWNER_TAX_CODE = "2200123456"
OWNER_GTIN = "0" + with_check_digit("893000100001")
OWNER_LOT = "AUTHZ-LOT-A"
OWNER_GLN = with_check_digit("893000100010")
OWNER_CERTIFICATE = "VG-AUTHZ-A-0001"
OWNER_REPORT = "AUTHZ-REPORT-A: the bag smells of diesel"
OWNER_INSPECTION = "AUTHZ-INSPECTION-A: storage checked"
OWNER_NOTICE_TARGET = "owner-coop@example.vn"


@dataclass
class World:
    """Ids of the owner's records, the people, and the secrets a route may need."""

    organization: int = 0
    other_organization: int = 0
    pending_organization: int = 0
    location: int = 0
    product: int = 0
    batch: int = 0
    certificate: int = 0
    print_run: int = 0
    serial: str = ""
    label_job: int = 0
    event_id: str = ""
    inspection: int = 0
    notice: int = 0
    notice_token: str = ""
    report: int = 0
    copy_alert: int = 0
    outbox_message: int = 0
    owner_key: int = 0
    inspector_in_user: int = 0
    reset_token: str = ""
    versions: dict = field(default_factory=dict)
    user_ids: dict = field(default_factory=dict)
    api_headers: dict = field(default_factory=dict)

    @property
    def digital_link_path(self) -> str:
        return f"01/{OWNER_GTIN}/10/{OWNER_LOT}"

    @property
    def compressed_link(self) -> str:
        return compress_gtin_lot(OWNER_GTIN, OWNER_LOT)


def build() -> World:
    """Make the world through the services; the caller starts from empty tables."""
    world = World()
    owner_org = factories.organization(name="HTX Chủ sở hữu Vĩnh Châu", tax_code=OWNER_TAX_CODE,
                                       prefixes=("8930001",), province=OWNER_PROVINCE,
                                       contact_email=OWNER_NOTICE_TARGET)
    other_org = factories.organization(name="Trang trại Long An", tax_code="1100654321",
                                       prefixes=("8930002",), province="Long An")
    pending_org = factories.organization(name="Hộ kinh doanh chờ duyệt", tax_code="2200999888",
                                         prefixes=("8930003",), province=OWNER_PROVINCE,
                                         status="pending")
    world.organization, world.other_organization = owner_org.id, other_org.id
    world.pending_organization = pending_org.id

    people = {
        "owner": {"role": "business", "organization_id": owner_org.id},
        "other": {"role": "business", "organization_id": other_org.id},
        "pending": {"role": "business", "organization_id": pending_org.id},
        "inspector_in": {"role": "inspector", "scope_provinces": [OWNER_PROVINCE],
                         "scope_sectors": ["fresh_produce"]},
        "inspector_out": {"role": "inspector", "scope_provinces": ["Long An"]},
        "admin": {"role": "admin"},
    }
    users = {}
    for name, spec in people.items():
        user, headers = factories.user_with_key(f"{name.replace('_', '-')}@example.vn", **spec)
        users[name] = user
        world.user_ids[name] = user.id
        world.api_headers[name] = headers
    world.api_headers["anonymous"] = {}
    world.owner_key = users["owner"].api_keys[0].id
    world.inspector_in_user = users["inspector_in"].id
    owner, admin = users["owner"], users["admin"]

    location = registry.create_location(owner, {"name": "Vùng trồng hành tím Vĩnh Hiệp",
                                                "type": "growing_area", "gln": OWNER_GLN})
    product = registry.create_product(owner, {
        "gtin": OWNER_GTIN, "name": "Hành tím Vĩnh Châu", "sector": "fresh_produce",
        "net_content": "500", "unit": "g", "shelf_life_days": 120})
    batch = registry.create_batch(owner, {
        "product_id": product.id, "lot": OWNER_LOT, "location_id": location.id,
        "production_date": date.today() - timedelta(days=3), "quantity": 2400, "unit": "kg"})
    certificate = registry.create_certificate(owner, {
        "type": "vietgap", "number": OWNER_CERTIFICATE, "issuer": "QUACERT",
        "valid_from": date.today() - timedelta(days=30)})
    world.location, world.product, world.batch = location.id, product.id, batch.id
    world.certificate = certificate.id

    run = labels.issue_serials(owner, batch.id, 2)
    world.print_run = run.id
    serial = db.session.scalars(select(Serial).where(Serial.print_run_id == run.id)
                                .order_by(Serial.id)).first()
    world.serial = serial.serial
    world.label_job = labels.start_label_job(owner, batch.id, stock="a4-3x8-70x37",
                                             copies=1).id
    outcome = stages.record_stage(owner, batch, "fresh_produce", "planting", {
        "event_time": "2026-03-01T08:00:00", "location_id": location.id,
        "fields": {"crop_variety": "Hành tím Vĩnh Châu"}})
    world.event_id = outcome["event_id"]
    world.inspection = oversight.create_inspection(admin, {
        "organization_id": owner_org.id, "batch_id": batch.id, "result": "compliant",
        "date": date.today(), "notes": OWNER_INSPECTION}).id

    # A notice addressed to the owner (it received a lot that was then recalled upstream);
    # the decision is recorded on the owner's batch only so that it has one to point to.
    decision = StatusDecision(batch_id=batch.id, action="hold", reason="Kiểm tra mẫu",
                              previous_status="active", decided_by=admin.id,
                              decided_by_label=admin.email)
    db.session.add(decision)
    db.session.flush()
    notice = RecallNotice(decision_id=decision.id, organization_id=owner_org.id,
                          batch_id=batch.id, relation="receipt", channel="email",
                          target=OWNER_NOTICE_TARGET)
    report = ConsumerReport(gtin=OWNER_GTIN, lot=OWNER_LOT, product_id=product.id,
                            batch_id=batch.id, organization_id=owner_org.id, category="quality",
                            message=OWNER_REPORT)
    alert = CopyAlert(serial_id=serial.id, gtin=OWNER_GTIN, serial=serial.serial, lot=OWNER_LOT,
                      batch_id=batch.id, organization_id=owner_org.id, reasons=["networks"],
                      scans=8, networks=7, regions=2, window_hours=72)
    scan = ScanEvent(scanned_at=utcnow(), scanned_on=resolver.local_today(),
                     key_path=f"/01/{OWNER_GTIN}/10/{OWNER_LOT}", gtin=OWNER_GTIN, lot=OWNER_LOT,
                     product_id=product.id, batch_id=batch.id, organization_id=owner_org.id,
                     matched="batch", region=OWNER_PROVINCE)
    db.session.add_all([notice, report, alert, scan])
    db.session.flush()
    world.notice, world.report, world.copy_alert = notice.id, report.id, alert.id
    world.notice_token = oversight.ack_token(notice.id)
    world.outbox_message = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.organization_id == owner_org.id,
                                       OutboxMessage.kind == "batch"))
    # The one password in the world, for the sign-in form (hashing is slow: once is enough).
    owner.password_hash = generate_password_hash(PASSWORD)
    db.session.commit()
    world.reset_token = passwords.make_token(owner)  # made from the password hash it resets
    world.versions = {  # what an edit form carries, so that saving it is not a conflict
        "product": formkit.version_of(registry.product_to_dict(product)),
        "location": formkit.version_of(registry.location_to_dict(location)),
        "batch": formkit.version_of(registry.batch_to_dict(batch)),
        "certificate": formkit.version_of(registry.certificate_to_dict(certificate)),
    }
    return world


# --------------------------------------------------------------------------- copies


class Snapshot:
    """Every row of every table, to put back before each case."""

    def __init__(self) -> None:
        self.rows: dict = {}
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in connection.execute(select(table))]
                if rows:
                    self.rows[table] = rows

    def restore(self) -> None:
        """Empty the tables and put the world's rows back.

        DELETE rather than the suite's TRUNCATE: for a few rows it is far cheaper on
        PostgreSQL, which gives every truncated table new files.
        """
        db.session.remove()
        with db.engine.begin() as connection:
            postgresql = connection.dialect.name == "postgresql"
            if postgresql:  # a test database: no need to wait for the disk at commit
                connection.execute(text("SET LOCAL synchronous_commit TO off"))
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            for table, rows in self.rows.items():
                connection.execute(insert(table), rows)
            if postgresql:
                for table, rows in self.rows.items():
                    column = _serial_column(table)
                    if column is not None:
                        connection.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                            f"'{column}'), :value)"), {"value": max(r[column] for r in rows)})


def _serial_column(table) -> str | None:
    """The name of the table's generated integer key, if it has one."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1 or keys[0].autoincrement is False:
        return None
    try:
        return keys[0].name if keys[0].type.python_type is int else None
    except NotImplementedError:
        return None
