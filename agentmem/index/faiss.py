"""The exact FAISS kind: ``IndexIDMap2(IndexFlatIP(d))``.

Flat search is exact; FAISS's SIMD kernels and compact storage beat numpy. ``faiss`` is imported on first
use only, so ``import agentmem.index`` stays fast and works without it.
"""

from __future__ import annotations

from typing import Any

from agentmem.index.faiss_backed import BYTES_PER_ID, FaissBackedIndex, flat_inner
from agentmem.index.faiss_runtime import DEFAULT_FAISS_THREADS, THREADS_ENV_VAR, _faiss

__all__ = ["DEFAULT_FAISS_THREADS", "THREADS_ENV_VAR", "FaissIndex"]


class FaissIndex(FaissBackedIndex):
    """Exact inner-product search with FAISS: ``IndexIDMap2(IndexFlatIP)`` (see :class:`VectorIndex`).

    Flat search is exact; FAISS's SIMD kernels and compact storage beat numpy. :meth:`matrix` gives
    zero-copy views of the stored rows.

    Attributes:
        version: the namespace version this index reflects (0 when new).
    """

    _kind = "faiss"

    def memory_bytes(self) -> int:
        """Approximate resident bytes: 4·d per vector, plus the id vector and the id hash map."""
        return len(self) * (4 * self._dimensions + BYTES_PER_ID)

    def _new_index(self) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self._dimensions))

    def _accepts(self, restored: Any) -> bool:
        return flat_inner(restored) is not None
