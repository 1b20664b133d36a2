"""The SIGKILL campaign's child: a seeded random mix of every operation, run until the parent kills it.

Before an operation that may delete memories the child reports ``("begin", op, ids)`` with the ids it may
delete; after any operation returns, ``("done", op, added, deleted)``: the memories it acknowledged as
written (id, text) and the ids it acknowledged as deleted. One message is one write of a pipe that holds
it whole, so a kill leaves the parent either the whole message or nothing: what the parent received was
acknowledged before the kill.
"""

from __future__ import annotations

import random
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from agentmem import ExportedMemory, MemoryFilter, MemoryPolicy, MemoryStore, NewMemory, ReflectionPolicy
from tests.campaigns.workers import open_store

__all__ = ["OPERATIONS", "live_until_killed"]

ALL = MemoryFilter(include_archived=True)
TOPICS = [
    "the garden roses need water every morning",
    "the train to Lyon leaves from platform nine",
    "the quarterly budget review moved to Friday",
    "the cat refuses the new dry food brand",
    "the backup server disk is almost full",
]
# Low enough that the hashing embedder groups memories of one topic: reflections happen.
POLICY = MemoryPolicy(reflection=ReflectionPolicy(similarity=0.5, min_group=3, max_group=6))


class Life:
    """One child process: its store, its random source, and what it knows of the namespace."""

    def __init__(self, url: str, index_dir: Path, seed: int, life: int, report: Connection) -> None:
        self.url, self.index_dir, self.life, self.report = url, index_dir, life, report
        self.rng = random.Random(f"{seed}/{life}")
        self.step = 0
        self.store = self._open()
        self.texts = {m.id: m.text for m in self.store.list_memories(where=ALL, limit=1_000_000)}

    def _open(self) -> MemoryStore:
        return open_store(self.url, self.index_dir, policy=POLICY)

    def text(self) -> str:
        """A new text: a topic (so reflections find groups) and a word no other text has."""
        self.step += 1
        return f"{self.rng.choice(TOPICS)} (note l{self.life}s{self.step})"

    def known(self, most: int) -> list[int]:
        return self.rng.sample(sorted(self.texts), min(most, len(self.texts)))

    def done(self, op: str, added: Sequence[tuple[int, str]] = (), deleted: Sequence[int] = ()) -> None:
        self.texts.update(added)
        for memory_id in deleted:
            self.texts.pop(memory_id, None)
        self.report.send(("done", op, list(added), list(deleted)))

    # -- the operations ----------------------------------------------------------------------------

    def add(self) -> None:
        record = self.store.add(self.text())
        self.done("add", [(record.id, record.text)])

    def add_many(self) -> None:
        records = self.store.add_many([NewMemory(self.text()) for _ in range(self.rng.randint(2, 12))])
        self.done("add_many", [(r.id, r.text) for r in records])

    def recall(self) -> None:
        for memory_id in self.known(1):
            self.store.recall(self.texts[memory_id], token_budget=self.rng.choice([50, 200, 1000]))
        self.done("recall")

    def retrieve(self) -> None:
        for memory_id in self.known(1):
            self.store.retrieve(self.texts[memory_id], k=5, touch=self.rng.random() < 0.5)
        self.done("retrieve")

    def reflect(self) -> None:
        reflections = self.store.reflect()
        self.done("reflect", [(r.memory.id, r.memory.text) for r in reflections if r.memory is not None])

    def prune(self) -> None:
        hard, now = self.rng.random() < 0.5, self.store.clock()
        keep = max(0, self.store.stats().active - self.rng.randint(1, 5))
        self.store.flush_accesses()  # the dry run and the prune then rank the same retentions
        plan = self.store.prune(max_active=keep, hard=hard, dry_run=True, now=now)
        self.report.send(("begin", "prune", [m.id for m in plan.memories] if hard else []))
        result = self.store.prune(max_active=keep, hard=hard, dry_run=False, now=now)
        self.done("prune", deleted=[m.id for m in result.memories] if hard else [])

    def forget(self) -> None:
        ids = self.known(self.rng.randint(1, 3))
        self.report.send(("begin", "forget", ids))
        self.done("forget", deleted=self.store.forget_many(ids))

    def restore(self) -> None:
        archived = self.store.list_memories(where=ALL, limit=1_000_000)
        ids = [m.id for m in archived if m.status == "archived"]
        self.store.restore(self.rng.sample(ids, min(3, len(ids))))
        self.done("restore")

    def import_(self) -> None:
        templates = self.store.list_memories(limit=1)
        if not templates:
            return self.done("import")
        past = templates[0].created_at - timedelta(days=1)
        items = [  # distinct ids, as an export has (keep_ids=False gives them new ones)
            ExportedMemory(replace(templates[0], id=n, text=self.text(), created_at=past, superseded_by=None))
            for n in range(1, self.rng.randint(2, 6))
        ]
        ids = self.store.import_memories(items, keep_ids=False)
        return self.done("import", [(i, item.record.text) for i, item in zip(ids, items, strict=True)])

    def checkpoint(self) -> None:
        self.store.checkpoint()
        self.done("checkpoint")

    def close(self) -> None:
        self.store.close()
        self.store = self._open()
        self.done("close")


OPERATIONS: dict[str, tuple[int, Callable[[Life], None]]] = {
    "add": (30, Life.add),
    "add_many": (12, Life.add_many),
    "recall": (14, Life.recall),
    "retrieve": (8, Life.retrieve),
    "reflect": (4, Life.reflect),
    "prune": (4, Life.prune),
    "forget": (8, Life.forget),
    "restore": (4, Life.restore),
    "import": (6, Life.import_),
    "checkpoint": (6, Life.checkpoint),
    "close": (4, Life.close),
}
"""Each operation's weight in the mix, and what it runs."""


def live_until_killed(url: str, index_dir: Path, seed: int, life: int, report: Connection) -> None:
    """Open the store and run random operations until killed; an error is reported, never swallowed."""
    try:
        current = Life(url, index_dir, seed, life, report)
        report.send(("opened", "", [], []))
        names, weights = list(OPERATIONS), [w for w, _ in OPERATIONS.values()]
        while True:
            name = current.rng.choices(names, weights)[0]
            report.send(("begin", name, []))
            OPERATIONS[name][1](current)
    except BaseException:  # noqa: BLE001 (the parent must see a child's failure, whatever it is)
        report.send(("error", traceback.format_exc(), [], []))
