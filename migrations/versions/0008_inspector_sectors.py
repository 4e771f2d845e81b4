"""accounts: an inspector may be limited to sectors as well as provinces

Revision ID: 0008_inspector_sectors
Revises: 0007_web
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_inspector_sectors"
down_revision = "0007_web"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_sectors", sa.String(length=500), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("scope_sectors")
