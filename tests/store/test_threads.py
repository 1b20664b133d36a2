"""One store used from several threads at once (as a server's worker threads use it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from agentmem import HashingEmbedder, MemoryStore

THREADS = 4
PER_THREAD = 15


def test_threads_add_and_recall_through_one_store(db_url: str) -> None:
    with MemoryStore.open(db_url, embedder=HashingEmbedder(64)) as store:
        store.add("opened in the main thread")  # its connection goes back to the pool for the workers

        def work(worker: int) -> list[int]:
            seen = []
            for i in range(PER_THREAD):
                store.add(f"worker {worker} step {i} saw a red door")
                block = store.recall(f"what did worker {worker} see at step {i}?", token_budget=200)
                seen.append(len(block.memories))
            return seen

        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(work, range(THREADS)))

        assert all(all(n >= 1 for n in seen) for seen in results)
        assert store.stats().active == 1 + THREADS * PER_THREAD
        texts = {m.text for m in store.list_memories(limit=1000)}
        assert {f"worker {w} step {i} saw a red door" for w in range(THREADS) for i in range(PER_THREAD)} <= texts
