"""SIGKILL campaign: a child runs a seeded random mix of every operation and is killed at a random moment.

After each kill the parent reopens the database (the index file is loaded and replayed, or rebuilt) and
checks what the child acknowledged before it died: every acknowledged memory is there with its text, no
acknowledged deletion came back, a deletion in flight happened whole or not at all, no access count went
back, the index holds what SQL holds, and an exact-text search of an acknowledged memory returns that
memory, never another one. Then the next child carries on with the same database. CI runs a bounded
number of kills; ``AGENTMEM_CAMPAIGN=long`` runs many more (``AGENTMEM_CAMPAIGN_SEED`` picks the seed).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from agentmem import MemoryFilter
from tests.campaigns import figures, workers
from tests.campaigns.mixed_operations import OPERATIONS, live_until_killed
from tests.campaigns.processes import CONTEXT, LONG, start

SEED = int(os.environ.get("AGENTMEM_CAMPAIGN_SEED", "19"))
LIFETIME = 0.5
"""At most this many seconds between a child's open and its kill."""
OPENING_KILLS = 0.2
"""The share of lives timed from the child's start instead (so some die while opening)."""
OPEN_TIMEOUT = 60.0
CHECKED_PER_KILL = 24


class Ledger:
    """What the children acknowledged, as the parent received it."""

    def __init__(self) -> None:
        self.acknowledged: dict[int, str] = {}  # written, not since deleted
        self.deleted: set[int] = set()  # acknowledged as deleted: must never come back
        self.in_flight: list[int] = []  # a deletion begun, not acknowledged
        self.recent: list[int] = []  # acknowledged by the last child (the ones most at risk)
        self.writes = 0
        self.memories = 0
        self.accesses: dict[int, int] = {}  # the access count each memory had at the last check
        self.killed_in: Counter[str] = Counter()

    def receive(self, message: tuple[Any, ...]) -> str:
        kind, op, *rest = message
        if kind == "error":
            raise AssertionError(f"the child failed:\n{op}")
        if kind == "begin":
            self.in_flight = [*self.in_flight, *rest[0]] if op in ("forget", "prune") and rest[0] else self.in_flight
            return str(op)
        if kind == "done":
            added, deleted = rest
            self.acknowledged.update(added)
            self.memories += len(added)
            self.recent.extend(i for i, _ in added)
            for memory_id in deleted:
                self.acknowledged.pop(memory_id, None)
                self.deleted.add(memory_id)
            self.in_flight = []
            self.writes += op not in ("recall", "retrieve", "checkpoint", "close")
        return ""


def _live(db_url: str, index_dir: Path, life: int, ledger: Ledger, rng: random.Random) -> int:
    """Start a child, let it run a random time, SIGKILL it; returns its exit code."""
    ours, theirs = CONTEXT.Pipe(duplex=False)
    child = start(live_until_killed, db_url, index_dir, SEED, life, theirs)
    theirs.close()
    ledger.recent = []
    running = "opening"
    # Most lives are timed from the open, so most kills land in operations; the rest from the start.
    lifetime = rng.uniform(0.0, LIFETIME)
    deadline = time.monotonic() + lifetime if rng.random() < OPENING_KILLS else None
    try:
        while (left := (deadline or time.monotonic() + OPEN_TIMEOUT) - time.monotonic()) > 0 and ours.poll(left):
            running = ledger.receive(ours.recv()) or running
            if deadline is None and running != "opening":
                deadline = time.monotonic() + lifetime
    except EOFError:
        pass  # the child ended by itself: its exit code tells
    os.kill(child.pid or 0, signal.SIGKILL)
    child.join(30)
    running = _drain(ours, ledger, running)
    ledger.killed_in[running] += 1
    return child.exitcode if child.exitcode is not None else 0


def _drain(ours: Connection, ledger: Ledger, running: str) -> str:
    """Receive what the child sent before it died (a message cut by the kill was never acknowledged)."""
    try:
        while ours.poll(0):
            running = ledger.receive(ours.recv()) or running
    except (EOFError, OSError):
        pass
    ours.close()
    return running


