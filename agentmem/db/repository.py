"""The only place agentmem reads and writes SQL.

Every change to a namespace's memories bumps the namespace's version in the same transaction (the
UPDATE takes a row lock on PostgreSQL and the write lock on SQLite), so versions commit in order and a
reader that has seen version ``v`` has seen every change up to ``v``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from agentmem.db.engine import WRITE_OPTION
from agentmem.db.models import embedding_cache, memories, memory_sources, namespaces, tombstones
from agentmem.db.rows import NamespaceRow, PendingMemory, record_from_row, vector_from_blob, vector_to_blob
from agentmem.types import MemoryRecord

__all__ = ["Changes", "Repository"]

_RECORD_COLUMNS = [c for c in memories.c if c.name != "embedding"]


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in a namespace after some version, to bring an index replica up to ``version``."""

    upsert_ids: NDArray[np.int64]
    upsert_vectors: NDArray[np.float32]
    remove_ids: NDArray[np.int64]
    version: int


class Repository:
    """SQL access for one database.

    Args:
        engine: a SQLAlchemy engine whose schema is at head.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    # -- namespaces -------------------------------------------------------------------------------

    def namespace(self, name: str) -> NamespaceRow | None:
        with self._read() as conn:
            row = conn.execute(select(namespaces).where(namespaces.c.name == name)).first()
        return None if row is None else NamespaceRow.from_row(row)

    def list_namespaces(self) -> list[NamespaceRow]:
        with self._read() as conn:
            rows = conn.execute(select(namespaces).order_by(namespaces.c.name)).all()
        return [NamespaceRow.from_row(r) for r in rows]

    def create_namespace(self, name: str, *, model_id: str, dimensions: int, now: float) -> NamespaceRow:
        """Create the namespace, or return it if another process created it first."""
        with self._write() as conn:
            row = conn.execute(select(namespaces).where(namespaces.c.name == name)).first()
            if row is None:
                conn.execute(
                    insert(namespaces).values(
                        name=name, version=0, model_id=model_id, dimensions=dimensions, created_at=now
                    )
                )
                row = conn.execute(select(namespaces).where(namespaces.c.name == name)).one()
        return NamespaceRow.from_row(row)

    def namespace_version(self, namespace_id: int) -> int:
        with self._read() as conn:
            return int(conn.execute(select(namespaces.c.version).where(namespaces.c.id == namespace_id)).scalar_one())

    @staticmethod
    def _bump(conn: Connection, namespace_id: int) -> int:
        return int(
            conn.execute(
                update(namespaces)
                .where(namespaces.c.id == namespace_id)
                .values(version=namespaces.c.version + 1)
                .returning(namespaces.c.version)
            ).scalar_one()
        )

    # -- memories ---------------------------------------------------------------------------------

    def insert(self, ns: NamespaceRow, pending: Sequence[PendingMemory], *, model_id: str) -> list[MemoryRecord]:
        """Insert memories and their embedding-cache entries in one transaction."""
        if not pending:
            return []
        with self._write() as conn:
            version = self._bump(conn, ns.id)
            params = [p.row_values(namespace_id=ns.id, version=version) for p in pending]
            ids = (
                conn.execute(insert(memories).returning(memories.c.id, sort_by_parameter_order=True), params)
                .scalars()
                .all()
            )
            self._cache_put(conn, model_id, {p.content_hash: p.vector for p in pending})
        return [
            p.record(memory_id=int(i), namespace=ns.name, version=version) for i, p in zip(ids, pending, strict=False)
        ]

    def get_many(self, ns: NamespaceRow, ids: Sequence[int]) -> list[MemoryRecord]:
        """The memories with these ids in this namespace, in the order asked (missing ids left out)."""
        if not ids:
            return []
        with self._read() as conn:
            rows = conn.execute(
                select(*_RECORD_COLUMNS).where(memories.c.namespace_id == ns.id, memories.c.id.in_(list(ids)))
            ).all()
        by_id = {int(r.id): record_from_row(r, namespace=ns.name) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def page(self, ns: NamespaceRow, *, limit: int, offset: int = 0) -> list[MemoryRecord]:
        with self._read() as conn:
            rows = conn.execute(
                select(*_RECORD_COLUMNS)
                .where(memories.c.namespace_id == ns.id)
                .order_by(memories.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [record_from_row(r, namespace=ns.name) for r in rows]

    def delete(self, ns: NamespaceRow, ids: Sequence[int]) -> tuple[list[int], int]:
        """Hard-delete memories (text, vector, cache entry left to the cache), leaving tombstones.

        Returns:
            the ids that existed and were deleted, and the namespace version of the change.
        """
        with self._write() as conn:
            found = [
                int(i)
                for i in conn.execute(
                    select(memories.c.id).where(memories.c.namespace_id == ns.id, memories.c.id.in_(list(ids)))
                ).scalars()
            ]
            if not found:
                return [], int(conn.execute(select(namespaces.c.version).where(namespaces.c.id == ns.id)).scalar_one())
            version = self._bump(conn, ns.id)
            conn.execute(delete(memories).where(memories.c.id.in_(found)))
            conn.execute(
                insert(tombstones),
                [{"namespace_id": ns.id, "memory_id": i, "version": version} for i in found],
            )
        return found, version

    def sources_of(self, reflection_id: int) -> list[int]:
        with self._read() as conn:
            return [
                int(i)
                for i in conn.execute(
                    select(memory_sources.c.source_id).where(memory_sources.c.reflection_id == reflection_id)
                ).scalars()
            ]

    # -- vectors ----------------------------------------------------------------------------------

    def active_vectors(self, ns: NamespaceRow) -> tuple[NDArray[np.int64], NDArray[np.float32], int]:
        """Every active memory's id and stored vector, and the version they reflect (one snapshot)."""
        with self._read() as conn:
            version = int(conn.execute(select(namespaces.c.version).where(namespaces.c.id == ns.id)).scalar_one())
            rows = conn.execute(
                select(memories.c.id, memories.c.embedding)
                .where(memories.c.namespace_id == ns.id, memories.c.status == "active")
                .order_by(memories.c.id)
            ).all()
        return (*self._stack(rows, ns.dimensions), version)

    def changes_since(self, ns: NamespaceRow, version: int) -> Changes:
        """Changes after ``version``: vectors to add or replace and ids to remove."""
        with self._read() as conn:
            # Read the version first: every change up to it has committed (versions commit in order), so
            # nothing at or below it can be missed; later changes that also show up are applied twice at
            # worst, which upsert and remove tolerate.
            current = int(conn.execute(select(namespaces.c.version).where(namespaces.c.id == ns.id)).scalar_one())
            rows = conn.execute(
                select(memories.c.id, memories.c.status, memories.c.embedding).where(
                    memories.c.namespace_id == ns.id, memories.c.version > version
                )
            ).all()
            gone = (
                conn.execute(
                    select(tombstones.c.memory_id).where(
                        tombstones.c.namespace_id == ns.id, tombstones.c.version > version
                    )
                )
                .scalars()
                .all()
            )
        active = [r for r in rows if r.status == "active"]
        ids, vectors = self._stack(active, ns.dimensions)
        removed = [int(r.id) for r in rows if r.status != "active"] + [int(i) for i in gone]
        return Changes(ids, vectors, np.asarray(removed, dtype=np.int64), current)

    @staticmethod
    def _stack(rows: Sequence[Any], dimensions: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        ids = np.fromiter((int(r.id) for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.empty((len(rows), dimensions), dtype=np.float32)
        for i, r in enumerate(rows):
            vectors[i] = vector_from_blob(r.embedding, dimensions)
        return ids, vectors

    # -- embedding cache --------------------------------------------------------------------------

    def cached_embeddings(
        self, model_id: str, hashes: Sequence[str], dimensions: int
    ) -> dict[str, NDArray[np.float32]]:
        """Cached vectors of these content hashes for this model."""
        found: dict[str, NDArray[np.float32]] = {}
        unique = list(dict.fromkeys(hashes))
        with self._read() as conn:
            for start in range(0, len(unique), 500):  # keep the IN list well under driver limits
                rows = conn.execute(
                    select(embedding_cache.c.content_hash, embedding_cache.c.embedding).where(
                        embedding_cache.c.model_id == model_id,
                        embedding_cache.c.content_hash.in_(unique[start : start + 500]),
                    )
                ).all()
                found.update({r.content_hash: vector_from_blob(r.embedding, dimensions) for r in rows})
        return found

    @staticmethod
    def _cache_put(conn: Connection, model_id: str, vectors: dict[str, NDArray[np.float32]]) -> None:
        if not vectors:
            return
        rows = [{"model_id": model_id, "content_hash": h, "embedding": vector_to_blob(v)} for h, v in vectors.items()]
        # Another writer may have cached the same text meanwhile: the first vector wins, they are equal.
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql.insert(embedding_cache).on_conflict_do_nothing(), rows)
        else:
            conn.execute(sqlite.insert(embedding_cache).on_conflict_do_nothing(), rows)

    # -- statistics -------------------------------------------------------------------------------

    def counts(self, ns: NamespaceRow) -> tuple[dict[tuple[str, str], int], int]:
        """Memories counted by (kind, status), and the bytes of their text and vectors."""
        with self._read() as conn:
            rows = conn.execute(
                select(
                    memories.c.kind,
                    memories.c.status,
                    func.count(),
                    func.coalesce(func.sum(func.length(memories.c.text) + func.length(memories.c.embedding)), 0),
                )
                .where(memories.c.namespace_id == ns.id)
                .group_by(memories.c.kind, memories.c.status)
            ).all()
        return {(r[0], r[1]): int(r[2]) for r in rows}, sum(int(r[3]) for r in rows)
