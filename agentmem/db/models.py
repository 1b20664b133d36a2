"""The one definition of agentmem's tables (SQLAlchemy Core metadata).

Alembic revisions in ``migrations/`` create them; a test checks that models and migrations agree.
Timestamps are stored as float seconds since the Unix epoch (UTC): the same on every backend, and
loaded straight into numpy arrays for scoring.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "database",
    "embedding_cache",
    "index_checkpoints",
    "memories",
    "memory_sources",
    "metadata",
    "namespaces",
    "tombstones",
]

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid); elsewhere ids are 64-bit.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

namespaces = Table(
    "agentmem_namespaces",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    # Bumped in the same transaction as every change of the namespace's memories.
    Column("version", BigInteger, nullable=False, default=0),
    Column("model_id", String(255), nullable=False),
    Column("dimensions", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
)

memories = Table(
    "agentmem_memories",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("namespace_id", Integer, ForeignKey("agentmem_namespaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("importance", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_accessed_at", Float, nullable=False),
    Column("access_count", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default="active"),
    Column("superseded_by", BigInteger, nullable=True),
    Column("metadata", JSON, nullable=False),
    Column("version", BigInteger, nullable=False),
    # float32, little-endian, (chunks x dimensions) values: one row, or one per chunk of a text longer than
    # the model reads (agentmem.text.chunking). The vector index is rebuilt from these bytes.
    Column("embedding", LargeBinary, nullable=False),
    # The text the vectors were computed from, when the caller embedded another view of `text`
    # (e.g. the meaningful parts of a structured record); NULL means `text` itself.
    Column("embedded_text", Text, nullable=True),
    # The caller's key (a key/value store's item key), unique in the namespace; NULL: no key.
    Column("key", String(255), nullable=True),
    # Validity in event time (revision 0006): when it became true (written on every insert; NULL only in
    # rows older than the revision, read as created_at), when a successor replaced it (NULL: still holds),
    # and the memory it replaced (the other side of superseded_by).
    Column("valid_from", Float, nullable=True),
    Column("valid_to", Float, nullable=True),
    Column("supersedes", BigInteger, nullable=True),
    Index("ix_agentmem_memories_ns_status", "namespace_id", "status"),
    Index("ix_agentmem_memories_ns_version", "namespace_id", "version"),
    Index("ix_agentmem_memories_ns_hash", "namespace_id", "content_hash"),
    Index("ix_agentmem_memories_ns_key", "namespace_id", "key", unique=True),
    # Never reuse the id of a deleted memory (SQLite would reuse the largest): ids are also vector ids in
    # index files and tombstones, and provenance keeps them after a delete.
    sqlite_autoincrement=True,
)

# Provenance: a reflection and the memories it was made from. No foreign key on source_id, so a hard
# delete of a source keeps the id in the provenance of the reflections that survive it.
memory_sources = Table(
    "agentmem_memory_sources",
    metadata,
    Column(
        "reflection_id",
        BigInteger,
        ForeignKey("agentmem_memories.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("source_id", BigInteger, primary_key=True),
)

# A hard-deleted memory leaves a tombstone so index replicas behind its version remove it too.
tombstones = Table(
    "agentmem_tombstones",
    metadata,
    Column("namespace_id", Integer, ForeignKey("agentmem_namespaces.id", ondelete="CASCADE"), primary_key=True),
    Column("memory_id", BigInteger, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Index("ix_agentmem_tombstones_ns_version", "namespace_id", "version"),
)

embedding_cache = Table(
    "agentmem_embedding_cache",
    metadata,
    Column("model_id", String(255), primary_key=True),
    Column("content_hash", String(64), primary_key=True),
    Column("embedding", LargeBinary, nullable=False),
)

# One row: the database's random id, made by the revision that creates the tables. Index files carry it, so
# a file beside a database created again (same path or URL) is never read as its cache.
database = Table(
    "agentmem_database",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
)

# A random token per index file written, with what it was written at. A file is loaded only if its token
# is here: a backup restored under newer files does not know the tokens written after it was taken.
index_checkpoints = Table(
    "agentmem_index_checkpoints",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("namespace_id", Integer, ForeignKey("agentmem_namespaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_agentmem_index_checkpoints_namespace_id_kind", "namespace_id", "kind"),
)
