"""Per-namespace replicas (vector index + scoring attributes), kept in step with SQL by version.

SQL is the truth; a replica is a cache of the active memories' vectors, last-access times and
importances that records the namespace version it reflects. Loading one replays the changes newer than
that version, and an index file that is missing, unreadable or from another state is rebuilt from the
vector blobs in SQL, never by re-embedding. Loaded replicas share a memory budget: the least recently
used are checkpointed to their files and dropped, and reload from them when needed again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agentmem.db.rows import NamespaceRow
from agentmem.db.snapshots import Snapshot, SnapshotReader
from agentmem.errors import IndexCorruptError
from agentmem.index.kinds import create_index, load_index
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.vectors import VectorIndex

__all__ = ["IndexReplicas", "Replica"]

logger = logging.getLogger("agentmem")

# A replica is saved once this many versions piled up since its last save, or a tenth of its size if
# larger: saving costs about as much as the index is big, so larger indexes are saved less often.
MIN_CHANGES_BEFORE_CHECKPOINT = 1_000


@dataclass(slots=True)
class Replica:
    """A namespace's vector index and the scoring attributes of the same memories."""

    index: VectorIndex
    attributes: MemoryAttributes

    @property
    def version(self) -> int:
        return self.index.version

    def memory_bytes(self) -> int:
        return self.index.memory_bytes() + self.attributes.nbytes()


