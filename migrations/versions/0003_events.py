"""events: EPCIS events, links between batches, stage templates

Revision ID: 0003_events
Revises: 0002_gateway_outbox
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import traceability.database  # noqa: F401

revision = "0003_events"
down_revision = "0002_gateway_outbox"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
