"""Keyed memories: replaced by key in one transaction, found by key, never folded as duplicates."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agentmem import ConfigError, MemoryStore, NewMemory
from agentmem.store.jsonl import read_jsonl, write_jsonl
from tests.support import CountingEmbedder

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def store(db_url: str, tmp_path: Path, embedder: CountingEmbedder, clock: StepClock) -> MemoryStore:
    s = MemoryStore.open(db_url, namespace="kv", embedder=embedder, index_dir=tmp_path / "idx", clock=clock)
    yield s
    s.close()


def test_a_key_replaces_its_memory_in_place_of_the_old_one(store: MemoryStore, clock: StepClock) -> None:
    first = store.add_many([NewMemory("Alice likes green tea", key="pref")])[0]
    clock.now = T0 + timedelta(hours=1)
    second = store.add_many([NewMemory("Alice likes black coffee", key="pref", metadata={"v": 2})])[0]
    assert second.id != first.id and second.key == "pref"
    assert second.created_at == T0  # the first write's time is kept
    assert second.last_accessed_at == T0 + timedelta(hours=1)  # the replacement is its last access
    found = store.get_by_keys(["pref", "missing"])
    assert list(found) == ["pref"] and found["pref"] == second
    assert [r.id for r in store.list_memories()] == [second.id]
    hits = store.search("Alice likes green tea", k=5)
    assert [h.memory.id for h in hits] == [second.id]


def test_another_process_sees_the_replacement(db_url: str, tmp_path: Path, clock: StepClock) -> None:
    with (
        MemoryStore.open(db_url, namespace="kv", embedder=CountingEmbedder(), index_dir=tmp_path / "a") as one,
        MemoryStore.open(db_url, namespace="kv", embedder=CountingEmbedder(), index_dir=tmp_path / "b") as two,
    ):
        one.add_many([NewMemory("the old value of the item", key="k")])
        assert [h.memory.text for h in two.search("the old value of the item", k=3)] == ["the old value of the item"]
        one.add_many([NewMemory("a completely different text", key="k")])
        # two's replica replays the tombstone of the old memory and the new row
        assert [h.memory.text for h in two.search("the old value of the item", k=3)] == ["a completely different text"]


def test_keyed_memories_are_never_folded_as_duplicates(store: MemoryStore) -> None:
    plain = store.add("same words")
    keyed = store.add_many([NewMemory("same words", key="a"), NewMemory("same words", key="b")])
    again = store.add("same words")
    assert len({plain.id, keyed[0].id, keyed[1].id}) == 3
    assert again.id == plain.id and again.access_count == 1  # folds into the unkeyed one only
    assert len(store.list_memories()) == 3


def test_one_key_twice_in_a_batch_or_a_bad_key_is_refused(store: MemoryStore) -> None:
    with pytest.raises(ConfigError, match="same key"):
        store.add_many([NewMemory("one", key="k"), NewMemory("two", key="k")])
    with pytest.raises(ConfigError, match="key"):
        store.add_many([NewMemory("one", key="x" * 256)])
    assert store.list_memories() == []


def test_forget_many_and_touch(store: MemoryStore, clock: StepClock) -> None:
    a, b, c = store.add_many([NewMemory("one", key="1"), NewMemory("two", key="2"), NewMemory("three")])
    assert sorted(store.forget_many([a.id, c.id, 10_000])) == sorted([a.id, c.id])
    assert store.get_by_keys(["1", "2"]) == {"2": store.get(b.id)}
    later = T0 + timedelta(days=2)
    store.touch([b.id], now=later)
    touched = store.get(b.id)
    assert (touched.last_accessed_at, touched.access_count) == (later, 1)
    assert store.clock() == clock.now


def test_keys_survive_export_and_import_and_collide_on_reimport(store: MemoryStore, tmp_path: Path) -> None:
    store.add_many([NewMemory("kept with its key", key="item-1"), NewMemory("no key")])
    buffer = io.StringIO()
    write_jsonl(store.export_memories(vectors=True), buffer)
    exported = list(read_jsonl(io.StringIO(buffer.getvalue())))
    assert [e.record.key for e in exported] == ["item-1", None]
    other = store.with_namespace("copy")
    other.import_memories(exported, keep_ids=False)
    assert other.get_by_keys(["item-1"])["item-1"].text == "kept with its key"
    with pytest.raises(ConfigError, match="keys already used"):
        other.import_memories(exported, keep_ids=False)


def test_a_store_on_a_sqlite_file_serves_several_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with MemoryStore.open(tmp_path / "m.db", embedder=CountingEmbedder(), index_dir=tmp_path / "idx") as store:
        store.add("written by the main thread")

        def work(n: int) -> str:
            store.add_many([NewMemory(f"written by thread {n}", key=f"t{n}")])
            assert store.search("written by the main thread", k=1)
            return store.get_by_keys([f"t{n}"])[f"t{n}"].text

        with ThreadPoolExecutor(4) as pool:
            texts = list(pool.map(work, range(4)))  # re-raises what failed in a worker
        assert texts == [f"written by thread {n}" for n in range(4)]
        assert len(store.list_memories()) == 5


def test_a_replaced_or_forgotten_text_leaves_the_cache_unless_another_namespace_holds_it(store: MemoryStore) -> None:
    from sqlalchemy import text

    other = store.with_namespace("other")
    other.add("shared words")
    store.add_many([NewMemory("shared words", key="k"), NewMemory("only here", key="j")])
    store.add_many([NewMemory("replaced twice", key="k"), NewMemory("replacing only here", key="j")])
    with store._db.repository.engine.connect() as conn:  # the cache is internal: read it as SQL
        cached = conn.execute(text("SELECT COUNT(*) FROM agentmem_embedding_cache")).scalar()
    assert cached == 3  # "shared words" (other still holds it) and the two new texts; "only here" is gone
    assert other.search("shared words", k=1)[0].memory.text == "shared words"
