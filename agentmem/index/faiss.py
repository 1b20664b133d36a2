"""A FAISS flat inner-product index with external ids: ``IndexIDMap2(IndexFlatIP(d))``.

``faiss`` is imported on first use only, so ``import agentmem.index`` stays fast and works without it.
Flat search is exact; this backend exists because FAISS's SIMD kernels and compact storage beat numpy,
and because it is the base later compressed or ANN variants build on.
"""

from __future__ import annotations

import os

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError, IndexCorruptError
from agentmem.index.base import (
    as_ids,
    as_queries,
    as_upsert,
    check_dimensions,
    check_k,
    empty_results,
)
from agentmem.index.persist import IndexHeader, write_index_file

__all__ = ["FaissIndex"]

# IndexIDMap2 keeps an id → position hash map (unordered_map node + bucket) next to the id vector.
_BYTES_PER_ID = 8 + 56
# Checking presence one id at a time costs ~5 µs; copying the whole id map and sorting costs ~50 ns per
# vector held. Below this ratio of index size to batch size, the per-id loop is cheaper.
_LOOKUP_RATIO = 128


THREADS_ENV_VAR = "AGENTMEM_FAISS_THREADS"
# Measured at 100k x 384 on the 2-core target: one query took 32-45 ms with FAISS's default 2 OpenMP
# threads and 6-10 ms with 1 (the same spin-wait collapse MEASURED.md shows for torch). Single queries are
# memory-bandwidth bound, so one thread loses nothing on an idle machine either.
DEFAULT_FAISS_THREADS = 1
_configured = False


def _faiss() -> ModuleType:
    # Deliberately lazy: importing faiss costs time and memory that most imports of agentmem never need.
    global _configured
    import faiss

    if not _configured:
        raw = os.environ.get(THREADS_ENV_VAR, "").strip()
        threads = int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_FAISS_THREADS
        faiss.omp_set_num_threads(threads)  # process-global, like torch's
        _configured = True
    return faiss


