"""resolver: scan log, copy alerts, consumer reports

Revision ID: 0005_resolver
Revises: 0004_labels
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import traceability.database  # noqa: F401

revision = "0005_resolver"
down_revision = "0004_labels"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
