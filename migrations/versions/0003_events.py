"""events: EPCIS events, links between batches, stage templates

Revision ID: 0003_events
Revises: 0002_gateway_outbox
"""
import sqlalchemy as sa
from alembic import op

import traceability.database

revision = "0003_events"
down_revision = "0002_gateway_outbox"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "epcis_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("is_error_declaration", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=120), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=True),
        sa.Column("event_time", traceability.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("event_time_zone_offset", sa.String(length=6), nullable=False),
        sa.Column("record_time", traceability.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("biz_step", sa.String(length=255), nullable=True),
        sa.Column("disposition", sa.String(length=255), nullable=True),
        sa.Column("read_point", sa.String(length=500), nullable=True),
        sa.Column("biz_location", sa.String(length=500), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("erroneous", sa.Boolean(), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.Column("unresolved", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"],
                                name=op.f("fk_epcis_events_location_id_locations")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_epcis_events_organization_id_organizations")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"],
                                name=op.f("fk_epcis_events_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_events")),
        sa.UniqueConstraint("event_id", "is_error_declaration",
                            name="uq_epcis_events_event_id_declaration"),
    )
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_events_biz_location"), ["biz_location"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_biz_step"), ["biz_step"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_event_type"), ["event_type"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_location_id"), ["location_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_organization_id"),
                              ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_read_point"), ["read_point"],
                              unique=False)
        batch_op.create_index("ix_epcis_events_record_time", ["record_time", "id"],
                              unique=False)
        batch_op.create_index("ix_epcis_events_time", ["event_time", "id"], unique=False)

    op.create_table(
        "epcis_event_objects",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_pk", BIG_ID, nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("identifier", sa.String(length=500), nullable=False),
        sa.Column("canonical", sa.String(length=500), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("lot", sa.String(length=40), nullable=True),
        sa.Column("serial", sa.String(length=40), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("uom", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"],
                                name=op.f("fk_epcis_event_objects_batch_id_batches")),
        sa.ForeignKeyConstraint(["event_pk"], ["epcis_events.id"],
                                name=op.f("fk_epcis_event_objects_event_pk_epcis_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_event_objects")),
    )
    with op.batch_alter_table("epcis_event_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_event_objects_batch_id"), ["batch_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_objects_canonical"), ["canonical"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_objects_event_pk"), ["event_pk"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_objects_gtin"), ["gtin"],
                              unique=False)

    op.create_table(
        "epcis_event_organizations",
        sa.Column("event_pk", BIG_ID, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["epcis_events.id"],
            name=op.f("fk_epcis_event_organizations_event_pk_epcis_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_epcis_event_organizations_organization_id_organizations")),
        sa.PrimaryKeyConstraint("event_pk", "organization_id",
                                name=op.f("pk_epcis_event_organizations")),
    )
    with op.batch_alter_table("epcis_event_organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_event_organizations_organization_id"),
                              ["organization_id"], unique=False)

    op.create_table(
        "epcis_event_parties",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_pk", BIG_ID, nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.Column("identifier", sa.String(length=500), nullable=False),
        sa.Column("gln", sa.String(length=13), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_pk"], ["epcis_events.id"],
                                name=op.f("fk_epcis_event_parties_event_pk_epcis_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_epcis_event_parties_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_event_parties")),
    )
    with op.batch_alter_table("epcis_event_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_event_parties_event_pk"), ["event_pk"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_parties_organization_id"),
                              ["organization_id"], unique=False)

    op.create_table(
        "trace_links",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_pk", BIG_ID, nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("event_time", traceability.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("from_batch_id", sa.Integer(), nullable=True),
        sa.Column("to_batch_id", sa.Integer(), nullable=True),
        sa.Column("from_organization_id", sa.Integer(), nullable=True),
        sa.Column("to_organization_id", sa.Integer(), nullable=True),
        sa.Column("from_identifier", sa.String(length=500), nullable=True),
        sa.Column("to_identifier", sa.String(length=500), nullable=True),
        sa.Column("from_quantity", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("from_uom", sa.String(length=8), nullable=True),
        sa.Column("to_quantity", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("to_uom", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["event_pk"], ["epcis_events.id"],
                                name=op.f("fk_trace_links_event_pk_epcis_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_batch_id"], ["batches.id"],
                                name=op.f("fk_trace_links_from_batch_id_batches")),
        sa.ForeignKeyConstraint(["from_organization_id"], ["organizations.id"],
                                name=op.f("fk_trace_links_from_organization_id_organizations")),
        sa.ForeignKeyConstraint(["to_batch_id"], ["batches.id"],
                                name=op.f("fk_trace_links_to_batch_id_batches")),
        sa.ForeignKeyConstraint(["to_organization_id"], ["organizations.id"],
                                name=op.f("fk_trace_links_to_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_links")),
    )
    with op.batch_alter_table("trace_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trace_links_event_pk"), ["event_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_links_from_batch_id"), ["from_batch_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_trace_links_from_organization_id"),
                              ["from_organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_links_to_batch_id"), ["to_batch_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_trace_links_to_organization_id"),
                              ["to_organization_id"], unique=False)


def downgrade():
    op.drop_table("trace_links")
    op.drop_table("epcis_event_parties")
    op.drop_table("epcis_event_organizations")
    op.drop_table("epcis_event_objects")
    op.drop_table("epcis_events")