class IndexReplicas:
    """The loaded replica of each namespace, and the files their indexes are checkpointed to.

    Args:
        snapshots: SQL reads to rebuild and replay from.
        index_dir: folder of the index files.
        kind: the index implementation (``faiss``, ``exact``, ``hnsw``, ``ivf``, ``sq8``).
        memory_budget: bytes that loaded replicas may hold together (None: no limit). The replica in use
            is never evicted, so one namespace larger than the budget still works.
    """

    def __init__(
        self, *, snapshots: SnapshotReader, index_dir: Path, kind: str, memory_budget: int | None = None
    ) -> None:
        self._snapshots = snapshots
        self._dir = index_dir
        self._kind = kind
        self._budget = memory_budget
        self._loaded: OrderedDict[int, Replica] = OrderedDict()
        self._saved_version: dict[int, int] = {}
        # Namespaces this process wrote without loading their replica (a CLI `add`, say).
        self._written_unloaded: dict[int, NamespaceRow] = {}
        self._lock = threading.RLock()

    @property
    def kind(self) -> str:
        return self._kind

    def path(self, ns: NamespaceRow) -> Path:
        return self._path(ns.id)

    def _path(self, ns_id: int) -> Path:
        return self._dir / f"ns-{ns_id}.{self._kind}.idx"

    def memory_bytes(self) -> int:
        """Bytes held by the loaded replicas (estimate)."""
        with self._lock:
            return sum(r.memory_bytes() for r in self._loaded.values())

    def loaded_count(self) -> int:
        return len(self._loaded)

    def synced(self, ns: NamespaceRow) -> Replica:
        """The namespace's replica, loaded if needed and brought up to the version SQL is at."""
        with self._lock:
            replica = self._loaded.get(ns.id)
            if replica is None:
                replica = self._load(ns)
                self._loaded[ns.id] = replica
            self._loaded.move_to_end(ns.id)
            if self._snapshots.version(ns) != replica.version:
                self._replay(ns, replica)
            self._enforce_budget(keep=ns.id)
            return replica

    def loaded(self, ns: NamespaceRow) -> Replica:
        """The namespace's replica as this process has it (loaded and brought up to date if it was not
        loaded), without asking SQL whether another process has written since.

        For a caller that reads SQL's version together with its results and calls :meth:`synced` when the
        two differ (recall: one round trip instead of two).
        """
        with self._lock:
            replica = self._loaded.get(ns.id)
            if replica is None:
                return self.synced(ns)
            self._loaded.move_to_end(ns.id)
            return replica

    def touched(self, ns: NamespaceRow, ids: NDArray[np.int64], when: float) -> None:
        """Show an access at ``when`` in the loaded replica at once, before SQL has it (write-behind)."""
        with self._lock:
            replica = self._loaded.get(ns.id)
            if replica is not None:
                replica.attributes.touch(ids, when)

    def applied(
        self,
        ns: NamespaceRow,
        *,
        version: int,
        upsert: Snapshot | None = None,
        remove: NDArray[np.int64] | None = None,
        touched: tuple[NDArray[np.int64], float] | None = None,
    ) -> None:
        """Apply a change just committed to SQL at ``version`` to the loaded replica, if any.

        Args:
            upsert: the vectors (chunks included) and attributes of memories now active.
            remove: ids that left the active set.
            touched: ids returned by recall, and the access time recorded for them.

        A replica that missed changes from other processes (its version is not ``version - 1``) is
        brought up to date from SQL instead, which includes this change.
        """
        with self._lock:
            replica = self._loaded.get(ns.id)
            if replica is None:
                self._written_unloaded[ns.id] = ns
                return
            if replica.version != version - 1:
                self._replay(ns, replica)
                return
            if remove is not None and len(remove):
                _remove(replica, remove)
            if upsert is not None and len(upsert.ids):
                _upsert(replica, upsert)
            if touched is not None:
                replica.attributes.touch(*touched)
            replica.index.version = version
            self._checkpoint_if_due(ns.id, replica)

    def rebuild(self, ns: NamespaceRow) -> Replica:
        """Drop the replica and rebuild it from SQL's vector blobs, then save it."""
        with self._lock:
            replica = self._build(ns)
            self._loaded[ns.id] = replica
            self._save(ns.id, replica)
            return replica

    def checkpoint(self, ns: NamespaceRow | None = None) -> None:
        """Save the replicas (all, or one namespace's) whose version moved since their last save."""
        with self._lock:
            for ns_id, replica in list(self._loaded.items()):
                if (ns is None or ns_id == ns.id) and self._saved_version.get(ns_id) != replica.version:
                    self._save(ns_id, replica)

    def close(self) -> None:
        """Checkpoint every loaded replica; give namespaces written here but never loaded an index file.

        Without that file the next process would have to rebuild it from SQL.
        """
        with self._lock:
            self.checkpoint()
            for ns_id, ns in self._written_unloaded.items():
                if ns_id not in self._loaded and not self._path(ns_id).exists():
                    self._save(ns_id, self._build(ns))
            self._written_unloaded.clear()
            self._loaded.clear()

    def _enforce_budget(self, *, keep: int) -> None:
        if self._budget is None:
            return
        total = sum(r.memory_bytes() for r in self._loaded.values())
        for ns_id in list(self._loaded):
            if total <= self._budget:
                break
            if ns_id == keep:
                continue
            replica = self._loaded.pop(ns_id)
            if self._saved_version.get(ns_id) != replica.version:
                self._save(ns_id, replica)
            total -= replica.memory_bytes()

    def _load(self, ns: NamespaceRow) -> Replica:
        path = self.path(ns)
        try:
            index = load_index(path)
        except FileNotFoundError:
            # A normal state, not damage: the namespace was never saved with this index kind (opened with
            # another kind before), or another live process writes it and has not checkpointed yet.
            if ns.version > 0:
                logger.info("no saved %s index for namespace %r yet: building it from SQL", self._kind, ns.name)
            return self._build(ns)
        except IndexCorruptError as exc:
            logger.warning("%s: rebuilding it from SQL", exc)
            return self._build(ns)
        active = self._snapshots.active_rows(ns)
        current = active.version
        if index.kind != self._kind or index.dimensions != ns.dimensions or index.version > current:
            logger.warning(
                "vector index %s does not match the database (kind %s, %d-d, version %d; database %d-d at "
                "version %d): rebuilding it from SQL",
                path, index.kind, index.dimensions, index.version, ns.dimensions, current,
            )  # fmt: skip
            return self._build(ns)
        self._saved_version[ns.id] = index.version
        # The attributes must describe exactly the memories the index holds, as the replay that follows
        # adds what the file missed to both: attributes of newer memories would hide them from it.
        attributes = MemoryAttributes(
            active.ids, active.last_accessed, active.importance, active.chunks, active.created_at
        )
        return Replica(index, attributes.select(np.isin(attributes.ids, index.ids())))

    def _build(self, ns: NamespaceRow) -> Replica:
        snapshot = self._snapshots.active(ns)
        index = create_index(self._kind, ns.dimensions)
        if len(snapshot.ids):
            index.upsert(snapshot.vector_ids, snapshot.vectors.rows)
        index.version = snapshot.version
        self._saved_version.pop(ns.id, None)
        return Replica(index, _attributes(snapshot))

    def _replay(self, ns: NamespaceRow, replica: Replica) -> None:
        changes = self._snapshots.changes_since(ns, replica.version)
        if len(changes.remove_ids):
            _remove(replica, changes.remove_ids)
        if len(changes.active.ids):
            _upsert(replica, changes.active)
        replica.index.version = changes.version
        self._checkpoint_if_due(ns.id, replica)

    def _checkpoint_if_due(self, ns_id: int, replica: Replica) -> None:
        behind = replica.version - self._saved_version.get(ns_id, 0)
        if behind >= max(MIN_CHANGES_BEFORE_CHECKPOINT, len(replica.index) // 10):
            self._save(ns_id, replica)

    def _save(self, ns_id: int, replica: Replica) -> None:
        path = self._path(ns_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        replica.index.save(path)
        self._saved_version[ns_id] = replica.version


def _remove(replica: Replica, ids: NDArray[np.int64]) -> None:
    # Every chunk of a memory leaves the index with it; the chunk counts come from the attributes, so
    # they go last.
    replica.index.remove(replica.attributes.vector_ids(ids) if replica.attributes.chunked else ids)
    replica.attributes.remove(ids)


def _attributes(snapshot: Snapshot) -> MemoryAttributes:
    return MemoryAttributes(
        snapshot.ids, snapshot.last_accessed, snapshot.importance, snapshot.vectors.counts, snapshot.created_at
    )


def _upsert(replica: Replica, snapshot: Snapshot) -> None:
    # A memory's vectors never change in place: memories already held only update their attributes (recall
    # touched them), and re-adding their vectors would cost a full FAISS compaction.
    ids = snapshot.ids
    new = ~np.isin(ids, replica.attributes.ids)
    if new.any():
        fresh = snapshot.vectors.select(new)
        replica.index.upsert(fresh.ids(ids[new]), fresh.rows)
    replica.attributes.upsert(
        ids, snapshot.last_accessed, snapshot.importance, snapshot.vectors.counts, snapshot.created_at
    )
