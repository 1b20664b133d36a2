"""Approximate search over inverted lists: ``IndexIVFFlat`` over an ``IndexFlatIP`` quantizer, inner product.

A query scans the ``nprobe`` lists whose centroids are nearest, out of ``nlist`` ≈ 4·√n chosen when it
trains. MEASURED.md: 0.5 ms per query at 100k, 1.4 ms at 1M (nprobe 8), build 4 s at 100k; recall@10 0.93
at nprobe 16 on real MiniLM vectors. The default nprobe is 128: on LoCoMo-based vectors at 1M memories (4,000
lists) the recall paths' top 10 agreed with the exact one at 0.9935 / 0.9985 / 1.000 for nprobe 64 / 128 /
256, and at 100k (1,265 lists) 0.980 / 0.9925 for 64 / 128 (benchmarks/recall_speed.py's vectors).
Vectors are stored exactly. The index is exact (flat) until it holds
``min_train`` vectors (see :mod:`agentmem.index.trained`), and retrains with a larger nlist each time it
has grown 4 times since its last training.

IVF indexes store external ids themselves, so there is no ``IndexIDMap2``: a hash-table direct map gives
``reconstruct`` and O(batch) ``remove_ids`` (which must be given an ``IDSelectorArray``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.index.base import check_setting
from agentmem.index.faiss_runtime import _faiss
from agentmem.index.persist import IndexHeader
from agentmem.index.trained import TrainedIndex

__all__ = ["IvfIndex", "list_count"]

# FAISS's k-means asks for at least 39 training points per centroid.
_POINTS_PER_LIST = 39
# ...and samples 256 per centroid by default; 64 keeps training near-linear in n (measured at 100k x 384:
# 6.7 s instead of 8.3 s, the same recall), which matters as nlist grows with √n.
_TRAINING_POINTS_PER_LIST = 64
# The hash-table direct map: an unordered_map node + bucket per id, next to the 8-byte id in its list.
_BYTES_PER_ID = 8 + 64


def list_count(size: int) -> int:
    """The nlist trained for ``size`` vectors: ≈ 4·√size, at most size / 39, at least 1."""
    return max(1, min(round(4 * math.sqrt(size)), size // _POINTS_PER_LIST))


class IvfIndex(TrainedIndex):
    """IVF-Flat search once trained, exact before (see :class:`VectorIndex` and the module doc).

    Search is approximate once trained with nprobe < nlist: a result may miss a better vector
    (``min(k, candidates)`` results are still always returned, by an exact fallback when the probed lists
    come back short). ``vectors`` and ``search`` scores are exact. Retraining (inside the ``upsert`` that
    reaches 4 times the trained size) costs a k-means: ~7 s at 100k vectors of 384-d.

    Attributes:
        version: the namespace version this index reflects (0 when new).
    """

    _kind = "ivf"
    retrain_growth = 4.0

    def __init__(self, dimensions: int, *, nprobe: int = 128, min_train: int = 10_000) -> None:
        """Create an empty index.

        Args:
            dimensions: the vector length, at least 1.
            nprobe: lists scanned per query (time vs recall).
            min_train: vectors held before the first training; below it search is exact. The default
                is where an exact scan reaches ~1 ms per 384-d query (MEASURED.md).

        Raises:
            ConfigError: if a setting is not a positive integer.
        """
        self._nprobe = check_setting(nprobe, "nprobe")
        super().__init__(dimensions, min_train=min_train)

    @property
    def nlist(self) -> int:
        """The number of inverted lists (0 while exact)."""
        return int(self._index.nlist) if self.trained else 0

    def _trained_memory_bytes(self) -> int:
        """The vectors and ids in their lists, the direct map, and the centroids."""
        return len(self) * (4 * self._dimensions + _BYTES_PER_ID) + self.nlist * 4 * self._dimensions

    def _build(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> Any:
        faiss = _faiss()
        nlist = list_count(len(ids))
        index = faiss.index_factory(self._dimensions, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        index.cp.max_points_per_centroid = _TRAINING_POINTS_PER_LIST
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        index.train(vectors)
        index.add_with_ids(vectors, ids)
        index.nprobe = min(self._nprobe, nlist)
        return index

    @classmethod
    def _configured(cls, header: IndexHeader) -> IvfIndex:
        params = header.params
        index = cls(header.dimensions, nprobe=params.get("nprobe", 128), min_train=params.get("min_train", 10_000))
        index._trained_size = params.get("trained_size", 0)
        return index

    def _params(self) -> dict[str, int]:
        return {**super()._params(), "nprobe": self._nprobe}

    def _accepts_trained(self, restored: Any) -> bool:
        faiss = _faiss()
        return (
            isinstance(restored, faiss.IndexIVFFlat)
            and restored.metric_type == faiss.METRIC_INNER_PRODUCT
            and restored.direct_map.type == faiss.DirectMap.Hashtable
        )

    def _adopt(self, restored: Any) -> None:
        super()._adopt(restored)
        if self.trained:
            restored.nprobe = min(self._nprobe, restored.nlist)

    def _contents(self) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        if not self.trained:
            return super()._contents()
        # IVF-Flat codes are the float32 vectors themselves: read the lists instead of reconstructing.
        ids, codes = zip(*self._lists(), strict=True)
        return np.concatenate(ids), np.concatenate(codes)

    def _lists(self) -> list[tuple[NDArray[np.int64], NDArray[np.float32]]]:
        """Copies of each non-empty inverted list: its ids and its vectors."""
        faiss, d = _faiss(), self._dimensions
        lists, found = self._index.invlists, []
        for number in range(self._index.nlist):
            size = lists.list_size(number)
            if size:
                ids = np.array(faiss.rev_swig_ptr(lists.get_ids(number), size), dtype=np.int64)
                raw = np.array(faiss.rev_swig_ptr(lists.get_codes(number), size * d * 4), dtype=np.uint8)
                found.append((ids, raw.view(np.float32).reshape(size, d)))
        if not found:
            found.append((np.empty(0, dtype=np.int64), np.empty((0, d), dtype=np.float32)))
        return found

    def _held_ids(self) -> NDArray[np.int64]:
        if not self.trained:
            return super()._held_ids()
        faiss, lists = _faiss(), self._index.invlists
        parts = [np.empty(0, dtype=np.int64)]
        for number in range(self._index.nlist):
            size = lists.list_size(number)
            if size:
                parts.append(np.asarray(faiss.rev_swig_ptr(lists.get_ids(number), size), dtype=np.int64))
        return np.concatenate(parts)

    def _drop(self, ids: NDArray[np.int64]) -> None:
        if not self.trained:
            super()._drop(ids)
        else:
            # The hash-table direct map removes in O(batch), but only from an IDSelectorArray.
            self._index.remove_ids(_faiss().IDSelectorArray(ids))

    def _approximate(self) -> bool:
        return self.trained and self._nprobe < self.nlist

    def _search_parameters(self, k: int, selector: Any | None) -> Any | None:
        if not self.trained:
            return super()._search_parameters(k, selector)
        params = _faiss().SearchParametersIVF()
        params.nprobe = min(self._nprobe, self.nlist)
        if selector is not None:
            params.sel = selector
        return params
