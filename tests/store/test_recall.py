"""Recall through the store: scoring, filters, hybrid search, access tracking, prompt budgets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentmem import ConfigError, HashingEmbedder, MemoryFilter, MemoryStore, NewMemory, RecallConfig
from agentmem.config import Scoring
from agentmem.ranking.scoring import explain
from agentmem.text.tokens import default_tokenizer

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(db_url: str, tmp_path: Path, index_kind: str) -> MemoryStore:
    s = MemoryStore.open(
        db_url,
        namespace="agent",
        embedder=HashingEmbedder(128),
        index=index_kind,
        index_dir=tmp_path / "i",
        clock=lambda: NOW,
    )
    yield s
    s.close()


def test_important_old_beats_trivial_recent_and_recent_beats_old(store: MemoryStore) -> None:
    scoring = Scoring(relevance=1.0, recency=0.5, importance=1.0, half_life=timedelta(days=7))
    old_important = store.add("the reactor coolant pump failed", importance=1.0, created_at=NOW - timedelta(days=60))
    recent_trivial = store.add("the reactor coolant pump hummed", importance=0.05, created_at=NOW - timedelta(hours=1))
    ranked = store.retrieve("reactor coolant pump", k=2, scoring=scoring)
    assert [m.memory.id for m in ranked] == [old_important.id, recent_trivial.id]

    other = store.with_namespace("twins")
    # Different case, so not a duplicate to fold, but the same vector (the hashing embedder lower-cases).
    old = other.add("Meeting with Dana about the budget", importance=0.5, created_at=NOW - timedelta(days=30))
    recent = other.add("meeting with Dana about the budget", importance=0.5, created_at=NOW - timedelta(hours=2))
    ranked = other.retrieve("meeting with Dana about the budget", k=2, scoring=scoring)
    assert [m.memory.id for m in ranked] == [recent.id, old.id]
    assert ranked[0].relevance == pytest.approx(ranked[1].relevance)
    assert ranked[0].recency > ranked[1].recency


def test_components_add_up_and_explain_says_why(store: MemoryStore) -> None:
    store.add("gate B12 at 09:40", importance=0.8, created_at=NOW - timedelta(days=30))
    scoring = Scoring(relevance=1.0, recency=0.2, importance=0.3, half_life=timedelta(days=30))
    (best,) = store.retrieve("gate B12", k=1, scoring=scoring)
    assert best.recency == pytest.approx(0.5)
    assert best.importance == pytest.approx(0.8)
    assert best.score == pytest.approx(best.relevance + 0.2 * 0.5 + 0.3 * 0.8)
    assert "recency 0.50" in explain(best, scoring) and "importance 0.80" in explain(best, scoring)


def test_filters_restrict_before_scoring(store: MemoryStore) -> None:
    store.add_many(
        [
            NewMemory("plan: book the hotel", kind="plan", metadata={"trip": "lisbon", "day": 1}),
            NewMemory(
                "observed: hotel is full", metadata={"trip": "lisbon", "day": 2}, created_at=NOW - timedelta(days=9)
            ),
            NewMemory("observed: hotel in Porto", metadata={"trip": "porto", "day": 1, "ok": True}),
        ]
    )

    def texts(where: MemoryFilter) -> set[str]:
        return {m.memory.text for m in store.retrieve("hotel", k=10, where=where)}

    assert texts(MemoryFilter(kinds=("plan",))) == {"plan: book the hotel"}
    assert texts(MemoryFilter(metadata={"trip": "lisbon"})) == {"plan: book the hotel", "observed: hotel is full"}
    assert texts(MemoryFilter(metadata={"trip": ["porto", "rome"]})) == {"observed: hotel in Porto"}
    assert texts(MemoryFilter(metadata={"day": 2})) == {"observed: hotel is full"}
    assert texts(MemoryFilter(metadata={"ok": True})) == {"observed: hotel in Porto"}
    assert texts(MemoryFilter(created_before=NOW - timedelta(days=1))) == {"observed: hotel is full"}
    assert texts(MemoryFilter(kinds=("plan",), metadata={"trip": "porto"})) == set()
    with pytest.raises(ConfigError, match="metadata filter"):
        texts(MemoryFilter(metadata={"trip": {"nested": 1}}))


def test_recall_records_access_in_one_batch(store: MemoryStore) -> None:
    a, b, _ = store.add_many(["apples are red", "apples are green", "the sky is blue"])
    later = NOW + timedelta(days=3)
    block = store.recall("apples", token_budget=200, k=2, now=later)
    assert {m.memory.id for m in block.memories} == {a.id, b.id}
    for memory_id in (a.id, b.id):
        got = store.get(memory_id)
        assert (got.last_accessed_at, got.access_count) == (later, 1)
    assert store.stats().version == 2  # one add_many, one touch
    store.recall("apples", token_budget=200, k=2, now=later, touch=False)
    assert store.get(a.id).access_count == 1
    # The replica sees the new access time: recency of a touched memory is now 1.
    ranked = store.retrieve("apples are red", k=1, now=later)
    assert ranked[0].recency == pytest.approx(1.0)


def test_recall_block_is_rendered_and_within_budget(store: MemoryStore) -> None:
    store.add(
        "Alice's flight to Lisbon leaves Friday at 09:40", created_at=datetime(2024, 5, 8, 13, 56, tzinfo=timezone.utc)
    )
    store.add("Alice's flight to Lisbon leaves Friday at 09:40")  # an exact repeat strengthens the first
    block = store.recall("flight to Lisbon", token_budget=60)
    assert block.text.splitlines() == [
        "Relevant memories:",
        "- [2024-05-08 13:56] (observation) Alice's flight to Lisbon leaves Friday at 09:40",
    ]
    assert len(block.memories) == 1
    assert block.tokens == default_tokenizer().count(block.text) <= 60
    assert store.recall("flight", token_budget=0).text == ""


def test_archived_memories_only_with_include_archived(tmp_path: Path) -> None:
    with MemoryStore.open(tmp_path / "a.db", embedder=HashingEmbedder(64), clock=lambda: NOW) as store:
        kept, archived = store.add_many(["the blue notebook", "the blue notebook was lost"])
        from sqlalchemy import text

        with store._db.repository.engine.begin() as conn:  # archive as reflection will, bumping the version
            conn.execute(text("UPDATE agentmem_namespaces SET version = version + 1"))
            conn.execute(
                text(
                    "UPDATE agentmem_memories SET status='archived', "
                    "version=(SELECT version FROM agentmem_namespaces) WHERE id=:i"
                ),
                {"i": archived.id},
            )
        assert [m.memory.id for m in store.retrieve("blue notebook lost", k=5)] == [kept.id]
        both = store.retrieve("blue notebook lost", k=5, where=MemoryFilter(include_archived=True))
        assert {m.memory.id for m in both} == {kept.id, archived.id}
        # Archived memories are ranked from SQL's rows, creation time included.
        dated = store.retrieve(f"blue notebook on {NOW:%B %d, %Y}", k=5, where=MemoryFilter(include_archived=True))
        assert min(m.relevance for m in dated) > 0.2
        assert store.stats().archived == 1


def _opened(store: MemoryStore, text: str, when: datetime) -> int:
    return store.add(text, importance=0.5, created_at=when).id


def test_a_query_naming_a_time_favours_the_memories_created_then(store: MemoryStore) -> None:
    # Without the date the January memory and the one just after May come first; the date points at May.
    january = _opened(store, "Dave opened a bakery", datetime(2023, 1, 20, tzinfo=timezone.utc))
    may = _opened(store, "Dave opened his car shop", datetime(2023, 5, 20, 15, tzinfo=timezone.utc))
    late = _opened(store, "Dave opened a garage", datetime(2023, 6, 1, 13, tzinfo=timezone.utc))  # past the slack
    edge = _opened(store, "Dave opened a kiosk", datetime(2023, 5, 31, 23, 30, tzinfo=timezone.utc))
    undated = store.retrieve("what did Dave open?", k=4)
    assert [m.memory.id for m in undated[:2]] == [january, late]
    dated = store.retrieve("what did Dave open in May 2023?", k=4)
    assert {m.memory.id for m in dated[:2]} == {may, edge}
    by_id = {m.memory.id: m for m in dated}
    # Relevance takes the time share: (1 - 0.2) * (what the words give) + 0.2 for memories made then.
    assert by_id[may].relevance > 0.2 and by_id[late].relevance < by_id[edge].relevance
    yesterday = _opened(store, "Dave opened a window", NOW - timedelta(days=1))
    assert store.retrieve("what did Dave open yesterday?", k=1)[0].memory.id == yesterday


def test_time_weight_zero_ignores_the_times_queries_name(tmp_path: Path) -> None:
    recall = RecallConfig(time_weight=0.0)
    with MemoryStore.open(tmp_path / "t.db", embedder=HashingEmbedder(64), clock=lambda: NOW, recall=recall) as store:
        january = _opened(store, "Dave opened a bakery", datetime(2023, 1, 20, tzinfo=timezone.utc))
        _opened(store, "Dave opened his car shop", datetime(2023, 5, 20, tzinfo=timezone.utc))
        assert store.retrieve("what did Dave open in May 2023?", k=1)[0].memory.id == january
    bads: list[dict[str, Any]] = [{"time_weight": 1.0}, {"time_weight": -0.1}, {"time_slack": timedelta(hours=-1)}]
    for bad in bads:
        with pytest.raises(ConfigError, match="time_"):
            RecallConfig(**bad)


def test_bad_recall_arguments(store: MemoryStore) -> None:
    store.add("something")
    with pytest.raises(ConfigError):
        store.recall("something", token_budget=-1)
    with pytest.raises(ConfigError):
        store.retrieve("something", k=0)
    with pytest.raises(ConfigError):
        store.retrieve("   ")


WORDS = st.sampled_from(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "flight",
        "hotel",
        "Lisbon",
        "09:40",
        "café",
        "naïve",
        "東京",
        "budget",
        "meeting",
    ]
)
TEXTS = st.lists(st.lists(WORDS, min_size=1, max_size=60).map(" ".join), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=TEXTS, budget=st.integers(min_value=0, max_value=300), query=WORDS)
def test_recall_never_exceeds_the_budget(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], budget: int, query: str
) -> None:
    folder = tmp_path_factory.mktemp("budget")
    # The budget, not the floor, is under test: fill it.
    unfloored = RecallConfig(min_relevance=None, relative_relevance=None)
    with MemoryStore.open(folder / "b.db", embedder=HashingEmbedder(32), clock=lambda: NOW, recall=unfloored) as store:
        store.add_many(texts)
        block = store.recall(query, token_budget=budget, hybrid=True)
        assert block.tokens <= budget
        assert block.tokens == default_tokenizer().count(block.text)
        if budget >= 200:
            assert block.memories


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a_texts=TEXTS,
    b_texts=TEXTS,
    query=WORDS,
    hybrid=st.booleans(),
    kinds=st.sampled_from([None, ("observation",), ("plan",)]),
)
def test_a_namespace_never_returns_another_namespaces_memories(
    tmp_path_factory: pytest.TempPathFactory,
    a_texts: list[str],
    b_texts: list[str],
    query: str,
    hybrid: bool,
    kinds: tuple[str, ...] | None,
) -> None:
    folder = tmp_path_factory.mktemp("iso")
    with MemoryStore.open(folder / "i.db", namespace="a", embedder=HashingEmbedder(32), clock=lambda: NOW) as a:
        b = a.with_namespace("b")
        a_ids = {r.id for r in a.add_many(a_texts)}
        b.add_many([NewMemory(t, kind="plan") for t in b_texts])
        where = MemoryFilter(kinds=kinds, include_archived=True)
        for result in (
            a.retrieve(query, k=50, hybrid=hybrid, where=where),
            a.recall(query, token_budget=2000, hybrid=hybrid, where=where).memories,
        ):
            assert {m.memory.id for m in result} <= a_ids
            assert all(m.memory.namespace == "a" for m in result)
