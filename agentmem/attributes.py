"""In-memory scoring attributes of a namespace's active memories: last access, importance, chunks by id.

The recall paths score every candidate in one vectorised pass; these arrays give them recency and
importance without a SQL round trip. They are kept in id order (ids only grow, so new memories append).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from agentmem.chunking import chunk_ids

__all__ = ["MemoryAttributes"]


class MemoryAttributes:
    """Last-access times (epoch seconds), importances and chunk counts of active memories, by id.

    ``chunks`` is the number of vectors a memory has in the index (1 unless it was embedded in chunks, see
    :mod:`agentmem.chunking`).
    """

    def __init__(
        self,
        ids: NDArray[np.int64] | None = None,
        last_accessed: NDArray[np.float64] | None = None,
        importance: NDArray[np.float32] | None = None,
        chunks: NDArray[np.int64] | None = None,
    ) -> None:
        self.ids = np.zeros(0, np.int64) if ids is None else np.asarray(ids, np.int64)
        self.last_accessed = np.zeros(0, np.float64) if last_accessed is None else np.asarray(last_accessed, np.float64)
        self.importance = np.zeros(0, np.float32) if importance is None else np.asarray(importance, np.float32)
        self.chunks = np.ones(self.ids.size, np.int64) if chunks is None else np.asarray(chunks, np.int64)
        order = np.argsort(self.ids, kind="stable")
        self.ids, self.last_accessed, self.importance, self.chunks = (
            self.ids[order],
            self.last_accessed[order],
            self.importance[order],
            self.chunks[order],
        )
        # Incremented whenever the set of ids changes, so callers can cache id → row lookups.
        self.generation = 0

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
        return bool(self.chunks.size) and int(self.chunks.max()) > 1

    def vector_ids(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The vector index ids of every chunk of these memories (present ones only), memory after memory."""
        rows = np.searchsorted(self.ids, ids)
        found = rows < self.ids.size
        found[found] = self.ids[rows[found]] == ids[found]
        return chunk_ids(ids[found], self.chunks[rows[found]])

    def upsert(
        self,
        ids: NDArray[np.int64],
        last_accessed: NDArray[np.float64],
        importance: NDArray[np.float32],
        chunks: NDArray[np.int64] | None = None,
    ) -> None:
        """Set the attributes of these ids, adding the ids not present yet (with ``chunks`` vectors each)."""
        if not ids.size:
            return
        rows = np.searchsorted(self.ids, ids)
        present = rows < self.ids.size
        present[present] = self.ids[rows[present]] == ids[present]
        self.last_accessed[rows[present]] = last_accessed[present]
        self.importance[rows[present]] = importance[present]
        new = ~present
        if new.any():
            ids_new = ids[new]
            merged = np.concatenate([self.ids, ids_new])
            order = np.argsort(merged, kind="stable")
            self.ids = merged[order]
            self.last_accessed = np.concatenate([self.last_accessed, last_accessed[new]])[order]
            self.importance = np.concatenate([self.importance, importance[new]])[order]
            added = np.ones(int(new.sum()), np.int64) if chunks is None else np.asarray(chunks, np.int64)[new]
            self.chunks = np.concatenate([self.chunks, added])[order]
            self.generation += 1

    def remove(self, ids: NDArray[np.int64]) -> None:
        if not ids.size or not self.ids.size:
            return
        keep = ~np.isin(self.ids, ids)
        if not keep.all():
            self.ids, self.last_accessed, self.importance, self.chunks = (
                self.ids[keep],
                self.last_accessed[keep],
                self.importance[keep],
                self.chunks[keep],
            )
            self.generation += 1

    def touch(self, ids: NDArray[np.int64], when: float) -> None:
        """Record an access at ``when`` (epoch seconds) for the ids that are present."""
        rows = np.searchsorted(self.ids, ids)
        rows = rows[rows < self.ids.size]
        rows = rows[np.isin(self.ids[rows], ids)]
        self.last_accessed[rows] = np.maximum(self.last_accessed[rows], when)

    def top(self, values: NDArray[np.floating], count: int, allowed: NDArray[np.bool_] | None) -> NDArray[np.int64]:
        """Ids of the ``count`` largest ``values`` (aligned with ``ids``), among ``allowed`` rows if given."""
        if allowed is not None:
            values = np.where(allowed, values, -np.inf)
        chosen = np.arange(values.size) if count >= values.size else np.argpartition(-values, count)[:count]
        if allowed is not None:
            chosen = chosen[allowed[chosen]]
        return self.ids[chosen]

    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.last_accessed.nbytes + self.importance.nbytes + self.chunks.nbytes)
