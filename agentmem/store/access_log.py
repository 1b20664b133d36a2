"""Write-behind access records: recall's touch leaves its critical path.

A recall that records accesses (``RecallConfig.touch``, on by default) used to write SQL before it returned:
one UPDATE that bumped the namespace's version, about as long as the rest of the recall. Now it only does
what the next recall needs at once, updating the replica's in-memory attributes (last access, access count)
so a recall in the same process sees the access, and queues the access here, coalesced per memory (the
latest time and the number of accesses). The queue is written in one transaction per namespace:

* when it holds ``touch_flush_memories`` memories (size bound),
* at the first recall ``touch_flush_seconds`` or more after its oldest entry (time bound; checked by recall,
  not by a background thread: SQLite connections belong to the thread that opened them),
* before any other operation of the store reads or writes memories (``MemoryStore`` calls :meth:`flush`),
* and on ``close``.

A crash (even SIGKILL) loses at most the accesses queued since the last flush: they are statistics, never a
memory, because memories are written by their own transactions, never through this queue. Other processes
see the accesses after a flush (its version bump makes their replicas catch up).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow
from agentmem.store.replicas import IndexReplicas

__all__ = ["AccessLog"]


@dataclass(slots=True)
class _Pending:
    ns: NamespaceRow
    accesses: dict[int, tuple[float, int]] = field(default_factory=dict)  # memory id -> (latest, count)


class AccessLog:
    """Accesses recorded by recall and not yet written to SQL, per namespace.

    Args:
        repository: where a flush writes.
        replicas: whose in-memory attributes are updated at once.
        lock: the database's lock, held by every write (the flush included).
        max_memories: memories queued before a flush (size bound).
        max_seconds: seconds after the oldest queued access before a flush (time bound).
    """

    def __init__(
        self,
        repository: Repository,
        replicas: IndexReplicas,
        lock: threading.RLock,
        *,
        max_memories: int,
        max_seconds: float,
    ) -> None:
        self._repository = repository
        self._replicas = replicas
        self._lock = lock
        self._max_memories = max_memories
        self._max_seconds = max_seconds
        self._pending: dict[int, _Pending] = {}
        self._queued = 0
        self._oldest: float | None = None
        self._closed = False

    def record(self, ns: NamespaceRow, ids: list[int], when: float) -> None:
        """Queue an access to ``ids`` at epoch ``when`` and show it in the loaded replica at once."""
        with self._lock:
            self._replicas.touched(ns, np.asarray(ids, dtype=np.int64), when)
            if self._closed:  # a store used after close: write through, as before write-behind existed
                self._write(_Pending(ns, {i: (when, 1) for i in ids}))
                return
            pending = self._pending.setdefault(ns.id, _Pending(ns))
            for memory_id in ids:
                latest, count = pending.accesses.get(memory_id, (when, 0))
                if count == 0:
                    self._queued += 1
                pending.accesses[memory_id] = (max(latest, when), count + 1)
            if self._oldest is None:
                self._oldest = time.monotonic()
            if self._queued >= self._max_memories or time.monotonic() - self._oldest >= self._max_seconds:
                self._flush_locked()

    def flush(self) -> None:
        """Write every queued access to SQL now (one transaction per namespace)."""
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        """Flush, and write any later access through at once."""
        with self._lock:
            self._flush_locked()
            self._closed = True

    def _flush_locked(self) -> None:
        pending, self._pending, self._queued, self._oldest = self._pending, {}, 0, None
        for item in pending.values():
            self._write(item)

    def _write(self, item: _Pending) -> None:
        version = self._repository.touch_counts(item.ns, item.accesses)
        self._replicas.applied(item.ns, version=version)
        # The replica held these accesses already, but a catch-up with another process's writes since may have
        # reread some rows from SQL without them; showing an access again is harmless (the latest time wins).
        by_time: dict[float, list[int]] = {}
        for memory_id, (latest, _) in item.accesses.items():
            by_time.setdefault(latest, []).append(memory_id)
        for latest, ids in by_time.items():
            self._replicas.touched(item.ns, np.asarray(sorted(ids), dtype=np.int64), latest)
