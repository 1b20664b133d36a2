"""The numbers every layer shares: the vector index plug point and the ids of chunk vectors.

An index holds only int64 ids and unit-norm float32 vectors (:class:`VectorIndex`); SQL is the truth, so an
index can always be rebuilt from the stored vector blobs and is a cache with a ``version`` stamp.

A memory longer than the embedding model reads is embedded as several chunks (:mod:`agentmem.text.chunking`
cuts them). Chunk 0 of a memory has the memory's own id; chunk ``j`` has ``id + j * 2**40``. Memory ids stay
below ``2**40`` (a trillion), so ``id & (2**40 - 1)`` recovers the memory from any chunk (:func:`owners`).
A memory's relevance is the best of its chunks' (:func:`best_per_memory`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError

__all__ = [
    "CHUNK_ID_STRIDE",
    "MAX_MEMORY_ID",
    "MemoryVectors",
    "VectorIndex",
    "best_per_memory",
    "chunk_ids",
    "isin_sorted",
    "owners",
]

CHUNK_ID_STRIDE = 1 << 40
MAX_MEMORY_ID = CHUNK_ID_STRIDE - 1


@runtime_checkable
class VectorIndex(Protocol):
    """An id → vector index searched by inner product (cosine, since vectors are unit-norm).

    Implementations are not thread-safe: concurrent searches are fine, but a mutation (``upsert``,
    ``remove``) must not run alongside any other call on the same index.

    Attributes:
        version: the namespace version this index reflects; starts at 0, set by the owner after
            applying changes, and saved with the index.
        identity: what the index belongs to (strings and ints), set by the owner and saved with the
            index; empty when new.
    """

    version: int
    identity: Mapping[str, str | int]

    @property
    def kind(self) -> str:
        """The backend name: ``"exact"``, ``"faiss"``, ``"hnsw"``, ``"ivf"`` or ``"sq8"``."""
        ...

    @property
    def dimensions(self) -> int:
        """The length of every vector."""
        ...

    def __len__(self) -> int:
        """The number of vectors held."""
        ...

    def upsert(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Add vectors, replacing the vector of any id already present (never duplicating it).

        Args:
            ids: shape (n,), non-negative and distinct (a repeated id is a caller bug: ConfigError).
            vectors: shape (n, dimensions), float.

        Raises:
            ConfigError: on a bad shape or dtype, a negative or repeated id; the index is unchanged.
        """
        ...

    def remove(self, ids: NDArray[np.int64]) -> int:
        """Remove ids in one batched operation; ids not present are ignored.

        Args:
            ids: shape (n,); a repeated id counts once.

        Returns:
            How many of the ids were present (and are now gone).
        """
        ...

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        *,
        allowed: NDArray[np.int64] | None = None,
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Find the k highest inner products for each query.

        Exact for ``exact`` and ``faiss``. ``hnsw`` and trained ``ivf`` are approximate (a result may miss
        a better vector; the count of results is still exact); trained ``sq8`` scores are approximate.

        Args:
            queries: shape (nq, dimensions), or (dimensions,) for one query.
            k: the number of results wanted per query, at least 1.
            allowed: if given, only these ids can be returned (unknown ids are ignored).

        Returns:
            ``(scores, ids)``, both of shape (nq, min(k, candidates)) where candidates is the number of
            ids held (or of allowed ids held); rows are sorted by descending score. There is never
            any -1 padding: an empty index gives shape (nq, 0).

        Raises:
            ConfigError: on a bad query shape or dtype, or k < 1.
        """
        ...

    def ids(self) -> NDArray[np.int64]:
        """Every id held, sorted ascending."""
        ...

    def vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The stored vectors of the given ids, shape (len(ids), dimensions).

        Exactly as upserted, except for a trained ``sq8`` index, which decodes its 8-bit codes.

        Raises:
            ConfigError: if any id is not present (the message names them).
        """
        ...

    def matrix(self) -> tuple[NDArray[np.int64], NDArray[np.float32]] | None:
        """Everything held, as exact float32 rows, for one matrix-vector product instead of a search.

        Returns:
            ``(ids, vectors)`` in storage order, row i of ``vectors`` being the vector of ``ids[i]``:
            read-only views where possible, valid until the next ``upsert`` or ``remove``; or None when
            this index does not hold exact float32 rows (compressed or graph kinds).
        """
        ...

    def memory_bytes(self) -> int:
        """Approximate resident bytes, for a memory-budgeted pool."""
        ...

    def save(self, path: Path) -> None:
        """Write the index atomically to ``path``, with its kind, dimensions, version and identity.

        Raises:
            OSError: if the file cannot be written; the previous file, if any, is left intact.
        """
        ...


