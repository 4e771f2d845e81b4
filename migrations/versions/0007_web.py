"""web: password resets and other page state

Revision ID: 0007_web
Revises: 0006_oversight
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import traceability.database  # noqa: F401

revision = "0007_web"
down_revision = "0006_oversight"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
