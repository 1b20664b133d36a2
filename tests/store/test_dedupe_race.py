"""Deduplication is race-free: processes adding the same texts at once store each text once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from agentmem import HashingEmbedder, MemoryFilter, MemoryStore

TEXTS = [f"fact {i}: the parcel for flat {i} is at the front desk" for i in range(21)]
BATCH = [f"note {i}: the lift on floor {i} is out of order" for i in range(21)]

# The processes add text i at the same moment (start + i/4 s), one transaction each, then the same batch of
# 21 other texts at the same moment.
WRITER = """
import sys, time
from agentmem import HashingEmbedder, MemoryStore
url, index_dir, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
texts = [f"fact {i}: the parcel for flat {i} is at the front desk" for i in range(21)]
batch = [f"note {i}: the lift on floor {i} is out of order" for i in range(21)]
with MemoryStore.open(url, namespace="race", embedder=HashingEmbedder(64), index_dir=index_dir) as store:
    store.add("warm-up: open the connection first")
    for i, text in enumerate(texts):  # one at a time, then all of them in one batch
        while time.time() < start + 0.25 * i:
            time.sleep(0.0005)
        store.add(text)
    while time.time() < start + 0.25 * len(texts):
        time.sleep(0.0005)
    store.add_many(batch)
"""


def test_four_processes_adding_the_same_texts_store_each_once(db_url: str, tmp_path: Path) -> None:
    with MemoryStore.open(db_url, namespace="race", embedder=HashingEmbedder(64), index_dir=tmp_path / "0") as s:
        s.add("the namespace exists before the race")  # creating it is another race (issue 19, defect 10)
    start = time.time() + 3.0
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, str(tmp_path / f"p{n}"), str(start)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for w in writers:
        _, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    with MemoryStore.open(db_url, namespace="race", embedder=HashingEmbedder(64), index_dir=tmp_path / "0") as s:
        stored = [r.text for r in s.list_memories(where=MemoryFilter(include_archived=True), limit=1000)]
        assert sorted(t for t in stored if t.startswith("fact ")) == sorted(TEXTS)  # 21 rows, not 25
        assert sorted(t for t in stored if t.startswith("note ")) == sorted(BATCH)
        counts = {r.text: r.access_count for r in s.list_memories(limit=1000)}
        # Each text was added 4 times: stored once and strengthened by the 3 other processes.
        assert all(counts[t] == 3 for t in TEXTS + BATCH), counts
        assert [h.memory.text for h in s.search(TEXTS[7], k=1)] == [TEXTS[7]]
