"""The vector index plug point, and the argument checks every backend shares.

An index holds only int64 ids (equal to memory ids) and unit-norm float32 vectors. SQL is the truth: an
index can always be rebuilt from the stored vector blobs, so it is a cache with a ``version`` stamp.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError

__all__ = [
    "VectorIndex",
    "as_ids",
    "as_queries",
    "as_upsert",
    "as_vectors",
    "check_dimensions",
    "check_k",
    "check_setting",
    "empty_results",
    "isin_sorted",
    "top_k",
]


@runtime_checkable
class VectorIndex(Protocol):
    """An id → vector index searched by inner product (cosine, since vectors are unit-norm).

    Implementations are not thread-safe: concurrent searches are fine, but a mutation (``upsert``,
    ``remove``) must not run alongside any other call on the same index.

    Attributes:
        version: the namespace version this index reflects; starts at 0, set by the owner after
            applying changes, and saved with the index.
    """

    version: int

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
        """Write the index atomically to ``path``, with its kind, dimensions and version.

        Raises:
            OSError: if the file cannot be written; the previous file, if any, is left intact.
        """
        ...


def check_dimensions(dimensions: object) -> int:
    """Return ``dimensions`` as an int, or raise ConfigError unless it is a positive integer."""
    if isinstance(dimensions, bool) or not isinstance(dimensions, (int, np.integer)) or dimensions < 1:
        raise ConfigError(f"dimensions must be a positive integer, got {dimensions!r}")
    return int(dimensions)


def check_k(k: object) -> int:
    """Return ``k`` as an int, or raise ConfigError unless it is an integer >= 1."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be an integer >= 1, got {k!r}")
    return int(k)


def check_setting(value: object, name: str) -> int:
    """Return a kind's setting ``name`` as an int, or raise ConfigError unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_ids(ids: object, *, name: str = "ids") -> NDArray[np.int64]:
    """Return ``ids`` as a C-contiguous 1-D int64 array, or raise ConfigError."""
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ConfigError(f"{name} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        # np.asarray([]) is float64: an empty list is still a valid empty id array.
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise ConfigError(f"{name} must be integers, got dtype {array.dtype}")
    if array.dtype == np.uint64 and int(array.max()) > np.iinfo(np.int64).max:
        raise ConfigError(f"{name} must fit in int64")
    return np.ascontiguousarray(array, dtype=np.int64)


def as_vectors(vectors: object, dimensions: int, *, name: str = "vectors") -> NDArray[np.float32]:
    """Return ``vectors`` as a C-contiguous (n, dimensions) float32 array, or raise ConfigError."""
    array = np.asarray(vectors)
    if array.ndim != 2 or array.shape[1] != dimensions:
        raise ConfigError(f"{name} must have shape (n, {dimensions}), got {array.shape}")
    if array.dtype.kind != "f":
        raise ConfigError(f"{name} must be floats, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float32)


def as_queries(queries: object, dimensions: int) -> NDArray[np.float32]:
    """Return queries as (nq, dimensions) float32; a single (dimensions,) query becomes (1, dimensions)."""
    array = np.asarray(queries)
    if array.ndim == 1:
        array = array[np.newaxis, :]
    return as_vectors(array, dimensions, name="queries")


def as_upsert(ids: object, vectors: object, dimensions: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Check the arguments of ``upsert`` together: matching lengths, distinct non-negative ids.

    Negative ids are refused because FAISS uses -1 to mean "no result".
    """
    id_array = as_ids(ids)
    matrix = as_vectors(vectors, dimensions)
    if len(id_array) != len(matrix):
        raise ConfigError(f"got {len(id_array)} ids but {len(matrix)} vectors")
    if len(id_array) and int(id_array.min()) < 0:
        raise ConfigError(f"ids must be non-negative, got {int(id_array.min())}")
    if len(np.unique(id_array)) != len(id_array):
        raise ConfigError("ids must be distinct within one upsert call")
    return id_array, matrix


def empty_results(nq: int) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The ``search`` result when there is no candidate: shape (nq, 0)."""
    return np.empty((nq, 0), dtype=np.float32), np.empty((nq, 0), dtype=np.int64)


def top_k(scores: NDArray[np.float32], ids: NDArray[np.int64], k: int) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The ``k`` best of each row of ``scores`` (nq, n) whose columns belong to ``ids`` (n,).

    Returns:
        ``(scores, ids)`` of shape (nq, min(k, n)), by descending score, ties broken by the smaller id.
    """
    count = len(ids)
    k = min(k, count)
    if k == 0:
        return empty_results(len(scores))
    if k < count:
        top = np.argpartition(scores, count - k, axis=1)[:, count - k :]
    else:
        top = np.broadcast_to(np.arange(count), scores.shape)
    top_scores = np.take_along_axis(scores, top, axis=1)
    top_ids = ids[top]
    # lexsort's last key is the primary one: descending score, then ascending id.
    order = np.lexsort((top_ids, -top_scores), axis=1)
    return (
        np.ascontiguousarray(np.take_along_axis(top_scores, order, axis=1), dtype=np.float32),
        np.ascontiguousarray(np.take_along_axis(top_ids, order, axis=1), dtype=np.int64),
    )


def isin_sorted(values: NDArray[np.int64], sorted_ids: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each of ``values`` is in ``sorted_ids`` (ascending).

    A binary search per value: O(len(values) · log len(sorted_ids)). ``np.isin`` sorts both arrays
    together with a stable sort instead (measured: 12 ms for 3k values against 100k ids, here 0.1 ms).
    """
    if not len(sorted_ids):
        return np.zeros(len(values), dtype=np.bool_)
    positions = np.searchsorted(sorted_ids, values).clip(max=len(sorted_ids) - 1)
    return np.asarray(sorted_ids[positions] == values, dtype=np.bool_)