def _check(db_url: str, index_dir: Path, ledger: Ledger, rng: random.Random) -> tuple[int, int, int]:
    """Reopen and check the ledger; returns (lost, wrong answers, searches)."""
    with workers.open_store(db_url, index_dir) as store:
        stored = {m.id: m for m in store.list_memories(where=MemoryFilter(include_archived=True), limit=10**7)}
        # A deletion in flight is one transaction: all of its memories are gone, or none.
        gone = [i for i in ledger.in_flight if i not in stored]
        assert gone in ([], ledger.in_flight), f"a deletion was torn: {gone} of {ledger.in_flight} gone"
        for memory_id in gone:
            ledger.acknowledged.pop(memory_id, None)
            ledger.deleted.add(memory_id)
        ledger.in_flight = []
        lost = sum(stored[i].text != t if i in stored else 1 for i, t in ledger.acknowledged.items())
        lost += len(ledger.deleted & stored.keys())  # a deletion undone is a write lost too
        # Accesses are written behind: a kill may lose the last unflushed ones, never undo flushed ones.
        backwards = [i for i, m in stored.items() if m.access_count < ledger.accesses.get(i, 0)]
        assert not backwards, f"access counts went back after a kill: {backwards}"
        ledger.accesses = {i: m.access_count for i, m in stored.items()}
        stats = store.stats()
        in_sync = (stats.index_vectors, stats.index_version) == (stats.vectors, stats.version)
        assert in_sync, f"the index holds {stats.index_vectors} vectors at {stats.index_version}, SQL {stats}"

        active = {i for i, m in stored.items() if m.status == "active"}
        texts = Counter(stored[i].text for i in active)
        candidates = [i for i in ledger.acknowledged if i in active]
        recent = [i for i in ledger.recent if i in active]
        sample = recent[-CHECKED_PER_KILL // 2 :] + rng.sample(candidates, min(CHECKED_PER_KILL // 2, len(candidates)))
        wrong = 0
        for memory_id in sample:
            text = stored[memory_id].text
            hits = store.search(text, k=1)
            # Another active memory with the very same text (a reflection can repeat a source) may tie.
            wrong += not hits or (hits[0].memory.id != memory_id and (texts[text] == 1 or hits[0].memory.text != text))
    return lost, wrong, len(sample)


def _campaign(db_url: str, index_dir: Path, kills: int, backend: str) -> None:
    workers.open_store(db_url, index_dir).close()
    rng, ledger = random.Random(SEED), Ledger()
    lost = wrong = searches = 0
    for life in range(kills):
        code = _live(db_url, index_dir, life, ledger, rng)
        assert code == -signal.SIGKILL, f"life {life} (seed {SEED}) ended with {code}, not by the kill"
        lost_now, wrong_now, searched = _check(db_url, index_dir, ledger, rng)
        lost, wrong, searches = lost + lost_now, wrong + wrong_now, searches + searched
        assert (lost_now, wrong_now) == (0, 0), f"after kill {life + 1} (seed {SEED}): lost {lost}, wrong {wrong}"
    figures.add(
        f"sigkill/{backend}",
        kills=kills,
        acknowledged_writes=ledger.writes,
        acknowledged_memories=ledger.memories,
        lost=lost,
        wrong_answers=wrong,
        exact_searches=searches,
        **{f"killed_during_{op}": ledger.killed_in[op] for op in ["opening", *OPERATIONS]},
    )


LONG_TIMEOUT = pytest.mark.timeout(3600 if LONG else 600)


@LONG_TIMEOUT
def test_sigkill_at_random_moments_of_every_operation_loses_nothing_on_sqlite(tmp_path: Path) -> None:
    _campaign(str(tmp_path / "campaign.db"), tmp_path, 1000 if LONG else 80, "sqlite")


@LONG_TIMEOUT
def test_sigkill_at_random_moments_of_every_operation_loses_nothing_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    _campaign(postgres_url, tmp_path, 300 if LONG else 40, "postgres")
