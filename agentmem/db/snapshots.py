"""Reads that feed the in-memory replicas: vectors and scoring attributes, whole or changed since a version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, func, select

from agentmem.db.models import memories, memory_sources, namespaces, tombstones
from agentmem.db.rows import NamespaceRow, vectors_from_blob
from agentmem.db.transactions import ids_in_namespace, reading
from agentmem.vectors import MemoryVectors

__all__ = ["ActiveRows", "Changes", "Snapshot", "SnapshotReader"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Vectors and scoring attributes of a set of memories, position i describing ``ids[i]``.

    ``vectors`` holds each memory's chunk vectors (one unless it was embedded in chunks).
    """

    ids: NDArray[np.int64]
    vectors: MemoryVectors
    last_accessed: NDArray[np.float64]
    importance: NDArray[np.float32]
    created_at: NDArray[np.float64]
    version: int

    @property
    def vector_ids(self) -> NDArray[np.int64]:
        """The vector index id of every row of ``vectors.rows``."""
        return self.vectors.ids(self.ids)


@dataclass(frozen=True, slots=True)
class ActiveRows:
    """The scoring columns of a namespace's active memories without their vectors, position i describing
    ``ids[i]``; ``chunks``: how many vectors each has."""

    ids: NDArray[np.int64]
    last_accessed: NDArray[np.float64]
    importance: NDArray[np.float32]
    chunks: NDArray[np.int64]
    created_at: NDArray[np.float64]
    version: int


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed after some version: memories now active (new or touched) and ids no longer active."""

    active: Snapshot
    remove_ids: NDArray[np.int64]
    version: int


_SNAPSHOT_COLUMNS = (
    memories.c.id,
    memories.c.embedding,
    memories.c.last_accessed_at,
    memories.c.importance,
    memories.c.created_at,
)


class SnapshotReader:
    """Reads snapshots of one database's namespaces."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def version(self, ns: NamespaceRow) -> int:
        """The namespace's current version."""
        with self._engine.connect() as conn:
            return _version(conn, ns.id)

    def active(self, ns: NamespaceRow) -> Snapshot:
        """Every active memory's vector and attributes, and the version they reflect (one transaction)."""
        with reading(self._engine) as conn:
            version = _version(conn, ns.id)
            rows = conn.execute(
                select(*_SNAPSHOT_COLUMNS)
                .where(memories.c.namespace_id == ns.id, memories.c.status == "active")
                .order_by(memories.c.id)
            ).all()
        return _snapshot(rows, ns.dimensions, version)

    def of(self, ns: NamespaceRow, ids: Sequence[int]) -> Snapshot:
        """Vectors and attributes of the given memories (archived ones included), in id order."""
        with reading(self._engine) as conn:
            version = _version(conn, ns.id)
            rows = conn.execute(
                select(*_SNAPSHOT_COLUMNS).where(ids_in_namespace(ids, ns.id)).order_by(memories.c.id)
            ).all()
        return _snapshot(rows, ns.dimensions, version)

    def active_rows(self, ns: NamespaceRow) -> ActiveRows:
        """The scoring columns of the active memories (no vectors), at the version they reflect."""
        with reading(self._engine) as conn:
            version = _version(conn, ns.id)
            rows = conn.execute(
                select(
                    memories.c.id,
                    memories.c.last_accessed_at,
                    memories.c.importance,
                    func.length(memories.c.embedding),
                    memories.c.created_at,
                ).where(memories.c.namespace_id == ns.id, memories.c.status == "active")
            ).all()
        n = len(rows)
        return ActiveRows(
            ids=np.fromiter((r[0] for r in rows), np.int64, n),
            last_accessed=np.fromiter((r[1] for r in rows), np.float64, n),
            importance=np.fromiter((r[2] for r in rows), np.float32, n),
            chunks=np.fromiter((r[3] for r in rows), np.int64, n) // (4 * ns.dimensions),
            created_at=np.fromiter((r[4] for r in rows), np.float64, n),
            version=version,
        )

    def for_reflection(self, ns: NamespaceRow, kinds: Sequence[str]) -> tuple[Snapshot, list[str]]:
        """Active memories of these kinds that no reflection summarises yet: vectors and attributes, texts (id
        order). A source a reflection left active (its summary does not say all it said) is not reflected again."""
        linked = select(memory_sources.c.source_id).where(memory_sources.c.source_id == memories.c.id)
        with reading(self._engine) as conn:
            version = _version(conn, ns.id)
            rows = conn.execute(
                select(*_SNAPSHOT_COLUMNS, memories.c.text)
                .where(
                    memories.c.namespace_id == ns.id,
                    memories.c.status == "active",
                    memories.c.kind.in_(list(kinds)),
                    ~linked.exists(),
                )
                .order_by(memories.c.id)
            ).all()
        return _snapshot(rows, ns.dimensions, version), [str(r.text) for r in rows]

    def retention_inputs(
        self, ns: NamespaceRow
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float32], NDArray[np.int64]]:
        """Active memories' ids, creation and last-access times, importances and access counts."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(
                    memories.c.id,
                    memories.c.created_at,
                    memories.c.last_accessed_at,
                    memories.c.importance,
                    memories.c.access_count,
                ).where(memories.c.namespace_id == ns.id, memories.c.status == "active")
            ).all()
        n = len(rows)
        return (
            np.fromiter((r[0] for r in rows), np.int64, n),
            np.fromiter((r[1] for r in rows), np.float64, n),
            np.fromiter((r[2] for r in rows), np.float64, n),
            np.fromiter((r[3] for r in rows), np.float32, n),
            np.fromiter((r[4] for r in rows), np.int64, n),
        )

    def changes_since(self, ns: NamespaceRow, version: int) -> Changes:
        """Changes after ``version``."""
        with reading(self._engine) as conn:
            # Read the version first: every change up to it has committed (versions commit in order), so
            # nothing at or below it can be missed; later changes that also show up are applied twice at
            # worst, which the replicas tolerate.
            current = _version(conn, ns.id)
            rows = conn.execute(
                select(*_SNAPSHOT_COLUMNS, memories.c.status).where(
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
        removed = [int(r.id) for r in rows if r.status != "active"] + [int(i) for i in gone]
        return Changes(_snapshot(active, ns.dimensions, current), np.asarray(removed, dtype=np.int64), current)


def _version(conn: Connection, namespace_id: int) -> int:
    return int(conn.execute(select(namespaces.c.version).where(namespaces.c.id == namespace_id)).scalar_one())


def _snapshot(rows: Sequence[Any], dimensions: int, version: int) -> Snapshot:
    n = len(rows)
    return Snapshot(
        ids=np.fromiter((r.id for r in rows), np.int64, n),
        vectors=_vectors(rows, dimensions),
        last_accessed=np.fromiter((r.last_accessed_at for r in rows), np.float64, n),
        importance=np.fromiter((r.importance for r in rows), np.float32, n),
        created_at=np.fromiter((r.created_at for r in rows), np.float64, n),
        version=version,
    )


def _vectors(rows: Sequence[Any], dimensions: int) -> MemoryVectors:
    width = 4 * dimensions
    if all(len(r.embedding) == width for r in rows):  # no chunked memory: one contiguous copy
        flat = np.frombuffer(b"".join(r.embedding for r in rows), dtype="<f4")
        return MemoryVectors.single(flat.reshape(len(rows), dimensions).astype(np.float32))
    return MemoryVectors.stack([vectors_from_blob(r.embedding, dimensions) for r in rows], dimensions)
