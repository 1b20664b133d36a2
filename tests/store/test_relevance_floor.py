"""The relevance floor: only memories that bear on the query come back, whatever their importance or recency."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from agentmem import ConfigError, HashingEmbedder, MemoryStore, NewMemory, RecallConfig, RelevanceFloor

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
RELEVANT = "the staging server listens on port 8443"
QUERY = "which port does the staging server listen on"


def _store(path: Path, floor: float | None, *, relative: float | None = None, after: int = 0) -> MemoryStore:
    recall = RecallConfig(min_relevance=floor, relative_relevance=relative, relative_after=after)
    return MemoryStore.open(path, embedder=HashingEmbedder(256), clock=lambda: NOW, recall=recall)


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
    with pytest.raises(ConfigError):
        RecallConfig(relative_relevance=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_relative_after_is_validated(bad: object) -> None:
    with pytest.raises(ConfigError):
        RecallConfig(relative_after=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("floor", "relevances", "kept"),
    [
        (RelevanceFloor(), [0.9, 0.1, 0.0], [True, True, True]),
        (RelevanceFloor(0.3), [0.9, 0.31, 0.29], [True, True, False]),
        (RelevanceFloor(None, 0.5), [0.8, 0.41, 0.39], [True, True, False]),
        # The first `after` memories above the absolute floor are left alone; later ones need half the best.
        (RelevanceFloor(0.3, 0.5, 2), [0.8, 0.2, 0.35, 0.34, 0.5, 0.39], [True, False, True, False, True, False]),
        (RelevanceFloor(0.3, 0.5, 10), [0.8, 0.35, 0.31], [True, True, True]),
        (RelevanceFloor(0.3, 0.5, 1), [], []),
    ],
)
def test_the_floor_cuts_by_absolute_relevance_then_by_share_of_the_best(
    floor: RelevanceFloor, relevances: list[float], kept: list[bool]
) -> None:
    assert [why is None for why in floor.reasons(relevances)] == kept


def test_the_floor_says_why_it_cuts() -> None:
    assert RelevanceFloor(0.3, 0.5, 1).reasons([0.8, 0.29, 0.39]) == [
        None,
        "relevance 0.290 < floor 0.30",
        "relevance 0.390 < 0.50 x the best 0.800 (beyond the first 1)",
    ]
    assert RelevanceFloor.of(RecallConfig()) == RelevanceFloor(0.3, 0.5, 5)


def test_the_relative_floor_ends_the_block_where_memories_turn_weak(tmp_path: Path) -> None:
    weak = [f"a server somewhere number {i}" for i in range(8)]
    with _store(tmp_path / "none.db", None) as store:
        store.add(RELEVANT)
        store.add_many([NewMemory(text, importance=1.0) for text in weak])
        unfloored = store.retrieve(QUERY, k=9)
    best = unfloored[0]
    assert best.memory.text == RELEVANT and len(unfloored) == 9
    share = 0.5 * best.relevance
    strong = [m.memory.text for m in unfloored[1:] if m.relevance >= share]
    assert len(strong) < 8  # some are below half the best: the floor has something to cut
    with _store(tmp_path / "relative.db", None, relative=0.5, after=1) as store:
        store.add(RELEVANT)
        store.add_many([NewMemory(text, importance=1.0) for text in weak])
        block = store.recall(QUERY)
        assert [m.memory.text for m in block.memories] == [RELEVANT, *strong]
        assert len(store.retrieve(QUERY, k=9)) == 1 + len(strong)
