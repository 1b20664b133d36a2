"""Memories may carry a caller's key, unique within their namespace (``key``; NULL: no key).

A keyed memory is addressed by its key (a key/value store such as LangGraph's ``BaseStore`` puts and gets
items by key), and adding a memory with a key that is taken replaces the memory holding it. The unique
index makes the lookup an index seek and refuses two memories with one key; NULLs never collide, so
memories without a key are unaffected.

A nullable column and an index are plain statements on SQLite too: no table rebuild, so the FTS triggers
of revision 0002 stay in place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agentmem_memories", sa.Column("key", sa.String(255), nullable=True))
    op.create_index("ix_agentmem_memories_ns_key", "agentmem_memories", ["namespace_id", "key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_agentmem_memories_ns_key", table_name="agentmem_memories")
    # Not batch mode on SQLite (it would rebuild the table and lose the FTS triggers): SQLite >= 3.35
    # drops a column in place.
    op.execute("ALTER TABLE agentmem_memories DROP COLUMN key")
