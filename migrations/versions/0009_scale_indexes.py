"""scale: indexes that keep listings and searches flat as the registry grows

An organization's batches and products are listed in id order: (organization_id, id) serves
the filter and the order at once, where the single-column index had the database either sort
all of the organization's rows or walk the whole table in id order looking for them. It
replaces that index (its leading column serves everything the old one did).

On PostgreSQL, product search (every word of ``q`` anywhere in ``search_text``, LIKE '%word%')
uses a trigram index instead of reading every product. ``pg_trgm`` ships with PostgreSQL and is
a trusted extension (the database owner may create it); where it cannot be created the search
keeps working as before, without the index, and a warning says so.

Revision ID: 0009_scale_indexes
Revises: 0008_inspector_sectors
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0009_scale_indexes"
down_revision = "0008_inspector_sectors"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_organization_id")
        batch_op.create_index("ix_batches_organization_id_id", ["organization_id", "id"],
                              unique=False)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_organization_id")
        batch_op.create_index("ix_products_organization_id_id", ["organization_id", "id"],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql" and _trigram_extension():
        op.create_index("ix_products_search_text_trgm", "products", ["search_text"],
                        unique=False, postgresql_using="gin",
                        postgresql_ops={"search_text": "gin_trgm_ops"})


def _trigram_extension() -> bool:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar():
        return True
    try:
        with bind.begin_nested():  # a savepoint: a refusal must not abort the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm could not be created (%s); product search works without its "
                    "index. Ask the database's owner to run CREATE EXTENSION pg_trgm and "
                    "create ix_products_search_text_trgm.", " ".join(str(error.orig).split()))
        return False
    return True


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_search_text_trgm")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_organization_id_id")
        batch_op.create_index("ix_products_organization_id", ["organization_id"], unique=False)
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_organization_id_id")
        batch_op.create_index("ix_batches_organization_id", ["organization_id"], unique=False)
