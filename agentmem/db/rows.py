"""Conversions between SQL rows and agentmem's values (vectors as blobs, times as epoch seconds)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Row

from agentmem.errors import ConfigError, DatabaseError
from agentmem.types import JSONValue, MemoryRecord, content_hash

__all__ = [
    "ImportedRow",
    "NamespaceRow",
    "PendingMemory",
    "from_epoch",
    "record_from_row",
    "to_epoch",
    "vector_from_blob",
    "vector_to_blob",
    "vectors_from_blob",
]

_FLOAT32_LE = np.dtype("<f4")


def to_epoch(when: datetime) -> float:
    """Seconds since the Unix epoch of a timezone-aware datetime.

    Raises:
        ConfigError: ``when`` is not a datetime, or is naive (its meaning would depend on the machine's time
            zone).
    """
    if not isinstance(when, datetime):
        raise ConfigError(f"expected a timezone-aware datetime, not {type(when).__name__} {when!r}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ConfigError(
            f"datetime {when.isoformat()} has no time zone: pass an aware one, e.g. datetime.now(timezone.utc)"
        )
    return when.timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def vector_to_blob(vector: NDArray[np.float32]) -> bytes:
    return np.ascontiguousarray(vector, dtype=_FLOAT32_LE).tobytes()


def vector_from_blob(blob: bytes, dimensions: int) -> NDArray[np.float32]:
    vector = np.frombuffer(blob, dtype=_FLOAT32_LE)
    if vector.shape != (dimensions,):
        raise DatabaseError(
            backend="stored data",
            reason=f"a stored vector has {vector.size} values, the namespace has {dimensions} dimensions",
            advice="the row is damaged: restore the database from a backup, or re-import the memory",
        )
    return vector.astype(np.float32, copy=False)


def vectors_from_blob(blob: bytes, dimensions: int) -> NDArray[np.float32]:
    """The ``(chunks, dimensions)`` vectors of a memory's blob (one row unless it was embedded in chunks)."""
    values = np.frombuffer(blob, dtype=_FLOAT32_LE)
    if not values.size or values.size % dimensions:
        raise DatabaseError(
            backend="stored data",
            reason=f"stored vectors have {values.size} values, not a multiple of {dimensions} dimensions",
            advice="the row is damaged: restore the database from a backup, or re-import the memory",
        )
    return values.reshape(-1, dimensions).astype(np.float32, copy=False)


@dataclass(frozen=True, slots=True)
class NamespaceRow:
    """A namespace as stored."""

    id: int
    name: str
    version: int
    model_id: str
    dimensions: int

    @classmethod
    def from_row(cls, row: Row[Any]) -> NamespaceRow:
        return cls(int(row.id), str(row.name), int(row.version), str(row.model_id), int(row.dimensions))


@dataclass(frozen=True, slots=True)
class PendingMemory:
    """A memory about to be inserted, with its vector."""

    text: str
    content_hash: str
    kind: str
    importance: float
    created_at: float
    metadata: Mapping[str, JSONValue]
    vectors: NDArray[np.float32]  # (chunks, dimensions)
    embedded_text: str | None = None  # what was embedded, when not ``text``
    key: str | None = None
    valid_from: float | None = None  # None: created_at
    supersedes: int | None = None  # the active memory it replaces
    supersedes_detected: bool = False  # found by the update detector: dropped if the target is gone

    @property
    def valid_since(self) -> float:
        return self.created_at if self.valid_from is None else self.valid_from

    @property
    def cache_key(self) -> str:
        """The embedding-cache key of its vectors: the content hash of the text they were computed from."""
        return self.content_hash if self.embedded_text is None else content_hash(self.embedded_text)

    def row_values(self, *, namespace_id: int, version: int, written_at: float | None = None) -> dict[str, Any]:
        """Its row; ``written_at`` is its last access when it replaces a memory (created earlier) by key."""
        return {
            "namespace_id": namespace_id,
            "kind": self.kind,
            "text": self.text,
            "content_hash": self.content_hash,
            "importance": self.importance,
            "created_at": self.created_at,
            "last_accessed_at": self.created_at if written_at is None else written_at,
            "access_count": 0,
            "status": "active",
            "superseded_by": None,
            "metadata": dict(self.metadata),
            "version": version,
            "embedding": vector_to_blob(self.vectors),
            "embedded_text": self.embedded_text,
            "key": self.key,
            "valid_from": self.valid_since,
            "valid_to": None,
            "supersedes": self.supersedes,
        }

    def record(self, *, memory_id: int, namespace: str, version: int, written_at: float | None = None) -> MemoryRecord:
        return MemoryRecord(
            id=memory_id,
            namespace=namespace,
            text=self.text,
            kind=self.kind,
            importance=self.importance,
            created_at=from_epoch(self.created_at),
            last_accessed_at=from_epoch(self.created_at if written_at is None else written_at),
            access_count=0,
            status="active",
            metadata=dict(self.metadata),
            superseded_by=None,
            version=version,
            key=self.key,
            valid_from=from_epoch(self.valid_since),
            supersedes=self.supersedes,
        )


def record_from_row(row: Any, *, namespace: str) -> MemoryRecord:
    """The record of a memory row: anything holding the record columns as attributes (a SQLAlchemy row, or
    the plain rows of the SQLite fast path)."""
    return MemoryRecord(
        id=int(row.id),
        namespace=namespace,
        text=str(row.text),
        kind=str(row.kind),
        importance=float(row.importance),
        created_at=from_epoch(float(row.created_at)),
        last_accessed_at=from_epoch(float(row.last_accessed_at)),
        access_count=int(row.access_count),
        status="archived" if row.status == "archived" else "active",
        metadata=dict(row.metadata),
        superseded_by=None if row.superseded_by is None else int(row.superseded_by),
        version=int(row.version),
        key=row.key,
        valid_from=from_epoch(float(row.created_at if row.valid_from is None else row.valid_from)),
        valid_to=None if row.valid_to is None else from_epoch(float(row.valid_to)),
        supersedes=None if row.supersedes is None else int(row.supersedes),
    )


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """An exported memory about to be inserted as it was, with its vector."""

    record: MemoryRecord
    content_hash: str
    vectors: NDArray[np.float32]  # (chunks, dimensions)
    sources: tuple[int, ...]
    embedded_text: str | None = None

    def row_values(self, *, namespace_id: int, version: int, keep_id: bool) -> dict[str, Any]:
        r = self.record
        values = {
            "namespace_id": namespace_id,
            "kind": r.kind,
            "text": r.text,
            "content_hash": self.content_hash,
            "importance": r.importance,
            "created_at": to_epoch(r.created_at),
            "last_accessed_at": to_epoch(r.last_accessed_at),
            "access_count": r.access_count,
            "status": r.status,
            "superseded_by": r.superseded_by,
            "metadata": dict(r.metadata),
            "version": version,
            "embedding": vector_to_blob(self.vectors),
            "embedded_text": self.embedded_text,
            "key": r.key,
            "valid_from": to_epoch(r.valid_since),
            "valid_to": None if r.valid_to is None else to_epoch(r.valid_to),
            "supersedes": r.supersedes,
        }
        if keep_id:
            values["id"] = r.id
        return values
