"""The database's own id, and the checkpoints its index files were written at.

A vector index file is a cache of SQL, kept beside a SQLite file or under ``$AGENTMEM_HOME/indexes``. A file
that outlives its database (the SQLite file deleted and created again, a PostgreSQL schema dropped and
created under the same URL, a backup restored while newer files stay, two namespaces' files swapped) must
never be read as the cache of another. ``agentmem_database`` holds one row: a random id made when this
revision runs, that is when the database is created; index files carry it. ``agentmem_index_checkpoints``
records a random token for every index file written, with the namespace, kind and version it was written
at; a file is loaded only if SQL holds its token (a restored backup does not know the tokens written after
it was taken).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    database = op.create_table(
        "agentmem_database",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agentmem_database"),
    )
    op.bulk_insert(database, [{"id": uuid.uuid4().hex, "created_at": time.time()}])
    op.create_table(
        "agentmem_index_checkpoints",
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["agentmem_namespaces.id"],
            name="fk_agentmem_index_checkpoints_namespace_id_agentmem_namespaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name="pk_agentmem_index_checkpoints"),
    )
    op.create_index(
        "ix_agentmem_index_checkpoints_namespace_id_kind", "agentmem_index_checkpoints", ["namespace_id", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_agentmem_index_checkpoints_namespace_id_kind", table_name="agentmem_index_checkpoints")
    op.drop_table("agentmem_index_checkpoints")
    op.drop_table("agentmem_database")
