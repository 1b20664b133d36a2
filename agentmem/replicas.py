"""Per-namespace vector index replicas, kept in step with SQL by the namespace version.

SQL is the truth; an index is a cache of the active memories' vectors that records the version it
reflects. Loading one replays the changes newer than that version, and an index file that is missing,
unreadable or from another state is rebuilt from the vector blobs in SQL, never by re-embedding.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow
from agentmem.errors import IndexCorruptError
from agentmem.index import VectorIndex, create_index, load_index

__all__ = ["IndexReplicas"]

logger = logging.getLogger("agentmem")

# A replica is saved once this many changes piled up since its last save, or a tenth of its size if
# larger: saving costs about as much as the index is big, so larger indexes are saved less often.
MIN_CHANGES_BEFORE_CHECKPOINT = 1_000


class IndexReplicas:
    """The loaded vector index of each namespace, and the files they are checkpointed to.

    Args:
        repository: SQL access, to rebuild and replay from.
        index_dir: folder of the index files.
        kind: the index implementation (``faiss`` or ``exact``).
    """

    def __init__(self, *, repository: Repository, index_dir: Path, kind: str) -> None:
        self._repository = repository
        self._dir = index_dir
        self._kind = kind
        self._loaded: dict[int, VectorIndex] = {}
        self._saved_version: dict[int, int] = {}
        self._lock = threading.RLock()

    @property
    def kind(self) -> str:
        return self._kind

    def path(self, ns: NamespaceRow) -> Path:
        return self._dir / f"ns-{ns.id}.{self._kind}.idx"

    def loaded(self, ns: NamespaceRow) -> VectorIndex | None:
        """The replica if it is in memory, without loading or syncing it."""
        return self._loaded.get(ns.id)

    def synced(self, ns: NamespaceRow) -> VectorIndex:
        """The namespace's index, loaded if needed and brought up to the version SQL is at."""
        with self._lock:
            index = self._loaded.get(ns.id)
            if index is None:
                index = self._load(ns)
                self._loaded[ns.id] = index
            if self._repository.namespace_version(ns.id) != index.version:
                self._replay(ns, index)
            return index

    def applied(
        self,
        ns: NamespaceRow,
        *,
        version: int,
        upsert: tuple[NDArray[np.int64], NDArray[np.float32]] | None = None,
        remove: NDArray[np.int64] | None = None,
    ) -> None:
        """Apply a change just committed to SQL at ``version`` to the loaded replica, if any.

        A replica that missed changes from other processes (its version is not ``version - 1``) is
        brought up to date from SQL instead, which includes this change.
        """
        with self._lock:
            index = self._loaded.get(ns.id)
            if index is None:
                return
            if index.version != version - 1:
                self._replay(ns, index)
                return
            if remove is not None and len(remove):
                index.remove(remove)
            if upsert is not None and len(upsert[0]):
                index.upsert(*upsert)
            index.version = version
            self._checkpoint_if_due(ns, index)

    def rebuild(self, ns: NamespaceRow) -> VectorIndex:
        """Drop the replica and rebuild it from SQL's vector blobs, then save it."""
        with self._lock:
            index = self._build(ns)
            self._loaded[ns.id] = index
            self._save(ns, index)
            return index

    def checkpoint(self, ns: NamespaceRow | None = None) -> None:
        """Save the replicas (all, or one namespace's) whose version moved since their last save."""
        with self._lock:
            for ns_id, index in list(self._loaded.items()):
                if ns is not None and ns_id != ns.id:
                    continue
                if self._saved_version.get(ns_id) != index.version:
                    self._save_path(self._dir / f"ns-{ns_id}.{self._kind}.idx", ns_id, index)

    def close(self) -> None:
        self.checkpoint()
        self._loaded.clear()

    def _load(self, ns: NamespaceRow) -> VectorIndex:
        path = self.path(ns)
        try:
            index = load_index(path)
        except FileNotFoundError:
            if ns.version > 0:
                logger.warning("vector index %s is missing: rebuilding it from SQL", path)
            return self._build(ns)
        except IndexCorruptError as exc:
            logger.warning("%s: rebuilding it from SQL", exc)
            return self._build(ns)
        current = self._repository.namespace_version(ns.id)
        if index.kind != self._kind or index.dimensions != ns.dimensions or index.version > current:
            logger.warning(
                "vector index %s does not match the database (kind %s, %d-d, version %d; database %d-d at "
                "version %d): rebuilding it from SQL",
                path, index.kind, index.dimensions, index.version, ns.dimensions, current,
            )  # fmt: skip
            return self._build(ns)
        self._saved_version[ns.id] = index.version
        return index

    def _build(self, ns: NamespaceRow) -> VectorIndex:
        ids, vectors, version = self._repository.active_vectors(ns)
        index = create_index(self._kind, ns.dimensions)
        if len(ids):
            index.upsert(ids, vectors)
        index.version = version
        self._saved_version.pop(ns.id, None)
        return index

    def _replay(self, ns: NamespaceRow, index: VectorIndex) -> None:
        changes = self._repository.changes_since(ns, index.version)
        if len(changes.remove_ids):
            index.remove(changes.remove_ids)
        if len(changes.upsert_ids):
            index.upsert(changes.upsert_ids, changes.upsert_vectors)
        index.version = changes.version
        self._checkpoint_if_due(ns, index)

    def _checkpoint_if_due(self, ns: NamespaceRow, index: VectorIndex) -> None:
        behind = index.version - self._saved_version.get(ns.id, 0)
        if behind >= max(MIN_CHANGES_BEFORE_CHECKPOINT, len(index) // 10):
            self._save(ns, index)

    def _save(self, ns: NamespaceRow, index: VectorIndex) -> None:
        self._save_path(self.path(ns), ns.id, index)

    def _save_path(self, path: Path, ns_id: int, index: VectorIndex) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        index.save(path)
        self._saved_version[ns_id] = index.version
