"""The MemoryStore contract, on SQLite and PostgreSQL, with each vector index kind."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agentmem import (
    ConfigError,
    EmbedderMismatchError,
    HashingEmbedder,
    MemoryNotFoundError,
    MemoryStore,
    NewMemory,
)
from tests.support import CountingEmbedder

T0 = datetime(2024, 5, 8, 13, 56, tzinfo=timezone.utc)


@pytest.fixture
def store(db_url: str, tmp_path: Path, embedder: CountingEmbedder, index_kind: str) -> MemoryStore:
    s = MemoryStore.open(
        db_url,
        namespace="alice",
        embedder=embedder,
        index=index_kind,
        index_dir=tmp_path / "idx",
        clock=lambda: T0,
    )
    yield s
    s.close()


def test_add_then_get_returns_what_was_stored(store: MemoryStore) -> None:
    added = store.add(
        "Alice's flight leaves at 09:40",
        importance=0.9,
        kind="plan",
        metadata={"trip": "lisbon", "n": [1, 2]},
    )
    got = store.get(added.id)
    assert got == added
    assert (got.text, got.kind, got.importance, got.namespace) == (
        "Alice's flight leaves at 09:40",
        "plan",
        0.9,
        "alice",
    )
    assert got.metadata == {"trip": "lisbon", "n": [1, 2]}
    assert got.created_at == T0 and got.last_accessed_at == T0 and got.created_at.tzinfo is not None
    assert (got.status, got.access_count, got.superseded_by) == ("active", 0, None)


def test_add_many_is_one_batch_and_one_version(store: MemoryStore, embedder: CountingEmbedder) -> None:
    when = T0 - timedelta(days=3)
    records = store.add_many(["first", NewMemory("second", importance=0.2, created_at=when), "third"])
    assert [r.text for r in records] == ["first", "second", "third"]
    assert len({r.version for r in records}) == 1
    assert records[1].created_at == when and records[1].importance == 0.2
    assert len(embedder.calls) == 1 and embedder.embedded == 3
    assert store.stats().version == 1


def test_search_ranks_by_similarity_and_sees_every_committed_write(store: MemoryStore) -> None:
    store.add_many(["the cat sat on the mat", "stock prices fell sharply", "rain is expected tomorrow"])
    store.add("a cat sleeping on a mat")
    hits = store.search("cat on the mat", k=2)
    assert [h.memory.text for h in hits] == ["the cat sat on the mat", "a cat sleeping on a mat"]
    assert hits[0].relevance >= hits[1].relevance
    assert len(store.search("anything", k=50)) == 4


def test_forget_removes_text_and_vector(store: MemoryStore) -> None:
    keep, gone = store.add_many(["keep this memory", "forget this memory"])
    store.forget(gone.id)
    with pytest.raises(MemoryNotFoundError) as err:
        store.get(gone.id)
    assert err.value.memory_id == gone.id
    assert [h.memory.id for h in store.search("forget this memory", k=5)] == [keep.id]
    with pytest.raises(MemoryNotFoundError):
        store.forget(gone.id)


def test_namespaces_are_isolated(store: MemoryStore) -> None:
    bob = store.with_namespace("bob")
    mine = store.add("alice's secret plan")
    theirs = bob.add("bob's secret plan")
    assert [h.memory.id for h in store.search("secret plan", k=10)] == [mine.id]
    assert [h.memory.id for h in bob.search("secret plan", k=10)] == [theirs.id]
    with pytest.raises(MemoryNotFoundError):
        bob.get(mine.id)
    with pytest.raises(MemoryNotFoundError):
        bob.forget(mine.id)
    assert store.get(mine.id).text == "alice's secret plan"
    assert sorted(store.namespaces()) == ["alice", "bob"]


def test_same_text_is_embedded_once(store: MemoryStore, embedder: CountingEmbedder) -> None:
    store.add_many(["repeated text", "repeated text", "other"])
    store.add("repeated text")
    store.with_namespace("bob").add("other")
    assert embedder.embedded == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "non-blank"),
        ({"text": "ok", "importance": 1.5}, "importance"),
        ({"text": "ok", "importance": float("nan")}, "importance"),
        ({"text": "ok", "kind": ""}, "kind"),
        ({"text": "ok", "metadata": {"x": object()}}, "JSON"),
        ({"text": "ok", "created_at": datetime(2024, 1, 1)}, "time zone"),
        ({"text": "bad\x00byte"}, "NUL"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(store: MemoryStore, kwargs: dict, message: str) -> None:
    store.add("already here")
    kwargs = dict(kwargs)
    text = kwargs.pop("text")
    with pytest.raises(ConfigError, match=message):
        store.add(text, **kwargs)
    with pytest.raises(ConfigError):
        store.add_many(["valid", NewMemory(text, **kwargs)])
    assert [m.text for m in store.list_memories()] == ["already here"]


def test_search_rejects_bad_queries(store: MemoryStore) -> None:
    with pytest.raises(ConfigError):
        store.search("", k=3)
    with pytest.raises(ConfigError):
        store.search("fine", k=0)
    assert store.search("nothing stored yet", k=3) == []


def test_memories_and_index_survive_reopen(db_url: str, tmp_path: Path, index_kind: str) -> None:
    first = CountingEmbedder()
    with MemoryStore.open(db_url, namespace="a", embedder=first, index=index_kind, index_dir=tmp_path) as s:
        ids = [r.id for r in s.add_many([f"memory number {i} about topic {i % 7}" for i in range(40)])]
        s.search("topic 3", k=1)  # load the index so close() checkpoints it
    second = CountingEmbedder()
    with MemoryStore.open(db_url, namespace="a", embedder=second, index=index_kind, index_dir=tmp_path) as s:
        stats = s.stats()
        assert (stats.active, stats.index_size, stats.index_version) == (40, 40, 1)
        assert second.embedded == 0
        assert s.search("memory number 17 about topic 3", k=1)[0].memory.id == ids[17]


def test_stats_counts_by_kind(store: MemoryStore) -> None:
    store.add_many([NewMemory("a"), NewMemory("b", kind="plan"), NewMemory("c", kind="plan")])
    stats = store.stats()
    assert (stats.namespace, stats.active, stats.archived) == ("alice", 3, 0)
    assert dict(stats.by_kind) == {"observation": 1, "plan": 2}
    assert stats.model_id == "hashing-64" and stats.dimensions == 64
    assert stats.sql_bytes >= 3 * 64 * 4


def test_opening_with_another_embedder_raises_and_keeps_data(db_url: str, tmp_path: Path) -> None:
    with MemoryStore.open(db_url, namespace="n", embedder=HashingEmbedder(384), index_dir=tmp_path) as s:
        kept = s.add("stored with the 384-d model")
    with pytest.raises(EmbedderMismatchError) as err:
        MemoryStore.open(db_url, namespace="n", embedder=HashingEmbedder(64), index_dir=tmp_path)
    assert (err.value.expected_dims, err.value.actual_dims) == (384, 64)
    assert "re-embedded" in str(err.value)
    with MemoryStore.open(db_url, namespace="n", embedder=HashingEmbedder(384), index_dir=tmp_path) as s:
        assert s.get(kept.id).text == "stored with the 384-d model"
        assert s.search("stored with the 384-d model", k=1)[0].memory.id == kept.id


def test_unknown_index_kind_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="index must be one of"):
        MemoryStore.open(tmp_path / "x.db", embedder=HashingEmbedder(), index="annoy")
