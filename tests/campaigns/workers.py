"""What the campaigns' child processes run (imported by the forkserver, so each child starts at once).

Every function opens its own store (its own engine, replicas and index files, as another agent process
would) and reports through a queue or a pipe; a failure is reported as its traceback, never swallowed.
"""

from __future__ import annotations

import traceback
from multiprocessing.connection import Connection
from multiprocessing.queues import SimpleQueue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from agentmem import HashingEmbedder, MemoryPolicy, MemoryStore

__all__ = ["DIMENSIONS", "answer_commands", "create_namespaces", "open_store", "write_and_read", "written_text"]

DIMENSIONS = 256


def open_store(
    url: str, index_dir: Path, namespace: str = "default", policy: MemoryPolicy | None = None
) -> MemoryStore:
    embedder = HashingEmbedder(DIMENSIONS)
    return MemoryStore.open(url, namespace=namespace, embedder=embedder, index_dir=index_dir, policy=policy)


def written_text(worker: int, step: int) -> str:
    """A text no other (worker, step) shares a word with but the common ones: its exact search is unambiguous."""
    return f"process p{worker}s{step} wrote note {worker}x{step} about the shared ledger"


def create_namespaces(
    url: str, index_dir: Path, worker: int, names: list[str], barrier: Barrier, results: SimpleQueue[Any]
) -> None:
    """After the barrier, write one memory to each of ``names`` (namespaces nobody created yet)."""
    try:
        with open_store(url, index_dir) as store:
            barrier.wait(timeout=60)
            ids = [store.with_namespace(name).add(f"p{worker} wrote first to {name}").id for name in names]
        results.put((worker, ids, None))
    except BaseException:  # noqa: BLE001 (the parent must see a child's failure, whatever it is)
        results.put((worker, None, traceback.format_exc()))


def write_and_read(
    url: str, index_dir: Path, worker: int, count: int, barrier: Barrier, results: SimpleQueue[Any]
) -> None:
    """After the barrier, add ``count`` memories; after each, search its exact text (read-your-writes).

    Reports (id, version, id the search returned) per acknowledged add.
    """
    try:
        with open_store(url, index_dir, namespace="shared") as store:
            barrier.wait(timeout=60)
            acks = []
            for step in range(count):
                text = written_text(worker, step)
                record = store.add(text)
                hits = store.search(text, k=1)
                acks.append((record.id, record.version, hits[0].memory.id if hits else None))
        results.put((worker, acks, None))
    except BaseException:  # noqa: BLE001 (the parent must see a child's failure, whatever it is)
        results.put((worker, None, traceback.format_exc()))


def answer_commands(url: str, index_dir: Path, worker: int, commands: Connection) -> None:
    """Serve ``("add", text)`` → the new id and ``("recall", text)`` → the ids recall returns, until ``None``."""
    with open_store(url, index_dir, namespace="shared") as store:
        commands.send("ready")
        while (command := commands.recv()) is not None:
            verb, text = command
            try:
                if verb == "add":
                    commands.send(store.add(text).id)
                else:
                    commands.send([m.memory.id for m in store.recall(text, k=3).memories])
            except BaseException:  # noqa: BLE001 (the parent must see a child's failure, whatever it is)
                commands.send(traceback.format_exc())
