"""Time to live: AgentMemStore expires, refreshes and sweeps as LangGraph's own SqliteStore does."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from langgraph.store.sqlite import SqliteStore

from agentmem.adapters.langgraph import AgentMemStore
from tests.adapters.langgraph_support import T0, StepClock, agentmem_store


def test_expiry_refresh_and_sweep_match_sqlite_store(tmp_path: Path) -> None:
    """Real time on both (SqliteStore reads SQLite's CURRENT_TIMESTAMP, to the second): margins of a second."""
    config = {"refresh_on_read": True}
    connection = sqlite3.connect(tmp_path / "langgraph.db", check_same_thread=False, isolation_level=None)
    theirs = SqliteStore(connection, ttl=config)
    theirs.setup()
    ours = agentmem_store(tmp_path, ttl=config)
    stores = (theirs, ours)
    for store in stores:
        store.put(("s",), "read", {"text": "read again"}, ttl=0.1)  # 6 seconds
        store.put(("s",), "unread", {"text": "never read"}, ttl=0.1)
        store.put(("s",), "peeked", {"text": "read without refreshing"}, ttl=0.1)
        store.put(("s",), "forever", {"text": "no time to live"})
    time.sleep(3)
    for store in stores:
        assert store.get(("s",), "read") is not None
        assert store.search(("s",), filter={"text": "read without refreshing"}, refresh_ttl=False)
    time.sleep(4)  # 7 s: the two not refreshed expired, the refreshed one lives until about 9 s
    assert [store.sweep_ttl() for store in stores] == [2, 2]
    assert [sorted(i.key for i in store.search(("s",), refresh_ttl=False)) for store in stores] == [
        ["forever", "read"]
    ] * 2
    time.sleep(3)
    assert [store.sweep_ttl() for store in stores] == [1, 1]
    assert [[i.key for i in store.search(("s",), refresh_ttl=False)] for store in stores] == [["forever"]] * 2
    ours.close()
    connection.close()


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


def test_default_ttl_omit_expired_and_no_refresh(tmp_path: Path, clock: StepClock) -> None:
    store = agentmem_store(
        tmp_path, clock=clock, ttl={"default_ttl": 10, "refresh_on_read": False, "omit_expired": True}
    )
    store.put(("n",), "a", {"text": "ten minutes"})
    store.put(("n",), "b", {"text": "kept"}, ttl=None)
    clock.now = T0 + timedelta(minutes=9)
    assert store.get(("n",), "a") is not None  # read, but refresh_on_read is off
    clock.now = T0 + timedelta(minutes=10)
    assert store.get(("n",), "a") is None  # expired: omitted before any sweep
    assert [i.key for i in store.search(("n",), query="ten minutes")] == ["b"]
    assert len(store.memory_for(("n",)).list_memories()) == 2
    assert store.sweep_ttl() == 1
    assert [m.key for m in store.memory_for(("n",)).list_memories()] == ["b"]
    store.close()


def test_a_refreshing_read_and_an_agentmem_recall_restart_the_clock(tmp_path: Path, clock: StepClock) -> None:
    store = agentmem_store(tmp_path, clock=clock, ttl={"refresh_on_read": True})
    store.put(("n",), "read", {"text": "the kettle is on"}, ttl=10)
    store.put(("n",), "recalled", {"text": "the garden needs water"}, ttl=10)
    clock.now = T0 + timedelta(minutes=8)
    assert store.get(("n",), "read") is not None
    store.memory_for(("n",)).recall("garden water", token_budget=50)  # recall is an access too
    clock.now = T0 + timedelta(minutes=17)
    assert store.sweep_ttl() == 0
    clock.now = T0 + timedelta(minutes=18)
    assert store.sweep_ttl() == 2
    store.close()


def test_the_sweeper_thread_sweeps_and_stops(tmp_path: Path) -> None:
    store = agentmem_store(tmp_path)
    store.put(("n",), "gone", {"text": "short lived"}, ttl=0.001)  # 60 ms
    future = store.start_ttl_sweeper(sweep_interval_minutes=0.005)  # every 0.3 s
    deadline = time.monotonic() + 10
    while store.get(("n",), "gone", refresh_ttl=False) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert store.get(("n",), "gone") is None
    assert store.stop_ttl_sweeper(timeout=5) and not future.cancelled()
    assert store.stop_ttl_sweeper(timeout=0)  # not running: nothing to stop
    store.close()


def test_ttl_is_supported_through_the_base_api(tmp_path: Path) -> None:
    store = AgentMemStore(tmp_path / "m.db", index_dir=tmp_path / "idx", embedder=_hashing())
    assert store.supports_ttl
    store.put(("n",), "k", {"v": 1}, ttl=5)
    assert store.memory_for(("n",)).list_memories()[0].metadata["ttl_minutes"] == 5.0
    store.close()


def _hashing() -> object:
    from agentmem import HashingEmbedder

    return HashingEmbedder(32)


def test_a_reads_own_refresh_ttl_overrides_the_config(tmp_path: Path, clock: StepClock) -> None:
    store = agentmem_store(tmp_path, clock=clock, ttl={"refresh_on_read": False})
    store.put(("n",), "a", {"text": "refreshed on request"}, ttl=10)
    store.put(("n",), "b", {"text": "read with the default"}, ttl=10)
    clock.now = T0 + timedelta(minutes=5)
    assert store.get(("n",), "a", refresh_ttl=True) is not None
    assert store.get(("n",), "b") is not None  # the config's refresh_on_read: False
    clock.now = T0 + timedelta(minutes=12)
    assert store.sweep_ttl() == 1
    assert [i.key for i in store.search(("n",), refresh_ttl=False)] == ["a"]
    store.close()
