"""Initial schema: namespaces, memories with vector blobs, provenance, tombstones, embedding cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agentmem_namespaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agentmem_namespaces"),
        sa.UniqueConstraint("name", name="uq_agentmem_namespaces_name"),
    )
    op.create_table(
        "agentmem_memories",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_accessed_at", sa.Float(), nullable=False),
        sa.Column("access_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("superseded_by", sa.BigInteger(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["agentmem_namespaces.id"],
            name="fk_agentmem_memories_namespace_id_agentmem_namespaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agentmem_memories"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_agentmem_memories_ns_status", "agentmem_memories", ["namespace_id", "status"])
    op.create_index("ix_agentmem_memories_ns_version", "agentmem_memories", ["namespace_id", "version"])
    op.create_index("ix_agentmem_memories_ns_hash", "agentmem_memories", ["namespace_id", "content_hash"])
    op.create_table(
        "agentmem_memory_sources",
        sa.Column("reflection_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["agentmem_memories.id"],
            name="fk_agentmem_memory_sources_reflection_id_agentmem_memories",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reflection_id", "source_id", name="pk_agentmem_memory_sources"),
    )
    op.create_table(
        "agentmem_tombstones",
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("memory_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["agentmem_namespaces.id"],
            name="fk_agentmem_tombstones_namespace_id_agentmem_namespaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("namespace_id", "memory_id", name="pk_agentmem_tombstones"),
    )
    op.create_index("ix_agentmem_tombstones_ns_version", "agentmem_tombstones", ["namespace_id", "version"])
    op.create_table(
        "agentmem_embedding_cache",
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "content_hash", name="pk_agentmem_embedding_cache"),
    )


def downgrade() -> None:
    op.drop_table("agentmem_embedding_cache")
    op.drop_index("ix_agentmem_tombstones_ns_version", table_name="agentmem_tombstones")
    op.drop_table("agentmem_tombstones")
    op.drop_table("agentmem_memory_sources")
    op.drop_index("ix_agentmem_memories_ns_hash", table_name="agentmem_memories")
    op.drop_index("ix_agentmem_memories_ns_version", table_name="agentmem_memories")
    op.drop_index("ix_agentmem_memories_ns_status", table_name="agentmem_memories")
    op.drop_table("agentmem_memories")
    op.drop_table("agentmem_namespaces")