@dataclass(frozen=True, slots=True)
class MemoryVectors:
    """The vectors of several memories, memory after memory: ``counts[i]`` rows (its chunks) each.

    Attributes:
        rows: ``(counts.sum(), dimensions)`` float32 unit vectors; a memory's chunks are consecutive rows.
        counts: rows per memory (>= 1).
    """

    rows: NDArray[np.float32]
    counts: NDArray[np.int64]

    @classmethod
    def single(cls, rows: NDArray[np.float32]) -> MemoryVectors:
        """One vector per memory."""
        return cls(rows, np.ones(len(rows), dtype=np.int64))

    @classmethod
    def stack(cls, parts: list[NDArray[np.float32]], dimensions: int) -> MemoryVectors:
        """From one ``(chunks, dimensions)`` array per memory."""
        if not parts:
            return cls(np.zeros((0, dimensions), dtype=np.float32), np.zeros(0, dtype=np.int64))
        return cls(
            np.ascontiguousarray(np.concatenate(parts), dtype=np.float32),
            np.asarray([len(p) for p in parts], dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.counts.size)

    @property
    def starts(self) -> NDArray[np.int64]:
        """Row of each memory's first chunk."""
        return _starts(self.counts)

    def of(self, position: int) -> NDArray[np.float32]:
        """The chunk vectors of the memory at ``position``."""
        start = int(self.counts[:position].sum())
        return self.rows[start : start + int(self.counts[position])]

    def split(self) -> list[NDArray[np.float32]]:
        """One ``(chunks, dimensions)`` array per memory."""
        return np.split(self.rows, self.starts[1:]) if self.counts.size else []

    def select(self, positions: NDArray[np.bool_] | NDArray[np.intp] | list[int]) -> MemoryVectors:
        """The memories at ``positions`` (indices or a mask), in that order."""
        chosen = np.arange(len(self))[positions]
        counts = self.counts[chosen]
        return MemoryVectors(self.rows[_row_numbers(self.starts[chosen], counts)], counts)

    def ids(self, memory_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The vector index id of every row, given the id of each memory."""
        return chunk_ids(memory_ids, self.counts)

    def first(self) -> NDArray[np.float32]:
        """Each memory's first chunk vector (its whole vector when it has one)."""
        return self.rows[self.starts] if self.counts.size else self.rows

    def means(self) -> NDArray[np.float32]:
        """Each memory's unit-norm mean chunk vector: one vector that stands for the whole memory."""
        if not self.counts.size or int(self.counts.max()) == 1:
            return self.rows
        sums = np.add.reduceat(self.rows, self.starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.ascontiguousarray(sums / np.maximum(norms, 1e-12), dtype=np.float32)


def chunk_ids(memory_ids: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Vector ids of every chunk of these memories, memory after memory.

    Raises:
        ConfigError: a memory id is too large to encode chunks beside it.
    """
    memory_ids = np.asarray(memory_ids, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if memory_ids.size and int(memory_ids.max()) > MAX_MEMORY_ID:
        raise ConfigError(f"memory ids must stay below 2**40 to be indexed, got {int(memory_ids.max())}")
    if not counts.size or int(counts.max()) == 1:
        return np.array(memory_ids, dtype=np.int64)
    chunk_no = np.arange(int(counts.sum())) - np.repeat(_starts(counts), counts)
    return np.asarray(np.repeat(memory_ids, counts) + chunk_no * CHUNK_ID_STRIDE, dtype=np.int64)


def owners(vector_ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """The memory id of each vector id."""
    return np.asarray(vector_ids, dtype=np.int64) & MAX_MEMORY_ID


def _starts(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    starts = np.zeros(counts.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def _row_numbers(starts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """The rows ``starts[i] .. starts[i] + counts[i] - 1`` of every i, in order."""
    offsets = np.arange(int(counts.sum())) - np.repeat(_starts(counts), counts)
    return np.repeat(starts, counts) + offsets


def best_per_memory(
    vector_ids: NDArray[np.int64], scores: NDArray[np.floating]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each memory's best chunk score, memories in id order.

    Args:
        vector_ids: vector index ids (chunk ids).
        scores: the score of each vector.

    Returns:
        The distinct memory ids, ascending, and the best score among each one's chunks.
    """
    memory_ids, position = np.unique(owners(vector_ids), return_inverse=True)
    best = np.full(memory_ids.size, -np.inf)
    np.maximum.at(best, position, np.asarray(scores, dtype=np.float64))
    return memory_ids, best


def isin_sorted(values: NDArray[np.int64], sorted_ids: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each of ``values`` is in ``sorted_ids`` (ascending).

    A binary search per value: O(len(values) · log len(sorted_ids)). ``np.isin`` sorts both arrays
    together with a stable sort instead (measured: 12 ms for 3k values against 100k ids, here 0.1 ms).
    """
    if not len(sorted_ids):
        return np.zeros(len(values), dtype=np.bool_)
    positions = np.searchsorted(sorted_ids, values).clip(max=len(sorted_ids) - 1)
    return np.asarray(sorted_ids[positions] == values, dtype=np.bool_)
