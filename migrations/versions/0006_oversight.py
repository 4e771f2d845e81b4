"""oversight: holds and recalls, notifications, inspections

Revision ID: 0006_oversight
Revises: 0005_resolver
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import traceability.database  # noqa: F401

revision = "0006_oversight"
down_revision = "0005_resolver"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
