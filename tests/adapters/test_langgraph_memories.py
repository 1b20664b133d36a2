"""LangGraph items are agentmem memories: recall, reflection, pruning and the CLI see them, and what
agentmem makes of them (reflections) LangGraph sees in turn. The async API never blocks the event loop."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from agentmem import HashingEmbedder
from agentmem.adapters.langgraph import AgentMemStore
from tests.adapters.langgraph_support import DIMS, embed

ALICE = ("memories", "alice")


def _store(tmp_path: Path) -> AgentMemStore:
    # The CLI's hashing-64 model: the CLI can open the same namespaces.
    return AgentMemStore(tmp_path / "m.db", embedder=HashingEmbedder(64), index={"fields": ["text"]})


def test_items_are_memories_that_recall_and_the_cli_see(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.put(ALICE, "flight", {"text": "Alice flies to Lisbon on Friday at 09:40", "source": "chat"})
    store.put(ALICE, "tea", {"text": "Alice likes green tea"})
    memory = store.memory_for(ALICE)
    assert memory.namespace == "memories/alice"
    block = memory.recall("when does Alice fly to Lisbon", token_budget=40)
    assert block.memories[0].memory.key == "flight" and "Lisbon" in block.text
    assert block.memories[0].memory.metadata["value"]["source"] == "chat"
    store.close()
    cli = [sys.executable, "-m", "agentmem", "--db", str(tmp_path / "m.db"), "--model", "hashing-64"]
    shown = subprocess.run(
        [*cli, "--namespace", "memories/alice", "search", "Lisbon flight", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Alice flies to Lisbon" in json.loads(shown.stdout)[0]["memory"]["text"]


def test_reflections_and_pruning_show_through_langgraph(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for n in range(6):
        store.put(ALICE, f"tea-{n}", {"text": f"Alice drank green tea with honey at breakfast on day {n}"})
    store.put(ALICE, "work", {"text": "The quarterly report is due on Monday"})
    reflections = store.memory_for(ALICE).reflect()
    assert reflections and all(r.memory is not None for r in reflections)
    reflection = reflections[0].memory
    assert reflection is not None
    found = store.search(ALICE, query="green tea breakfast honey", limit=3)
    assert found[0].key == f"agentmem:{reflection.id}"
    assert found[0].value["kind"] == "reflection" and "tea" in found[0].value["text"]
    archived = [k for k in (f"tea-{n}" for n in range(6)) if k not in {i.key for i in store.search(ALICE, limit=50)}]
    assert archived  # archived sources leave search...
    assert all(store.get(ALICE, k) is not None for k in archived)  # ...but a get by key still finds them
    store.put(ALICE, found[0].key, {"text": "Alice has green tea every morning"})  # edits the reflection
    assert store.get(ALICE, found[0].key).value == {"text": "Alice has green tea every morning"}
    assert reflection.id not in {m.id for m in store.memory_for(ALICE).list_memories(limit=100)}
    store.delete(ALICE, found[0].key)
    assert store.get(ALICE, found[0].key) is None
    pruned = store.memory_for(ALICE).prune(max_active=1, dry_run=False)
    assert len(store.search(ALICE, limit=50)) == 1 and pruned.applied
    store.close()


def test_abatch_runs_off_the_event_loop(tmp_path: Path) -> None:
    def slow_embed(texts: Sequence[str]) -> list[list[float]]:
        time.sleep(0.4)  # a remote embedding call
        return embed(texts)

    store = AgentMemStore(tmp_path / "m.db", index={"dims": DIMS, "embed": slow_embed, "fields": ["text"]})

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        await store.aput(ALICE, "k", {"text": "an item embedded slowly"})
        hits = await store.asearch(ALICE, query="embedded slowly")
        task.cancel()
        assert [h.key for h in hits] == ["k"]
        return ticks

    assert asyncio.run(main()) >= 30  # the loop kept running through 0.8 s of embedding
    store.close()


def test_an_async_embedding_function_works_from_both_apis(tmp_path: Path) -> None:
    async def aembed(texts: Sequence[str]) -> list[list[float]]:
        await asyncio.sleep(0)
        return embed(texts)

    store = AgentMemStore(tmp_path / "m.db", index={"dims": DIMS, "embed": aembed, "fields": ["text"]})
    store.put(ALICE, "sync", {"text": "stored through the sync api"})
    asyncio.run(store.aput(ALICE, "async", {"text": "stored through the async api"}))
    assert [i.key for i in store.search(ALICE, query="sync api", limit=1)] == ["sync"]
    assert store.memory.embedder.model_id.endswith("aembed")
    store.close()


def test_conflicting_construction_is_refused(tmp_path: Path) -> None:
    import pytest

    from agentmem import ConfigError, MemoryStore

    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(64)) as memory:
        with pytest.raises(ConfigError, match="open MemoryStore"):
            AgentMemStore(memory, index={"dims": DIMS, "embed": embed})
        with pytest.raises(ConfigError, match="dims=32"):
            AgentMemStore(memory, index={"dims": 32})
        shared = AgentMemStore(memory, index={"fields": ["text"]})
        shared.put(ALICE, "k", {"text": "through an open MemoryStore"})
        shared.close()  # leaves the caller's store open
        assert memory.with_namespace("memories/alice").get_by_keys(["k"])["k"].key == "k"
    with pytest.raises(ConfigError, match="needs 'dims'"):
        AgentMemStore(tmp_path / "n.db", index={"embed": embed})
    with pytest.raises(ConfigError, match="model_id"):
        AgentMemStore(tmp_path / "n.db", model_id="x")
