"""Per-namespace replicas (vector index + scoring attributes), kept in step with SQL by version.

SQL is the truth; a replica is a cache of the active memories' vectors, last-access times and
importances that records the namespace version it reflects. Loading one replays the changes newer than
that version, and an index file that is missing, unreadable or from another state is rebuilt from the
vector blobs in SQL, never by re-embedding. A file is from another state unless its identity matches: the
database id, the namespace's id, name, model and dimensions, and a checkpoint token SQL recorded when the
file was written (:mod:`agentmem.db.identity`). Loaded replicas share a memory budget: the least recently
used are checkpointed to their files and dropped, and reload from them when needed again.

Index files are derived state: a checkpoint that cannot be written (a read-only or full folder, a busy
database) is logged and tried again at the next checkpoint, never raised after a write has committed.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agentmem.db.identity import CheckpointLedger
from agentmem.db.rows import NamespaceRow
from agentmem.db.snapshots import ActiveRows, Snapshot, SnapshotReader
from agentmem.errors import AgentMemError, IndexCorruptError
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
    namespace: NamespaceRow

    @property
    def version(self) -> int:
        return self.index.version

    def memory_bytes(self) -> int:
        return self.index.memory_bytes() + self.attributes.nbytes()


class IndexReplicas:
    """The loaded replica of each namespace, and the files their indexes are checkpointed to.

    Args:
        snapshots: SQL reads to rebuild and replay from.
        ledger: the database id and checkpoint tokens that index files must match.
        index_dir: folder of the index files; None: never write or read any (an in-memory database).
        kind: the index implementation (``faiss``, ``exact``, ``hnsw``, ``ivf``, ``sq8``).
        memory_budget: bytes that loaded replicas may hold together (None: no limit). The replica in use
            is never evicted, so one namespace larger than the budget still works.
    """

    def __init__(
        self,
        *,
        snapshots: SnapshotReader,
        ledger: CheckpointLedger,
        index_dir: Path | None,
        kind: str,
        memory_budget: int | None = None,
    ) -> None:
        self._snapshots = snapshots
        self._ledger = ledger
        self._dir = index_dir
        self._kind = kind
        self._budget = memory_budget
        self._loaded: OrderedDict[int, Replica] = OrderedDict()
        self._saved_version: dict[int, int] = {}
        # Namespaces this process wrote without loading their replica (a CLI `add`, say).
        self._written_unloaded: dict[int, NamespaceRow] = {}
        # Why a namespace's file was not used when it was loaded last (None: it was, or there was none).
        self._rejected: dict[int, str] = {}
        self._lock = threading.RLock()

    @property
    def kind(self) -> str:
        return self._kind

    def path(self, ns: NamespaceRow) -> Path | None:
        """The namespace's index file; None when index files are not kept (an in-memory database)."""
        return None if self._dir is None else self._dir / f"ns-{ns.id}.{self._kind}.idx"

    def rejected(self, ns: NamespaceRow) -> str | None:
        """Why the namespace's index file was rebuilt instead of loaded, the last time it was loaded."""
        return self._rejected.get(ns.id)

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
            self._checkpoint_if_due(replica)

    def rebuild(self, ns: NamespaceRow) -> Replica:
        """Drop the replica and rebuild it from SQL's vector blobs, then save it."""
        with self._lock:
            replica = self._build(ns)
            self._loaded[ns.id] = replica
            self._rejected.pop(ns.id, None)
            self._save(replica)
            return replica

    def checkpoint(self, ns: NamespaceRow | None = None) -> None:
        """Save the replicas (all, or one namespace's) whose version moved since their last save."""
        with self._lock:
            for ns_id, replica in list(self._loaded.items()):
                if (ns is None or ns_id == ns.id) and self._saved_version.get(ns_id) != replica.version:
                    self._save(replica)

    def close(self) -> None:
        """Checkpoint every loaded replica; give namespaces written here but never loaded an index file.

        Without that file the next process would have to rebuild it from SQL. Nothing here raises: what
        cannot be saved is logged, and rebuilt or replayed from SQL by the next process.
        """
        with self._lock:
            self.checkpoint()
            for ns_id, ns in self._written_unloaded.items():
                path = self.path(ns)
                if ns_id in self._loaded or path is None or path.exists():
                    continue
                try:
                    replica = self._build(ns)
                except AgentMemError as exc:
                    logger.warning("could not build the index of namespace %r to save it: %s", ns.name, exc)
                    continue
                self._save(replica)
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
                self._save(replica)
            total -= replica.memory_bytes()

    def _load(self, ns: NamespaceRow) -> Replica:
        self._rejected.pop(ns.id, None)
        path = self.path(ns)
        if path is None:
            return self._build(ns)
        try:
            index = load_index(path)
        except FileNotFoundError:
            # A normal state, not damage: the namespace was never saved with this index kind (opened with
            # another kind before), or another live process writes it and has not checkpointed yet.
            if ns.version > 0:
                logger.info("no saved %s index for namespace %r yet: building it from SQL", self._kind, ns.name)
            return self._build(ns)
        except IndexCorruptError as exc:
            return self._rebuilt(ns, str(exc))
        except OSError as exc:  # a folder where the file should be, no permission to read it…
            return self._rebuilt(ns, f"vector index {path} cannot be read ({exc.strerror or exc})")
        active = self._snapshots.active_rows(ns)
        reason = self._mismatch(ns, index, active)
        if reason is not None:
            return self._rebuilt(ns, f"vector index {path} {reason}")
        self._saved_version[ns.id] = index.version
        # The attributes must describe exactly the memories the index holds, as the replay that follows
        # adds what the file missed to both: attributes of newer memories would hide them from it.
        attributes = MemoryAttributes(
            active.ids, active.last_accessed, active.importance, active.chunks, active.created_at
        )
        return Replica(index, attributes.select(np.isin(attributes.ids, index.ids())), ns)

    def _identity(self, ns: NamespaceRow) -> dict[str, str | int]:
        return {
            "database": self._ledger.database_id(),
            "namespace_id": ns.id,
            "namespace": ns.name,
            "model": ns.model_id,
            "dimensions": ns.dimensions,
        }

    def _mismatch(self, ns: NamespaceRow, index: VectorIndex, active: ActiveRows) -> str | None:
        """Why a loaded index is not this namespace's cache at a version SQL has passed; None if it is."""
        if index.kind != self._kind or index.dimensions != ns.dimensions:
            return f"is a {index.dimensions}-d {index.kind} index, not the {ns.dimensions}-d {self._kind} expected"
        found = index.identity
        for field, expected in self._identity(ns).items():
            if found.get(field) != expected:
                return f"belongs to another {field.replace('_', ' ')} ({found.get(field)!r}, expected {expected!r})"
        if index.version > active.version:
            return f"is at version {index.version}, ahead of the database's {active.version}"
        token = found.get("checkpoint")
        if not isinstance(token, str) or not self._ledger.confirms(
            ns.id, kind=self._kind, version=index.version, token=token
        ):
            return (
                f"was written at version {index.version} from a state the database does not record (a backup "
                "restored, or the database created again)"
            )
        return None

    def _rebuilt(self, ns: NamespaceRow, reason: str) -> Replica:
        logger.warning("%s: rebuilding it from SQL", reason)
        replica = self._build(ns)
        self._rejected[ns.id] = reason
        return replica

    def _build(self, ns: NamespaceRow) -> Replica:
        snapshot = self._snapshots.active(ns)
        index = create_index(self._kind, ns.dimensions)
        if len(snapshot.ids):
            index.upsert(snapshot.vector_ids, snapshot.vectors.rows)
        index.version = snapshot.version
        self._saved_version.pop(ns.id, None)
        return Replica(index, _attributes(snapshot), ns)

    def _replay(self, ns: NamespaceRow, replica: Replica) -> None:
        changes = self._snapshots.changes_since(ns, replica.version)
        if len(changes.remove_ids):
            _remove(replica, changes.remove_ids)
        if len(changes.active.ids):
            _upsert(replica, changes.active)
        replica.index.version = changes.version
        self._checkpoint_if_due(replica)

    def _checkpoint_if_due(self, replica: Replica) -> None:
        behind = replica.version - self._saved_version.get(replica.namespace.id, 0)
        if behind >= max(MIN_CHANGES_BEFORE_CHECKPOINT, len(replica.index) // 10):
            self._save(replica)

    def _save(self, replica: Replica) -> None:
        """Checkpoint a replica to its file: the token goes to SQL first, then the file that carries it.

        A failure is logged, not raised: the index is derived state, SQL already holds every change, and
        the next checkpoint tries again (a process that finds no usable file rebuilds it from SQL).
        """
        ns = replica.namespace
        path = self.path(ns)
        if path is None:
            return
        try:
            token = self._ledger.record(ns.id, kind=self._kind, version=replica.version)
            replica.index.identity = {**self._identity(ns), "checkpoint": token}
            path.parent.mkdir(parents=True, exist_ok=True)
            replica.index.save(path)
        except (OSError, AgentMemError) as exc:
            logger.warning(
                "could not save the %s index of namespace %r to %s (%s): SQL holds every change; the next "
                "checkpoint tries again",
                self._kind, ns.name, path, exc,
            )  # fmt: skip
            return
        self._saved_version[ns.id] = replica.version


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
