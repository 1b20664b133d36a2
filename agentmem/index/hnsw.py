"""Approximate search over an HNSW graph: ``IndexIDMap2(IndexHNSWFlat(d, M))``, inner product.

MEASURED.md: recall@10 0.993 at efSearch 64 on real MiniLM vectors, about 1 ms per query at 100k to 1M
instead of 10-250 ms for a flat scan, at ~1.8 kB per 384-d vector. FAISS cannot remove from an HNSW
graph, so a removed (or replaced) entry stays in the graph as a tombstone: its slot in the id map is
relabelled :data:`DEAD`, which every search filters out inside FAISS, and the graph is rebuilt from the
live vectors once tombstones pass :data:`REBUILD_FRACTION` of it. Tombstones are saved with the index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.index.base import check_setting
from agentmem.index.faiss_backed import BYTES_PER_ID, FaissBackedIndex
from agentmem.index.faiss_runtime import _faiss
from agentmem.index.persist import IndexHeader
from agentmem.vectors import isin_sorted

__all__ = ["DEAD", "REBUILD_FRACTION", "HnswIndex"]

# The label of a tombstone in the id map: negative, so no id can collide with it, and not FAISS's -1.
DEAD = -2
# Tombstones still cost a full graph node each and make searches visit vectors they cannot return.
REBUILD_FRACTION = 0.2
_ALL_IDS = (0, np.iinfo(np.int64).max)
# A set entry for a removed id: hash slot plus a boxed int.
_BYTES_PER_REMOVED = 70


class HnswIndex(FaissBackedIndex):
    """HNSW graph search (see :class:`VectorIndex` and the module doc).

    Search is approximate: a result may miss a better vector (``min(k, candidates)`` results are still
    always returned, by an exact fallback when the graph comes back short). ``vectors`` and ``search``
    scores are exact. A rebuild (inside the ``upsert`` or ``remove`` that crosses the tombstone limit)
    costs as much as building the graph anew: ~10 s per 100k vectors of 384-d on the 2-core target.

    Attributes:
        version: the namespace version this index reflects (0 when new).
    """

    _kind = "hnsw"
    _reconstruct_proves_presence = False  # removed ids stay mapped (relabelled DEAD in the graph only)

    def __init__(self, dimensions: int, *, m: int = 32, ef_construction: int = 40, ef_search: int = 64) -> None:
        """Create an empty index.

        Args:
            dimensions: the vector length, at least 1.
            m: graph degree (2·m links per vector on the base layer).
            ef_construction: candidate list length while inserting (build time vs graph quality).
            ef_search: candidate list length while searching, raised to k for larger k (time vs recall).

        Raises:
            ConfigError: if a setting is not a positive integer.
        """
        self._m = check_setting(m, "m")
        self._ef_construction = check_setting(ef_construction, "ef_construction")
        self._ef_search = check_setting(ef_search, "ef_search")
        self._dead = 0
        # Ids whose every entry is a tombstone: IndexIDMap2 still maps them to their old slot.
        self._removed: set[int] = set()
        super().__init__(dimensions)

    def __len__(self) -> int:
        return int(self._index.ntotal) - self._dead

    @property
    def tombstones(self) -> int:
        """Removed or replaced entries still in the graph, until the next rebuild."""
        return self._dead

    def memory_bytes(self) -> int:
        """Approximate resident bytes: per graph node (tombstones included) the vector, 2·m base-layer
        links, upper layers (1/(m-1) on average), level and offset, plus the id map."""
        links = 4 * (2 * self._m + self._m / max(self._m - 1, 1))
        per_node = 4 * self._dimensions + links + 4 + 8 + BYTES_PER_ID
        return int(self._index.ntotal * per_node) + _BYTES_PER_REMOVED * len(self._removed)

    def matrix(self) -> tuple[NDArray[np.int64], NDArray[np.float32]] | None:
        """Always None: a graph index is searched, not scanned (checked on every recall, so without FAISS)."""
        return None

    def _new_index(self) -> Any:
        faiss = _faiss()
        graph = faiss.IndexHNSWFlat(self._dimensions, self._m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = self._ef_construction
        graph.hnsw.efSearch = self._ef_search
        return faiss.IndexIDMap2(graph)

    @classmethod
    def _configured(cls, header: IndexHeader) -> HnswIndex:
        params = header.params
        return cls(
            header.dimensions,
            m=params.get("m", 32),
            ef_construction=params.get("ef_construction", 40),
            ef_search=params.get("ef_search", 64),
        )

    def _params(self) -> dict[str, int]:
        return {"m": self._m, "ef_construction": self._ef_construction, "ef_search": self._ef_search}

    def _accepts(self, restored: Any) -> bool:
        faiss = _faiss()
        return (
            isinstance(restored, faiss.IndexIDMap2)
            and restored.metric_type == faiss.METRIC_INNER_PRODUCT
            and isinstance(faiss.downcast_index(restored.index), faiss.IndexHNSWFlat)
        )

    def _adopt(self, restored: Any) -> None:
        super()._adopt(restored)
        self._dead = int(np.count_nonzero(self._labels() < 0))
        # Reading an IndexIDMap2 rebuilds its id → slot map from the labels: removed ids are gone from it.
        self._removed = set()
        _faiss().downcast_index(restored.index).hnsw.efSearch = self._ef_search

    def _labels(self) -> NDArray[np.int64]:
        """A writable view of the id map, tombstones included."""
        return super()._held_ids()

    def _held_ids(self) -> NDArray[np.int64]:
        labels = self._labels()
        return labels[labels >= 0] if self._dead else labels

    def _holds(self, key: int) -> bool:
        return key not in self._removed and super()._holds(key)

    def _drop(self, ids: NDArray[np.int64]) -> None:
        labels = self._labels()
        slots = np.flatnonzero(isin_sorted(labels, np.sort(ids)))
        labels[slots] = DEAD
        self._dead += len(slots)
        self._removed.update(ids.tolist())

    def _add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        super()._add(ids, vectors)
        if self._removed:
            self._removed.difference_update(ids.tolist())

    def _after_change(self) -> None:
        if self._dead > REBUILD_FRACTION * self._index.ntotal:
            self._rebuild()

    def _rebuild(self) -> None:
        """A new graph over the live vectors, in their storage order; HNSW-Flat stores them exactly."""
        faiss = _faiss()
        labels = self._labels()
        live = np.flatnonzero(labels >= 0)
        storage = faiss.downcast_index(faiss.downcast_index(self._index.index).storage)
        n = len(labels)
        stored = np.asarray(faiss.rev_swig_ptr(storage.get_xb(), n * self._dimensions), dtype=np.float32)
        # Fancy indexing copies, so nothing points into the old index once it is dropped.
        ids, vectors = labels[live], stored.reshape(n, self._dimensions)[live]
        fresh = self._new_index()
        if len(ids):
            fresh.add_with_ids(vectors, ids)
        self._index, self._dead, self._removed = fresh, 0, set()

    def _approximate(self) -> bool:
        return True

    def _live_selector(self) -> Any | None:
        # Checked on the label of each visited slot (IndexIDMap2 translates): tombstones fail it.
        return _faiss().IDSelectorRange(*_ALL_IDS) if self._dead else None

    def _search_parameters(self, k: int, selector: Any | None) -> Any | None:
        params = _faiss().SearchParametersHNSW()
        # The graph returns at most efSearch results, and tombstones use up candidate slots: ask for
        # k plus up to k more (a short result falls back to an exact search anyway).
        params.efSearch = max(self._ef_search, k + min(self._dead, k))
        if selector is not None:
            params.sel = selector
        return params
