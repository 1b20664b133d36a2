"""The relevance floor: only memories that bear on the query come back, whatever their importance or recency."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from agentmem import ConfigError, HashingEmbedder, MemoryStore, RecallConfig

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
RELEVANT = "the staging server listens on port 8443"
QUERY = "which port does the staging server listen on"


def _store(path: Path, floor: float | None) -> MemoryStore:
    return MemoryStore.open(
        path, embedder=HashingEmbedder(256), clock=lambda: NOW, recall=RecallConfig(min_relevance=floor)
    )


def test_importance_and_recency_never_lift_an_irrelevant_memory_into_the_block(tmp_path: Path) -> None:
    with _store(tmp_path / "m.db", 0.3) as store:
        store.add(RELEVANT, importance=0.1)
        for i in range(30):
            store.add(f"bananas are yellow and grow in bunches number {i}", importance=1.0)
        block = store.recall(QUERY)
        assert [m.memory.text for m in block.memories] == [RELEVANT]
        assert all(m.relevance >= 0.3 for m in store.retrieve(QUERY, k=10))
        everything = store.retrieve(QUERY, k=10)
        assert len(everything) == 1


def test_the_block_is_empty_when_nothing_is_relevant(tmp_path: Path) -> None:
    with _store(tmp_path / "m.db", 0.3) as store:
        store.add_many([f"bananas are yellow and grow in bunches number {i}" for i in range(5)])
        block = store.recall("the boiling point of mercury in kelvin")
        assert block.memories == () and block.text == "" and block.tokens == 0


def test_no_floor_fills_the_block_and_the_floor_keeps_the_ranking_of_what_passes(tmp_path: Path) -> None:
    with _store(tmp_path / "none.db", None) as store:
        store.add(RELEVANT)
        store.add_many([f"bananas are yellow and grow in bunches number {i}" for i in range(20)])
        unfloored = store.retrieve(QUERY, k=10)
    assert len(unfloored) == 10
    with _store(tmp_path / "floor.db", 0.05) as store:
        store.add(RELEVANT)
        store.add_many([f"bananas are yellow and grow in bunches number {i}" for i in range(20)])
        floored = store.retrieve(QUERY, k=10)
    passing = [m.memory.text for m in unfloored if m.relevance >= 0.05]
    assert [m.memory.text for m in floored][: len(passing)] == passing


def test_search_has_no_floor(tmp_path: Path) -> None:
    with _store(tmp_path / "m.db", 0.9) as store:
        store.add_many(["bananas are yellow", "apples are red"])
        assert len(store.search("the boiling point of mercury", k=2)) == 2
        assert store.retrieve("the boiling point of mercury", k=2) == []


@pytest.mark.parametrize("bad", [-0.1, 1.5, True])
def test_min_relevance_is_validated(bad: object) -> None:
    with pytest.raises(ConfigError):
        RecallConfig(min_relevance=bad)  # type: ignore[arg-type]
