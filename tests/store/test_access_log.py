"""Write-behind access records: shown at once in the process, durable after a flush, never a memory lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agentmem import HashingEmbedder, MemoryStore, NewMemory, RecallConfig

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    f"note {i}: the {word} is in the {place}"
    for i, (word, place) in enumerate(
        [
            ("key", "drawer"),
            ("map", "car"),
            ("ticket", "wallet"),
            ("charger", "bag"),
            ("passport", "safe"),
            ("umbrella", "hall"),
            ("recipe", "book"),
            ("receipt", "folder"),
            ("ring", "box"),
            ("watch", "desk"),
        ]
    )
]

CHILD = r"""
import json, sys, time
from agentmem import HashingEmbedder, MemoryStore, RecallConfig
db, queries = sys.argv[1], json.loads(sys.argv[2])
store = MemoryStore.open(db, embedder=HashingEmbedder(), recall=RecallConfig(
    touch_flush_memories=3, touch_flush_seconds=3600.0, hybrid=False))
returned = [store.recall(q, k=1).memories[0].memory.id for q in queries]
print(json.dumps(returned), flush=True)
time.sleep(600)  # killed here, with accesses queued
"""


def _fill(db: Path) -> list[int]:
    with MemoryStore.open(db, embedder=HashingEmbedder()) as store:
        return [record.id for record in store.add_many([NewMemory(text) for text in TEXTS])]


def test_sigkill_loses_at_most_the_unflushed_accesses_never_a_memory(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    ids = _fill(db)
    queries = [TEXTS[i] for i in (0, 1, 2, 3, 4)]  # five distinct memories; the flush comes at the third
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), json.dumps(queries)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert child.stdout is not None
    returned = json.loads(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    assert returned == ids[:5]
    with MemoryStore.open(db, embedder=HashingEmbedder()) as store:
        records = {r.id: r for r in store.list_memories(limit=100)}
        assert sorted(records) == ids  # every memory intact
        counts = [records[i].access_count for i in ids]
        # The first three were written by the size-bound flush; the last two were queued when it died.
        assert counts == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def test_the_process_sees_an_access_at_once_and_another_after_the_time_bound(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    ids = _fill(db)
    config = RecallConfig(touch_flush_memories=1000, touch_flush_seconds=0.3, hybrid=False)
    with (
        MemoryStore.open(db, embedder=HashingEmbedder(), recall=config) as writer,
        MemoryStore.open(db, embedder=HashingEmbedder()) as other,  # its own engine and replicas: a peer
    ):
        began = time.time()
        for _ in range(3):
            assert writer.recall(TEXTS[5], k=1).memories[0].memory.id == ids[5]
        replica = writer._db.replicas.loaded(writer._binding.row())
        seen = replica.attributes.last_accessed[replica.attributes.ids == ids[5]]
        assert float(seen[0]) >= began - 1  # this process's next recall ranks with the access already

        assert other.get(ids[5]).access_count == 0  # not yet written
        time.sleep(0.4)
        assert other.get(ids[5]).access_count == 0  # no thread writes behind the store's back
        writer.recall(TEXTS[6], k=1)  # past the time bound: this recall writes the queue
        # Three recalls coalesced into one write of three accesses, and the one that flushed.
        assert [other.get(ids[5]).access_count, other.get(ids[6]).access_count] == [3, 1]


def test_close_writes_the_queue(tmp_path: Path) -> None:
    db = tmp_path / "close.db"
    ids = _fill(db)
    config = RecallConfig(touch_flush_memories=1000, touch_flush_seconds=3600.0, hybrid=False)
    with MemoryStore.open(db, embedder=HashingEmbedder(), recall=config) as store:
        store.recall(TEXTS[7], k=1)
        store.recall(TEXTS[8], k=1)
    with MemoryStore.open(db, embedder=HashingEmbedder()) as store:
        assert [store.get(i).access_count for i in (ids[7], ids[8], ids[9])] == [1, 1, 0]
