"""Memories know when they were true: ``valid_from``, ``valid_to`` and the memory they supersede.

- ``valid_from``: when the memory became true (event time), set on every write; existing rows take their
  ``created_at``. Nullable only because SQLite cannot add a NOT NULL column without rebuilding the table
  (which would drop the FTS triggers of revision 0002); the store always writes it.
- ``valid_to``: when a newer memory replaced it (its successor's ``valid_from``); NULL while it holds.
- ``supersedes``: the id of the memory this one replaced (the successor's side of ``superseded_by``), so the
  link is kept both ways and a history can be walked from either end.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agentmem_memories", sa.Column("valid_from", sa.Float(), nullable=True))
    op.add_column("agentmem_memories", sa.Column("valid_to", sa.Float(), nullable=True))
    op.add_column("agentmem_memories", sa.Column("supersedes", sa.BigInteger(), nullable=True))
    op.execute("UPDATE agentmem_memories SET valid_from = created_at")


def downgrade() -> None:
    # Not batch mode on SQLite (it would rebuild the table and lose the FTS triggers): SQLite >= 3.35
    # drops a column in place.
    for column in ("supersedes", "valid_to", "valid_from"):
        op.execute(f"ALTER TABLE agentmem_memories DROP COLUMN {column}")
