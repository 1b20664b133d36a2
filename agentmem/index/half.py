"""A float16 copy of a flat index's rows, scanned instead of the float32 rows to screen candidates.

One query against a flat index reads every stored byte, so its time is the memory bandwidth: a float16 copy
(FAISS ``IndexScalarQuantizer(QT_fp16)``) is scanned in about half the time of the float32 rows (measured
at 100k and 1M vectors of 384-d on the 2-core target, one thread: 7.6 vs 14.4 ms and 69 vs 132 ms), while numpy has
no float16 BLAS at all (10 times slower than float32). The copy only screens: its inner products are within
:meth:`HalfCopy.error_bound` of the float32 ones, so a caller can certify that every memory it did not
re-score exactly could not have made the top k (see :mod:`agentmem.ranking.certified`).

Row i of the copy is row i of the flat index it shadows: additions append to both, removals compact both
the same way (FAISS keeps the order of the surviving rows in both), so a search's positions map to ids
through the flat index's id map.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.index.faiss_runtime import _faiss

__all__ = ["HALF_COPY_MIN", "HalfCopy"]

# Below this many rows a float32 scan takes well under a millisecond and the copy would only add memory
# (2 bytes per component, half of the float32 rows again).
HALF_COPY_MIN = 20_000
# Float16 keeps 11 significant bits: rounding to nearest moves a normal value by at most 2**-11 of itself
# and a subnormal one (below 2**-14) by at most 2**-25. Twice that, so the bound holds even if a FAISS
# build truncated instead of rounding (measured on MiniLM vectors: 6e-5 at most, against 1e-3 here).
_HALF_RELATIVE = 2.0**-10
_HALF_SUBNORMAL = 2.0**-24
_FLOAT32_UNIT = 2.0**-24


class HalfCopy:
    """A float16 copy of float32 rows, searched by inner product (see the module doc).

    Args:
        dimensions: the vector length.
    """

    def __init__(self, dimensions: int) -> None:
        faiss = _faiss()
        self._dimensions = dimensions
        self._index: Any = faiss.IndexScalarQuantizer(
            dimensions, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        self._max_norm = 0.0

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def memory_bytes(self) -> int:
        return len(self) * 2 * self._dimensions

    def add(self, vectors: NDArray[np.float32]) -> None:
        """Append rows (in the order the flat index appended them)."""
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            self._max_norm = max(self._max_norm, float(np.sqrt(np.einsum("ij,ij->i", vectors, vectors).max())))

    def remove_positions(self, positions: NDArray[np.int64]) -> None:
        """Drop these rows, keeping the order of the others (as the flat index does)."""
        if len(positions):
            self._index.remove_ids(_faiss().IDSelectorBatch(np.ascontiguousarray(positions, dtype=np.int64)))

    def search(self, query: NDArray[np.float32], k: int) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """The ``k`` best rows by float16 inner product: (scores, positions), best first, no padding."""
        k = min(k, len(self))
        if k < 1:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        scores, positions = self._index.search(query.reshape(1, -1), k)
        found = int((positions[0] >= 0).sum())
        return scores[0, :found], positions[0, :found]

    def error_bound(self, query: NDArray[np.float32]) -> float:
        """How far a float16 inner product of ``query`` may be from the float32 one, for any row held.

        |q·(v16 - v)| ≤ |q|·|v16 - v| ≤ |q|·(2**-10·|v| + √d·2**-24), plus the rounding of two float32 sums
        of d products (the screen's and the exact one it is compared with), each ≤ d·2**-24·|q|·|v|.
        """
        norm = float(np.linalg.norm(query))
        d = self._dimensions
        rounding = 2 * d * _FLOAT32_UNIT * (1 + _HALF_RELATIVE)
        bound = norm * (self._max_norm * (_HALF_RELATIVE + rounding) + math.sqrt(d) * _HALF_SUBNORMAL)
        # A margin for the bound's own arithmetic, so a tie at the bound never certifies.
        return bound * 1.01 + 1e-7
