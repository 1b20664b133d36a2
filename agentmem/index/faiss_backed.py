"""The body every FAISS kind shares: the :class:`VectorIndex` contract over one FAISS index with ids.

:class:`FaissBackedIndex` holds one FAISS index that maps external int64 ids itself (an ``IndexIDMap2``,
or an IVF index with a direct map) and implements the whole contract over it; subclasses override a few
hooks: the index they start with, how ids are dropped and listed, the search parameters, and what happens
after a change (training, rebuilding). faiss is imported on first use (:mod:`agentmem.index.faiss_runtime`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError, IndexCorruptError
from agentmem.index.base import as_ids, as_queries, as_upsert, check_dimensions, check_k, empty_results, top_per_query
from agentmem.index.faiss_runtime import _faiss
from agentmem.index.persist import IndexHeader, write_index_file
from agentmem.vectors import isin_sorted

__all__ = ["BYTES_PER_ID", "EXACT_SUBSET", "FaissBackedIndex", "flat_inner"]

# IndexIDMap2 keeps an id → position hash map (unordered_map node + bucket) next to the id vector.
BYTES_PER_ID = 8 + 56
# Checking presence one id at a time costs ~5 µs; copying the whole id map and sorting costs ~50 ns per
# vector held (then cached until the next mutation). Below this ratio of index size to batch size, the
# per-id loop is cheaper.
_LOOKUP_RATIO = 128
# An approximate kind answers an `allowed` set of at most this many held ids exactly, from reconstructed
# vectors (~3 ms at 384-d): a filtered graph or IVF search over so few ids misses many of them.
EXACT_SUBSET = 4096

_Index = TypeVar("_Index", bound="FaissBackedIndex")


def flat_inner(index: Any) -> Any | None:
    """The exact ``IndexFlat`` inside an inner-product ``IndexIDMap2``, or None for any other index."""
    faiss = _faiss()
    if not isinstance(index, faiss.IndexIDMap2) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        return None
    inner = faiss.downcast_index(index.index)
    return inner if isinstance(inner, faiss.IndexFlat) else None


class FaissBackedIndex:
    """The :class:`VectorIndex` contract over one FAISS index with external ids (see the module doc).

    By default the FAISS index is an ``IndexIDMap2``. ``remove`` (and ``upsert`` of ids already present)
    then compacts the whole index: about 28 ms at 100k vectors and 270 ms at 1M whatever the batch size,
    so batch them. Adding only new ids and removing only absent ids never pays that cost.

    Attributes:
        version: the namespace version this index reflects (0 when new).
        identity: what the index belongs to, saved with it (empty when new).
    """

    # Whether reconstructing an id that is not held raises (IndexIDMap2 and direct-mapped IVF do; HNSW
    # keeps removed ids mapped until it rebuilds). Negative ids are never held (FAISS may map hnsw.DEAD).
    _reconstruct_proves_presence: ClassVar[bool] = True
    _kind: ClassVar[str]

    def __init__(self, dimensions: int) -> None:
        """Create an empty index.

        Args:
            dimensions: the vector length, at least 1.

        Raises:
            ConfigError: if dimensions is not a positive integer.
        """
        self._dimensions = check_dimensions(dimensions)
        self.version = 0
        self.identity: Mapping[str, str | int] = {}
        self._index: Any = self._new_index()
        # Every id held, sorted: built on demand for presence checks, dropped by every mutation.
        self._sorted: NDArray[np.int64] | None = None

    @property
    def kind(self) -> str:
        """The kind name, as ``create_index`` takes it."""
        return self._kind

    @property
    def dimensions(self) -> int:
        """The vector length."""
        return self._dimensions

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dimensions={self._dimensions}, len={len(self)}, version={self.version})"

    def upsert(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Add vectors or replace those of ids already present. See :meth:`VectorIndex.upsert`."""
        _faiss()  # this thread's OpenMP thread count (see agentmem.index.faiss_runtime)
        id_array, matrix = as_upsert(ids, vectors, self._dimensions)
        if not len(id_array):
            return
        present = id_array[self._present(id_array)]
        try:
            if len(present):
                # FAISS would keep both copies of an id: drop the old ones first.
                self._drop(present)
            self._add(id_array, matrix)
            self._after_change()
        finally:
            self._sorted = None

    def remove(self, ids: NDArray[np.int64]) -> int:
        """Remove ids in one batch; unknown ids are ignored. See :meth:`VectorIndex.remove`.

        Returns:
            How many distinct ids were present.
        """
        _faiss()
        unique = np.unique(as_ids(ids))
        present = unique[self._present(unique)]
        if not len(present):
            # Skipping the call matters: remove_ids scans and compacts everything even to remove nothing.
            return 0
        try:
            self._drop(present)
            self._after_change()
        finally:
            self._sorted = None
        return len(present)

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        *,
        allowed: NDArray[np.int64] | None = None,
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Top-k by inner product. See :meth:`VectorIndex.search`.

        Approximate kinds answer a small ``allowed`` set (at most 4,096 held ids) exactly, and fall back
        to an exact search whenever the approximate one returns fewer than ``min(k, candidates)`` results.
        """
        _faiss()
        query_matrix = as_queries(queries, self._dimensions)
        k = check_k(k)
        approximate = self._approximate()
        candidates: NDArray[np.int64] | None = None
        if allowed is None:
            selector = self._live_selector()
            limit = len(self)
        else:
            allowed_ids = np.unique(as_ids(allowed, name="allowed"))
            allowed_ids = allowed_ids[allowed_ids >= 0]
            if approximate:
                # A short approximate result cannot tell an absent id from a missed one: count the held ones.
                candidates = allowed_ids = allowed_ids[self._present(allowed_ids)]
                if len(candidates) <= EXACT_SUBSET:
                    return self._search_exactly(query_matrix, candidates, k)
            # IDSelectorBatch is a hash set: O(1) per candidate, unlike IDSelectorArray's linear scan.
            selector = _faiss().IDSelectorBatch(allowed_ids)
            limit = min(len(self), len(allowed_ids))
        # Clamp before calling FAISS, which allocates nq * k results whatever the index holds.
        k = min(k, limit)
        if k == 0:
            return empty_results(len(query_matrix))
        scores, labels = self._index.search(query_matrix, k, params=self._search_parameters(k, selector))
        # FAISS pads a row it cannot fill with -1 at its end. An exhaustive search pads every row alike
        # (allowed ids that are absent); an approximate one that comes back short has missed vectors.
        found = int((labels >= 0).sum(axis=1).min())
        if approximate and found < k:
            return self._search_exactly(query_matrix, self._held_ids() if candidates is None else candidates, k)
        return (
            np.ascontiguousarray(scores[:, :found], dtype=np.float32),
            np.ascontiguousarray(labels[:, :found], dtype=np.int64),
        )

    def ids(self) -> NDArray[np.int64]:
        """Every id held, sorted ascending."""
        return np.array(self._sorted_ids(), dtype=np.int64)

    def vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The stored vectors of ``ids`` (as FAISS reconstructs them). See :meth:`VectorIndex.vectors`."""
        id_array = as_ids(ids)
        if not len(id_array):
            return np.empty((0, self._dimensions), dtype=np.float32)
        if self._reconstruct_proves_presence and int(id_array.min()) >= 0:
            try:  # one batch (checking thousands of ids one by one costs more than reading them)
                return self._reconstruct(id_array)
            except RuntimeError:
                pass  # some id is absent: find which, for the error
        present = self._present(id_array)
        if not present.all():
            missing = id_array[~present]
            raise ConfigError(f"ids not in the index: {missing[:10].tolist()} ({len(missing)} in all)")
        return self._reconstruct(id_array)

    def matrix(self) -> tuple[NDArray[np.int64], NDArray[np.float32]] | None:
        """Zero-copy read-only views of the id map and the flat codes, or None unless stored flat.

        See :meth:`VectorIndex.matrix`: the views point into FAISS's own buffers, which the next
        ``upsert`` or ``remove`` may move or free.
        """
        flat = flat_inner(self._index)
        if flat is None:
            return None
        n, d = int(self._index.ntotal), self._dimensions
        if n == 0:
            return np.empty(0, dtype=np.int64), np.empty((0, d), dtype=np.float32)
        ids = self._held_ids()
        vectors = np.asarray(_faiss().rev_swig_ptr(flat.get_xb(), n * d), dtype=np.float32).reshape(n, d)
        ids.flags.writeable = False
        vectors.flags.writeable = False
        return ids, vectors

    def memory_bytes(self) -> int:
        """Approximate resident bytes."""
        raise NotImplementedError

    def save(self, path: Path) -> None:
        """Write the index atomically, as ``faiss.serialize_index`` bytes. See :meth:`VectorIndex.save`."""
        payload = _faiss().serialize_index(self._index)
        header = IndexHeader(
            kind=self.kind,
            dimensions=self._dimensions,
            version=self.version,
            count=len(self),
            params=self._params(),
            identity=self.identity,
        )
        write_index_file(Path(path), header, memoryview(payload))

    @classmethod
    def from_payload(cls: type[_Index], header: IndexHeader, payload: bytes, *, source: Path) -> _Index:
        """Rebuild an index from a payload written by :meth:`save`.

        Args:
            header: the file header (of this class's kind).
            payload: the verified payload bytes.
            source: the file it came from, for error messages.

        Raises:
            IndexCorruptError: if FAISS cannot read the payload, or it or the header's params do not fit
                this kind, or it does not match the header.
        """
        faiss = _faiss()
        try:
            restored = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
        except RuntimeError as exc:
            raise IndexCorruptError(str(source), f"FAISS cannot read the payload: {exc}") from exc
        try:
            index = cls._configured(header)
        except ConfigError as exc:
            raise IndexCorruptError(str(source), f"bad params in the header: {exc}") from exc
        if not index._accepts(restored):
            inner = getattr(restored, "index", None)
            found = type(restored).__name__ + (f"({type(faiss.downcast_index(inner)).__name__})" if inner else "")
            raise IndexCorruptError(str(source), f"payload is a {found}, not what kind {cls._kind!r} writes")
        index._adopt(restored)
        if restored.d != header.dimensions or len(index) != header.count:
            raise IndexCorruptError(
                str(source),
                f"payload holds {len(index)} vectors of {restored.d}-d, header says {header.count} "
                f"of {header.dimensions}-d",
            )
        index.version = header.version
        index.identity = dict(header.identity)
        return index

    # Hooks: the defaults suit an IndexIDMap2 searched exhaustively.

    def _new_index(self) -> Any:
        """The empty FAISS index a new instance starts with."""
        raise NotImplementedError

    @classmethod
    def _configured(cls: type[_Index], header: IndexHeader) -> _Index:
        """An empty index with the settings ``header.params`` records."""
        return cls(header.dimensions)

    def _params(self) -> dict[str, int]:
        """Settings to record in the file header, read back by :meth:`_configured`."""
        return {}

    def _accepts(self, restored: Any) -> bool:
        """Whether a deserialized FAISS index is one this kind writes."""
        raise NotImplementedError

    def _adopt(self, restored: Any) -> None:
        """Take over an accepted deserialized FAISS index."""
        self._index, self._sorted = restored, None

    def _held_ids(self) -> NDArray[np.int64]:
        """Every id held, in storage order (possibly a view, valid until the next mutation)."""
        n = int(self._index.ntotal)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        return np.asarray(_faiss().rev_swig_ptr(self._index.id_map.data(), n), dtype=np.int64)

    def _holds(self, key: int) -> bool:
        if key < 0:
            return False  # never a valid id, though FAISS may map one (see hnsw.DEAD)
        # IndexIDMap2 and direct-mapped IVF expose their id map only through reconstruct, which raises
        # when the id is absent.
        try:
            self._index.reconstruct(key)
        except RuntimeError:
            return False
        return True

    def _drop(self, ids: NDArray[np.int64]) -> None:
        """Remove ids known to be held."""
        self._index.remove_ids(_faiss().IDSelectorBatch(ids))

    def _add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Add ids known not to be held."""
        self._index.add_with_ids(vectors, ids)

    def _after_change(self) -> None:
        """Train or rebuild, if this kind needs to, after an upsert or a remove."""

    def _approximate(self) -> bool:
        """Whether a search may miss vectors (then short results fall back to an exact search)."""
        return False

    def _live_selector(self) -> Any | None:
        """An IDSelector every search must apply (to hide removed entries), or None."""
        return None

    def _search_parameters(self, k: int, selector: Any | None) -> Any | None:
        """FAISS SearchParameters for one search of ``k`` results."""
        return None if selector is None else _faiss().SearchParameters(sel=selector)

    def _reconstruct(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The vectors of held ids, as FAISS decodes them."""
        return np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32)

    def _search_exactly(
        self, queries: NDArray[np.float32], ids: NDArray[np.int64], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Brute force over the reconstructed vectors of ``ids`` (held ones)."""
        if not len(ids):
            return empty_results(len(queries))
        return top_per_query(queries @ self._reconstruct(ids).T, ids, k)

    def _present(self, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether each id is held, in O(len(ids)) for small batches instead of O(len(self))."""
        if len(self) == 0:
            return np.zeros(len(ids), dtype=np.bool_)
        if self._sorted is None and len(ids) * _LOOKUP_RATIO < len(self):
            return np.fromiter((self._holds(key) for key in ids.tolist()), dtype=np.bool_, count=len(ids))
        return isin_sorted(ids, self._sorted_ids())

    def _sorted_ids(self) -> NDArray[np.int64]:
        if self._sorted is None:
            self._sorted = np.sort(self._held_ids())
        return self._sorted
