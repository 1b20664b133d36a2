"""In-memory scoring attributes of a namespace's active memories: last access, importance, creation, chunks.

The recall paths score every candidate in one vectorised pass; these arrays give them recency, importance
and the creation time a query may name without a SQL round trip. They are kept in id order (ids only grow,
so new memories append).
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from agentmem.vectors import chunk_ids

__all__ = ["MemoryAttributes"]

_T = TypeVar("_T", bound=np.generic)


class MemoryAttributes:
    """Last-access and creation times (epoch seconds), importances and chunk counts of active memories, by id.

    ``chunks`` is the number of vectors a memory has in the index (1 unless it was embedded in chunks, see
    :mod:`agentmem.text.chunking`). ``created`` defaults to 0 (the epoch) for callers that never rank by time.
    """

    def __init__(
        self,
        ids: NDArray[np.int64] | None = None,
        last_accessed: NDArray[np.float64] | None = None,
        importance: NDArray[np.float32] | None = None,
        chunks: NDArray[np.int64] | None = None,
        created: NDArray[np.float64] | None = None,
    ) -> None:
        ids = np.zeros(0, np.int64) if ids is None else np.asarray(ids, np.int64)
        order = np.argsort(ids, kind="stable")
        self.ids = ids[order]
        self.last_accessed = _column(last_accessed, np.float64, 0, ids.size)[order]
        self.importance = _column(importance, np.float32, 0, ids.size)[order]
        self.chunks = _column(chunks, np.int64, 1, ids.size)[order]
        self.created = _column(created, np.float64, 0, ids.size)[order]
        # Incremented whenever the set of ids changes, so callers can cache id → row lookups.
        self.generation = 0
        # Whole-column reductions every ranking needs (~0.5 ms each at 1M memories), kept until a write.
        self._peaks: tuple[float, float] | None = None
        self._chunked: bool | None = None

    def __len__(self) -> int:
        return int(self.ids.size)

    def rows(self, ids: NDArray[np.int64]) -> NDArray[np.intp]:
        """Row of each id (every id must be present)."""
        rows = np.searchsorted(self.ids, ids)
        if rows.size and (rows.max(initial=0) >= self.ids.size or not np.array_equal(self.ids[rows], ids)):
            raise KeyError("some ids have no attributes")
        return rows

    @property
    def chunked(self) -> bool:
        """Whether some memory has more than one vector."""
        if self._chunked is None:
            self._chunked = bool(self.chunks.size) and int(self.chunks.max()) > 1
        return self._chunked

    def peaks(self) -> tuple[float, float]:
        """The latest last access and the largest importance of any memory ((-inf, -inf) when empty)."""
        if self._peaks is None:
            if not self.ids.size:
                return (-np.inf, -np.inf)
            self._peaks = (float(self.last_accessed.max()), float(self.importance.max()))
        return self._peaks

    def vector_ids(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The vector index ids of every chunk of these memories (present ones only), memory after memory."""
        rows = np.searchsorted(self.ids, ids)
        found = rows < self.ids.size
        found[found] = self.ids[rows[found]] == ids[found]
        return chunk_ids(ids[found], self.chunks[rows[found]])

    def select(self, keep: NDArray[np.bool_]) -> MemoryAttributes:
        """The attributes of the rows where ``keep`` is true."""
        return MemoryAttributes(
            self.ids[keep], self.last_accessed[keep], self.importance[keep], self.chunks[keep], self.created[keep]
        )

    def upsert(
        self,
        ids: NDArray[np.int64],
        last_accessed: NDArray[np.float64],
        importance: NDArray[np.float32],
        chunks: NDArray[np.int64] | None = None,
        created: NDArray[np.float64] | None = None,
    ) -> None:
        """Set the attributes of these ids, adding the ids not present yet (with ``chunks`` vectors each)."""
        if not ids.size:
            return
        chunks = _column(chunks, np.int64, 1, ids.size)
        created = _column(created, np.float64, 0, ids.size)
        rows = np.searchsorted(self.ids, ids)
        present = rows < self.ids.size
        present[present] = self.ids[rows[present]] == ids[present]
        self._peaks = self._chunked = None
        self.last_accessed[rows[present]] = last_accessed[present]
        self.importance[rows[present]] = importance[present]
        self.created[rows[present]] = created[present]
        new = ~present
        if new.any():
            merged = np.concatenate([self.ids, ids[new]])
            order = np.argsort(merged, kind="stable")
            self.ids = merged[order]
            self.last_accessed = np.concatenate([self.last_accessed, last_accessed[new]])[order]
            self.importance = np.concatenate([self.importance, importance[new]])[order]
            self.chunks = np.concatenate([self.chunks, chunks[new]])[order]
            self.created = np.concatenate([self.created, created[new]])[order]
            self.generation += 1

    def remove(self, ids: NDArray[np.int64]) -> None:
        if not ids.size or not self.ids.size:
            return
        keep = ~np.isin(self.ids, ids)
        if not keep.all():
            self._peaks = self._chunked = None
            kept = self.select(keep)
            self.ids, self.last_accessed, self.importance = kept.ids, kept.last_accessed, kept.importance
            self.chunks, self.created = kept.chunks, kept.created
            self.generation += 1

    def touch(self, ids: NDArray[np.int64], when: float) -> None:
        """Record an access at ``when`` (epoch seconds) for the ids that are present."""
        rows = np.searchsorted(self.ids, ids)
        rows = rows[rows < self.ids.size]
        rows = rows[np.isin(self.ids[rows], ids)]
        self.last_accessed[rows] = np.maximum(self.last_accessed[rows], when)
        if rows.size and self._peaks is not None:
            self._peaks = (max(self._peaks[0], when), self._peaks[1])

    def top(self, values: NDArray[np.floating], count: int, allowed: NDArray[np.bool_] | None) -> NDArray[np.int64]:
        """Ids of the ``count`` largest ``values`` (aligned with ``ids``), among ``allowed`` rows if given."""
        if allowed is not None:
            values = np.where(allowed, values, -np.inf)
        chosen = np.arange(values.size) if count >= values.size else np.argpartition(-values, count)[:count]
        if allowed is not None:
            chosen = chosen[allowed[chosen]]
        return self.ids[chosen]

    def nbytes(self) -> int:
        arrays = (self.ids, self.last_accessed, self.importance, self.chunks, self.created)
        return int(sum(a.nbytes for a in arrays))


def _column(values: NDArray[Any] | None, dtype: type[_T], default: int, size: int) -> NDArray[_T]:
    return np.full(size, default, dtype=dtype) if values is None else np.asarray(values, dtype=dtype)
