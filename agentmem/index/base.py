"""The argument checks every vector index backend shares (the plug point, ``VectorIndex``, is in
:mod:`agentmem.vectors`).

An index holds only int64 ids (equal to memory ids) and unit-norm float32 vectors. SQL is the truth: an
index can always be rebuilt from the stored vector blobs, so it is a cache with a ``version`` stamp.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError

__all__ = [
    "as_ids",
    "as_queries",
    "as_upsert",
    "as_vectors",
    "check_dimensions",
    "check_k",
    "check_setting",
    "empty_results",
    "top_per_query",
]


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


def top_per_query(
    scores: NDArray[np.float32], ids: NDArray[np.int64], k: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
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
