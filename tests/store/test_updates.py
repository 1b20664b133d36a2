"""Explicit updates: a new version supersedes the old one in one transaction; history, validity, as_of."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import agentmem.db.writes
from agentmem import ConfigError, MemoryFilter, MemoryNotFoundError, MemoryStore, NewMemory
from agentmem.store.jsonl import read_jsonl, write_jsonl
from tests.support import CountingEmbedder

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


class StepClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def store(db_url: str, tmp_path: Path, index_kind: str, clock: StepClock) -> MemoryStore:
    s = MemoryStore.open(
        db_url, namespace="u", embedder=CountingEmbedder(), index=index_kind, index_dir=tmp_path / "idx", clock=clock
    )
    yield s
    s.close()


def _moved(store: MemoryStore, clock: StepClock) -> tuple[int, int]:
    old = store.add("Alice lives in Paris", metadata={"topic": "home"}, importance=0.7)
    store.add("Bob plays the cello on weekends")
    clock.now = T0 + timedelta(days=30)
    done = store.update(old.id, "Alice lives in Berlin")
    return old.id, done.memory.id


def test_update_supersedes_in_place_and_keeps_history(store: MemoryStore, clock: StepClock) -> None:
    old_id, new_id = _moved(store, clock)
    old, new = store.get(old_id), store.get(new_id)
    assert (old.status, old.superseded_by, old.valid_to) == ("archived", new_id, T0 + timedelta(days=30))
    assert old.superseded and not new.superseded
    assert (new.supersedes, new.valid_from, new.status) == (old_id, T0 + timedelta(days=30), "active")
    assert (new.kind, new.importance, dict(new.metadata)) == ("observation", 0.7, {"topic": "home"})
    assert [r.id for r in store.history(old_id)] == [old_id, new_id] == [r.id for r in store.history(new_id)]
    # Out of search and recall by default: the current value only.
    assert [h.memory.id for h in store.search("where does Alice live", k=5)][:1] == [new_id]
    assert old_id not in [h.memory.id for h in store.search("Alice lives in Paris", k=5)]
    assert old_id not in [m.memory.id for m in store.recall("Alice lives in Paris", floor=False).memories]


def test_as_of_answers_with_what_held_then(store: MemoryStore, clock: StepClock) -> None:
    old_id, new_id = _moved(store, clock)
    then = store.retrieve("where does Alice live", k=5, as_of=T0 + timedelta(days=1), floor=False)
    assert old_id in [m.memory.id for m in then] and new_id not in [m.memory.id for m in then]
    now = store.retrieve("where does Alice live", k=5, as_of=T0 + timedelta(days=31), floor=False)
    assert new_id in [m.memory.id for m in now] and old_id not in [m.memory.id for m in now]
    before = store.retrieve("where does Alice live", k=5, as_of=T0 - timedelta(days=1), floor=False)
    assert before == []
    every = store.retrieve("Alice lives in Paris", k=5, include_superseded=True, floor=False)
    assert {old_id, new_id} <= {m.memory.id for m in every}
    block = store.recall("Alice lives in Paris", include_superseded=True, floor=False, touch=False)
    assert "earlier, until 2025-03-31: Alice lives in Paris" in block.text
    held = store.list_memories(where=MemoryFilter(valid_at=T0 + timedelta(days=2)))
    assert old_id in [r.id for r in held] and new_id not in [r.id for r in held]


def test_add_supersedes_and_refuses_what_is_not_current(store: MemoryStore, clock: StepClock) -> None:
    first = store.add("the standup is at 9:30")
    clock.now = T0 + timedelta(hours=2)
    second = store.add("the standup is at 10:00", supersedes=first.id)
    assert store.get(first.id).superseded_by == second.id and second.supersedes == first.id
    with pytest.raises(ConfigError, match="superseded by memory"):
        store.add("the standup is at 11:00", supersedes=first.id)
    with pytest.raises(ConfigError, match="superseded by memory"):
        store.update(first.id, "the standup is at 11:00")
    with pytest.raises(MemoryNotFoundError):
        store.add("the standup is at 11:00", supersedes=first.id + 10_000)
    with pytest.raises(ConfigError, match="valid before"):
        store.add("the standup is at 8:00", supersedes=second.id, valid_from=T0)
    assert [r.text for r in store.list_memories()] == ["the standup is at 10:00"]  # nothing else written


def test_an_error_between_the_two_writes_leaves_both_as_before(
    store: MemoryStore, clock: StepClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = store.add("the API answers in 400 ms")

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut between the insert and the archive")

    monkeypatch.setattr(agentmem.db.writes, "_retire", fail)
    with pytest.raises(RuntimeError):
        store.update(old.id, "the API answers in 250 ms")
    assert store.get(old.id) == old  # unchanged: still active, no successor
    assert [r.id for r in store.list_memories(where=MemoryFilter(include_archived=True))] == [old.id]
    assert [h.memory.id for h in store.search("the API answers in 250 ms", k=3)] == [old.id]
    monkeypatch.undo()
    done = store.update(old.id, "the API answers in 250 ms")
    assert done.action == "superseded" and done.superseded is not None and done.superseded.id == old.id


def test_the_key_passes_to_the_new_version(store: MemoryStore, clock: StepClock) -> None:
    old = store.add_many([NewMemory("the theme is dark", key="theme")])[0]
    done = store.update(old.id, "the theme is light")
    assert store.get_by_keys(["theme"])["theme"].id == done.memory.id
    assert store.get(old.id).key is None and store.get(old.id).superseded_by == done.memory.id


def test_another_process_sees_the_supersession(db_url: str, tmp_path: Path, clock: StepClock) -> None:
    with (
        MemoryStore.open(db_url, namespace="u", embedder=CountingEmbedder(), index_dir=tmp_path / "a") as one,
        MemoryStore.open(db_url, namespace="u", embedder=CountingEmbedder(), index_dir=tmp_path / "b") as two,
    ):
        old = one.add("the meeting is on Wednesday")
        assert [h.memory.id for h in two.search("the meeting is on Wednesday", k=3)] == [old.id]
        new = one.update(old.id, "the meeting is on Thursday").memory
        assert [h.memory.id for h in two.search("the meeting is on Wednesday", k=3)] == [new.id]


def test_export_and_import_carry_validity_and_links(store: MemoryStore, clock: StepClock) -> None:
    _moved(store, clock)
    out = io.StringIO()
    write_jsonl(store.export_memories(vectors=True), out)
    other = store.with_namespace("copy")
    ids = other.import_memories(read_jsonl(io.StringIO(out.getvalue())), keep_ids=False)
    by_text = {other.get(i).text: other.get(i) for i in ids}
    paris, berlin = by_text["Alice lives in Paris"], by_text["Alice lives in Berlin"]
    assert (paris.superseded_by, berlin.supersedes) == (berlin.id, paris.id)
    assert paris.valid_to == berlin.valid_from == T0 + timedelta(days=30)
    assert [r.id for r in other.history(paris.id)] == [paris.id, berlin.id]
    assert paris.id not in [h.memory.id for h in other.search("Alice lives in Paris", k=5)]


def test_a_repeat_with_new_metadata_strengthens_and_merges(store: MemoryStore, clock: StepClock) -> None:
    first = store.add_detailed([NewMemory("Carol's flight lands at 6pm", metadata={"src": "mail"})])[0]
    assert first.action == "added"
    clock.now = T0 + timedelta(hours=1)
    again = store.add_detailed(
        [NewMemory("Carol's flight lands at 6pm", metadata={"gate": "B7"}, created_at=T0 - timedelta(hours=5))]
    )[0]
    assert again.action == "strengthened" and again.memory.id == first.memory.id
    assert dict(again.memory.metadata) == {"src": "mail", "gate": "B7"}  # not silently dropped
    assert again.memory.created_at == T0 - timedelta(hours=5)  # observed earlier than first recorded
    assert again.memory.access_count == 1
    assert store.get(first.memory.id) == again.memory


def test_a_superseded_memory_ranks_just_below_its_successor(store: MemoryStore, clock: StepClock) -> None:
    old = store.add("the wifi password is tulip-42", importance=1.0)
    done = store.update(old.id, "the wifi password is orchid-77", importance=0.0)
    ranked = store.retrieve("the wifi password is tulip-42", k=5, include_superseded=True, floor=False)
    ids = [m.memory.id for m in ranked]
    assert ids.index(done.memory.id) + 1 == ids.index(old.id)  # the old value scores higher, shown below
