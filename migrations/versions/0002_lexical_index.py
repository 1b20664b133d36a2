"""Lexical index of memory text: an FTS5 table kept by triggers (SQLite), a GIN tsvector index (PostgreSQL).

SQLite: ``agentmem_memories_fts`` is an external-content FTS5 table: it stores only the index, the text stays
in ``agentmem_memories`` and triggers keep the two in step. Its tokenizer is ``unicode61 remove_diacritics 2``:
on LoCoMo questions it finds as many evidence turns as ``porter unicode61`` and, unlike porter, never merges
names and numbers with other words ("B12" stays "b12", "Caroline" stays "caroline").

PostgreSQL: a GIN index on ``to_tsvector('simple', text)``: the same lower-cased, unstemmed words, and
``agentmem.db.lexical`` repeats that exact expression so the planner uses the index.

A later revision that rebuilds ``agentmem_memories`` with batch mode on SQLite (copy, drop, rename) drops its
triggers: it must create them again and ``rebuild`` the FTS table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UPGRADE = (
    """
    CREATE VIRTUAL TABLE agentmem_memories_fts USING fts5(
        text, content='agentmem_memories', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )
    """,
    # The 'delete' command must be given the text as it was indexed: the old row's.
    """
    CREATE TRIGGER agentmem_memories_fts_insert AFTER INSERT ON agentmem_memories BEGIN
        INSERT INTO agentmem_memories_fts(rowid, text) VALUES (new.id, new.text);
    END
    """,
    """
    CREATE TRIGGER agentmem_memories_fts_delete AFTER DELETE ON agentmem_memories BEGIN
        INSERT INTO agentmem_memories_fts(agentmem_memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END
    """,
    """
    CREATE TRIGGER agentmem_memories_fts_update AFTER UPDATE OF id, text ON agentmem_memories BEGIN
        INSERT INTO agentmem_memories_fts(agentmem_memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO agentmem_memories_fts(rowid, text) VALUES (new.id, new.text);
    END
    """,
    # Memories written before this revision.
    "INSERT INTO agentmem_memories_fts(agentmem_memories_fts) VALUES ('rebuild')",
)

_SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS agentmem_memories_fts_update",
    "DROP TRIGGER IF EXISTS agentmem_memories_fts_delete",
    "DROP TRIGGER IF EXISTS agentmem_memories_fts_insert",
    "DROP TABLE IF EXISTS agentmem_memories_fts",  # its shadow tables go with it
)

_POSTGRES_UPGRADE = (
    "CREATE INDEX ix_agentmem_memories_tsv ON agentmem_memories USING GIN (to_tsvector('simple', text))",
)

_POSTGRES_DOWNGRADE = ("DROP INDEX IF EXISTS ix_agentmem_memories_tsv",)


def _statements(upgrade: bool) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return _SQLITE_UPGRADE if upgrade else _SQLITE_DOWNGRADE
    if dialect == "postgresql":
        return _POSTGRES_UPGRADE if upgrade else _POSTGRES_DOWNGRADE
    raise NotImplementedError(f"agentmem has no lexical index for {dialect}")


def upgrade() -> None:
    for statement in _statements(upgrade=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(upgrade=False):
        op.execute(statement)
