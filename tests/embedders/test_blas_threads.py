"""numpy's BLAS thread count around agentmem's calls: set for each block and given back in the same thread, one
block at a time across threads (checked in fresh processes: the count is process-global)."""

from __future__ import annotations

import json
import subprocess
import sys

_PRELUDE = r"""
import json, threading
import numpy  # its BLAS loaded, so that the host can set its count
from threadpoolctl import ThreadpoolController, threadpool_limits

def blas():  # numpy's own BLAS (FAISS's, loaded later, follows the OpenMP count agentmem's index sets)
    pools = ThreadpoolController().info()
    return sorted({p["num_threads"] for p in pools if p["user_api"] == "blas" and "numpy" in p["filepath"]})

threadpool_limits(2, user_api="blas")  # the host's own choice (this machine has 2 cores)
"""

_OVERLAP = r"""
from agentmem.embedders.threads import blas_threads

# OpenBLAS reports its count reliably to the main thread only: every reading is taken there.
seen = {}
entered = threading.Event()

def other():
    with blas_threads(2):
        entered.set()

with blas_threads(1):
    worker = threading.Thread(target=other)
    worker.start()
    seen["other_waits"] = not entered.wait(0.3)
    with blas_threads(2):
        seen["nested"] = blas()
    seen["nested_left"] = blas()
worker.join()
seen["other_ran"] = entered.is_set()
seen["after"] = blas()
print(json.dumps(seen))
"""

_RECALL = r"""
import numpy as np
from agentmem import HashingEmbedder, MemoryStore
from agentmem.ranking import paths

inside = []
rank = paths.rank
def spy(*args, **kwargs):
    inside.append(blas())
    return rank(*args, **kwargs)
paths.rank = spy
import agentmem.store.recalling as recalling
recalling.rank = spy

with MemoryStore.open(":memory:", embedder=HashingEmbedder(32)) as store:
    store.add_many([f"note number {i} about the garden" for i in range(50)])
    store.retrieve("the garden", k=3)
print(json.dumps({"inside": inside, "after": blas()}))
"""


def _run(script: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _PRELUDE + script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_blocks_run_one_at_a_time_nest_in_one_thread_and_give_the_hosts_count_back() -> None:
    seen = _run(_OVERLAP)

    assert seen == {"other_waits": True, "nested": [2], "nested_left": [1], "other_ran": True, "after": [2]}


def test_a_recall_ranks_on_one_blas_thread_and_leaves_the_hosts_count() -> None:
    seen = _run(_RECALL)

    assert seen["inside"] and all(count == [1] for count in seen["inside"])  # type: ignore[union-attr]
    assert seen["after"] == [2]


_WRITE_AND_RECALL = r"""
import os, time
from agentmem import HashingEmbedder, MemoryStore
from agentmem.embedders.threads import blas_threads

adding = threading.Event()

class BlasEmbedder(HashingEmbedder):
    # As the bundled model does: each encode runs in a BLAS block. A write embeds holding the database's lock;
    # it waits there long enough for a recall in another thread to reach its ranking.
    def embed(self, texts):
        if threading.current_thread().name == "writer":
            adding.set()
            time.sleep(0.3)
        with blas_threads(1):
            return super().embed(texts)

with MemoryStore.open(":memory:", embedder=BlasEmbedder(32)) as store:
    store.add_many([f"note number {i} about the garden" for i in range(20)])
    writer = threading.Thread(target=lambda: store.add("a new note about the shed"), name="writer", daemon=True)
    reader = threading.Thread(target=lambda: (adding.wait(), store.retrieve("the garden", k=3)), name="reader",
                              daemon=True)
    writer.start()
    reader.start()
    writer.join(20)
    reader.join(20)
    stuck = [t.name for t in (writer, reader) if t.is_alive()]
    print(json.dumps({"stuck": stuck}), flush=True)
    if stuck:
        os._exit(0)  # closing would wait for the stuck threads' locks
    print(json.dumps({"stuck": stuck, "active": store.stats().active}))
"""


def test_a_recall_ranking_while_a_write_embeds_under_the_database_lock_does_not_deadlock() -> None:
    seen = _run(_WRITE_AND_RECALL)

    assert seen == {"stuck": [], "active": 21}