class FaissIndex:
    """Exact inner-product search with FAISS (see :class:`VectorIndex`).

    ``remove`` (and ``upsert`` of ids already present) compacts the whole index in FAISS: about 28 ms at
    100k vectors and 270 ms at 1M, whatever the batch size, so batch them. Adding only new ids and
    removing only absent ids never pays that cost.

    Attributes:
        version: the namespace version this index reflects (0 when new).
    """

    def __init__(self, dimensions: int) -> None:
        """Create an empty index.

        Args:
            dimensions: the vector length, at least 1.

        Raises:
            ConfigError: if dimensions is not a positive integer.
        """
        self._dimensions = check_dimensions(dimensions)
        self.version = 0
        faiss = _faiss()
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(self._dimensions))

    @property
    def kind(self) -> str:
        """Always ``"faiss"``."""
        return "faiss"

    @property
    def dimensions(self) -> int:
        """The vector length."""
        return self._dimensions

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __repr__(self) -> str:
        return f"FaissIndex(dimensions={self._dimensions}, len={len(self)}, version={self.version})"

    def upsert(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Add vectors or replace those of ids already present. See :meth:`VectorIndex.upsert`."""
        id_array, matrix = as_upsert(ids, vectors, self._dimensions)
        if not len(id_array):
            return
        present = id_array[self._present(id_array)]
        if len(present):
            # IndexIDMap2.add_with_ids would keep both copies of an id: drop the old ones first.
            self._index.remove_ids(_faiss().IDSelectorBatch(present))
        self._index.add_with_ids(matrix, id_array)

    def remove(self, ids: NDArray[np.int64]) -> int:
        """Remove ids in one FAISS call; unknown ids are ignored. See :meth:`VectorIndex.remove`.

        Returns:
            How many distinct ids were present.
        """
        unique = np.unique(as_ids(ids))
        present = unique[self._present(unique)]
        if not len(present):
            # Skipping the call matters: remove_ids scans and compacts everything even to remove nothing.
            return 0
        return int(self._index.remove_ids(_faiss().IDSelectorBatch(present)))

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        *,
        allowed: NDArray[np.int64] | None = None,
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Exact top-k by inner product. See :meth:`VectorIndex.search`."""
        query_matrix = as_queries(queries, self._dimensions)
        k = check_k(k)
        nq = len(query_matrix)
        # Clamp before calling FAISS, which allocates nq * k results whatever the index holds.
        k = min(k, len(self))
        params = None
        if allowed is not None:
            allowed_ids = np.unique(as_ids(allowed, name="allowed"))
            allowed_ids = allowed_ids[allowed_ids >= 0]
            k = min(k, len(allowed_ids))
            # IDSelectorBatch is a hash set: O(1) per candidate, unlike IDSelectorArray's linear scan.
            faiss = _faiss()
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_ids))
        if k == 0:
            return empty_results(nq)
        scores, labels = self._index.search(query_matrix, k, params=params)
        # Allowed ids that are absent leave -1 slots at the end of every row; the search is exhaustive,
        # so every row has the same number of real results.
        found = int((labels != -1).sum(axis=1).min())
        return (
            np.ascontiguousarray(scores[:, :found], dtype=np.float32),
            np.ascontiguousarray(labels[:, :found], dtype=np.int64),
        )

    def ids(self) -> NDArray[np.int64]:
        """Every id held, sorted ascending."""
        return np.sort(_faiss().vector_to_array(self._index.id_map).astype(np.int64, copy=False))

    def vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The stored vectors of ``ids``. See :meth:`VectorIndex.vectors`."""
        id_array = as_ids(ids)
        if not len(id_array):
            return np.empty((0, self._dimensions), dtype=np.float32)
        present = self._present(id_array)
        if not present.all():
            missing = id_array[~present]
            raise ConfigError(f"ids not in the index: {missing[:10].tolist()} ({len(missing)} in all)")
        return np.asarray(self._index.reconstruct_batch(id_array), dtype=np.float32)

    def memory_bytes(self) -> int:
        """Approximate resident bytes: 4·d per vector, plus the id vector and the id hash map."""
        return len(self) * (4 * self._dimensions + _BYTES_PER_ID)

    def save(self, path: Path) -> None:
        """Write the index atomically, as ``faiss.serialize_index`` bytes. See :meth:`VectorIndex.save`."""
        payload = _faiss().serialize_index(self._index)
        header = IndexHeader(kind=self.kind, dimensions=self._dimensions, version=self.version, count=len(self))
        write_index_file(Path(path), header, memoryview(payload))

    @classmethod
    def from_payload(cls, header: IndexHeader, payload: bytes, *, source: Path) -> FaissIndex:
        """Rebuild an index from a payload written by :meth:`save`.

        Args:
            header: the file header (kind ``"faiss"``).
            payload: the verified payload bytes.
            source: the file it came from, for error messages.

        Raises:
            IndexCorruptError: if FAISS cannot read the payload or it does not match the header.
        """
        faiss = _faiss()
        try:
            restored = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
        except RuntimeError as exc:
            raise IndexCorruptError(str(source), f"FAISS cannot read the payload: {exc}") from exc
        if not isinstance(restored, faiss.IndexIDMap2) or restored.metric_type != faiss.METRIC_INNER_PRODUCT:
            found = type(restored).__name__
            raise IndexCorruptError(str(source), f"payload is a {found}, not an inner-product IndexIDMap2")
        if restored.d != header.dimensions or restored.ntotal != header.count:
            raise IndexCorruptError(
                str(source),
                f"payload holds {restored.ntotal} vectors of {restored.d}-d, header says {header.count} "
                f"of {header.dimensions}-d",
            )
        index = cls(header.dimensions)
        index._index = restored
        index.version = header.version
        return index

    def _present(self, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether each id is held, in O(len(ids)) for small batches instead of O(len(self))."""
        total = len(self)
        if total == 0:
            return np.zeros(len(ids), dtype=np.bool_)
        if len(ids) * _LOOKUP_RATIO < total:
            return np.fromiter((self._holds(key) for key in ids.tolist()), dtype=np.bool_, count=len(ids))
        held = _faiss().vector_to_array(self._index.id_map)
        return np.isin(ids, held)

    def _holds(self, key: int) -> bool:
        # IndexIDMap2 exposes its id → position map only through reconstruct, which raises when absent.
        try:
            self._index.reconstruct(key)
        except RuntimeError:
            return False
        return True
