"""Memories may be embedded from another view of their text: ``embedded_text`` (NULL: the text itself).

Embeddings of texts longer than the model's window are stored as several float32 rows in the same
``embedding`` blob (one per chunk), which needs no schema change: a blob of one row is what every earlier
memory holds.

Adding a nullable column is a plain ``ALTER TABLE ... ADD COLUMN`` on SQLite too: no table rebuild, so the
FTS triggers of revision 0002 stay in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agentmem_memories", sa.Column("embedded_text", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not batch mode on SQLite (it would rebuild the table and lose the FTS triggers): SQLite >= 3.35
    # drops a column in place.
    op.execute("ALTER TABLE agentmem_memories DROP COLUMN embedded_text")
