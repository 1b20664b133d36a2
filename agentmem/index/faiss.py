"""The exact FAISS kind: ``IndexIDMap2(IndexFlatIP(d))``, with a float16 copy to screen large namespaces.

Flat search is exact; FAISS's SIMD kernels and compact storage beat numpy. ``faiss`` is imported on first
use only, so ``import agentmem.index`` stays fast and works without it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.index.faiss_backed import BYTES_PER_ID, FaissBackedIndex, flat_inner
from agentmem.index.faiss_runtime import DEFAULT_FAISS_THREADS, THREADS_ENV_VAR, _faiss
from agentmem.index.half import HALF_COPY_MIN, HalfCopy
from agentmem.vectors import isin_sorted

__all__ = ["DEFAULT_FAISS_THREADS", "THREADS_ENV_VAR", "FaissIndex"]


class FaissIndex(FaissBackedIndex):
    """Exact inner-product search with FAISS: ``IndexIDMap2(IndexFlatIP)`` (see :class:`VectorIndex`).

    Flat search is exact; FAISS's SIMD kernels and compact storage beat numpy. :meth:`matrix` gives
    zero-copy views of the stored rows. From :data:`~agentmem.index.half.HALF_COPY_MIN` vectors on, the
    index also keeps a float16 copy of its rows (half as many bytes again) that :meth:`screen` scans in
    about half the time of a float32 search; it is built on first use and not saved.

    Attributes:
        version: the namespace version this index reflects (0 when new).
    """

    _kind = "faiss"

    def __init__(self, dimensions: int) -> None:
        self._half: HalfCopy | None = None
        super().__init__(dimensions)

    def memory_bytes(self) -> int:
        """Approximate resident bytes: 4·d per vector (and 2·d for the float16 copy once the index is
        large enough to keep one), plus the id vector and the id hash map."""
        per_vector = 4 * self._dimensions + BYTES_PER_ID
        if len(self) >= HALF_COPY_MIN:
            per_vector += 2 * self._dimensions
        return len(self) * per_vector

    def screen(self, query: NDArray[np.float32], k: int) -> tuple[NDArray[np.int64], NDArray[np.float32], float]:
        """Candidates for the best inner products, with exact scores and a bound on every other's.

        From :data:`~agentmem.index.half.HALF_COPY_MIN` vectors on, the float16 copy is scanned (half the
        bytes) and the candidates re-scored from the float32 rows; below it, FAISS's float32 search runs
        (one thread, SIMD: faster than numpy's BLAS, whose worker threads spin on a busy 2-core machine).

        Args:
            query: shape (dimensions,), float32.
            k: how many candidates, at least 1.

        Returns:
            ``(ids, scores, beyond)``: the ``k`` best ids (all ids when the index holds no more), their
            float32 inner products, and an upper bound on the float32 inner product of every vector *not*
            returned (-inf if none is left out).
        """
        _faiss()  # this thread's OpenMP thread count (see agentmem.index.faiss_runtime)
        query = np.ascontiguousarray(query, dtype=np.float32)
        if len(self) < HALF_COPY_MIN:
            scores, labels = self._index.search(query.reshape(1, -1), min(k, max(len(self), 1)))
            found = int((labels[0] >= 0).sum())
            # FAISS's heap keeps the k best of the very scores it returns: no other vector scored more.
            beyond = float(scores[0, found - 1]) if 0 < found < len(self) else -np.inf
            return labels[0, :found].astype(np.int64), scores[0, :found].astype(np.float32), beyond
        half = self._half_copy()
        approximate, positions = half.search(query, k)
        ids, rows = self.matrix() or (np.empty(0, np.int64), np.empty((0, self._dimensions), np.float32))
        exact = rows[positions] @ query
        # Every vector left out scored at most the last one returned by the float16 scan, so its float32
        # inner product is at most that plus the float16 error.
        beyond = float(approximate[-1]) + half.error_bound(query) if len(positions) < len(self) else -np.inf
        return ids[positions], np.asarray(exact, dtype=np.float32), beyond

    def _half_copy(self) -> HalfCopy:
        if self._half is None:
            matrix = self.matrix()
            assert matrix is not None  # a flat index always has its rows
            half = HalfCopy(self._dimensions)
            half.add(matrix[1])
            self._half = half
        return self._half

    def _new_index(self) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self._dimensions))

    def _accepts(self, restored: Any) -> bool:
        return flat_inner(restored) is not None

    def _adopt(self, restored: Any) -> None:
        super()._adopt(restored)
        self._half = None

    def _add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        super()._add(ids, vectors)
        if self._half is not None:
            self._half.add(vectors)  # IndexIDMap2 appends: row order stays aligned

    def _drop(self, ids: NDArray[np.int64]) -> None:
        if self._half is not None:
            # Both indexes compact the same way, keeping the order of the surviving rows.
            positions = np.flatnonzero(isin_sorted(self._held_ids(), np.sort(ids)))
            try:
                self._half.remove_positions(positions)
            except BaseException:
                self._half = None  # rebuilt from the float32 rows on next use, never left misaligned
                raise
        try:
            super()._drop(ids)
        except BaseException:
            self._half = None
            raise
        if len(self) < HALF_COPY_MIN:
            self._half = None
