"""Crash safety: SQL is the truth, the index file is a cache rebuilt or replayed from it."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentmem import MemoryStore
from tests.support import CountingEmbedder

WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from agentmem import HashingEmbedder, MemoryStore

    url, index_dir = sys.argv[1], sys.argv[2]
    store = MemoryStore.open(url, namespace="crash", embedder=HashingEmbedder(64), index_dir=index_dir)
    store.add_many([f"checkpointed memory {i}" for i in range(50)])
    store.checkpoint()                     # the index file now reflects the first 50
    for i in range(30):                    # committed to SQL, never saved to the index file
        store.add(f"uncheckpointed memory {i}")
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _crash_writer(db_url: str, index_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITER, db_url, str(index_dir)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -9, done.stderr
    assert done.stdout.strip() == "committed"


def test_writes_committed_before_a_sigkill_are_all_searchable(db_url: str, tmp_path: Path) -> None:
    _crash_writer(db_url, tmp_path)
    embedder = CountingEmbedder()
    with MemoryStore.open(db_url, namespace="crash", embedder=embedder, index_dir=tmp_path) as store:
        stats = store.stats()  # loads the index file and replays what it missed
        assert (stats.active, stats.index_size, stats.index_version) == (80, 80, 31)
        assert embedder.embedded == 0
        for i in (0, 17, 29):
            assert store.search(f"uncheckpointed memory {i}", k=1)[0].memory.text == f"uncheckpointed memory {i}"


@pytest.mark.parametrize("damage", ["delete", "garbage", "truncate"])
def test_a_lost_or_damaged_index_is_rebuilt_from_sql_without_embedding(
    db_url: str, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    _crash_writer(db_url, tmp_path)
    (index_file,) = tmp_path.glob("*.idx")
    if damage == "delete":
        index_file.unlink()
    elif damage == "garbage":
        index_file.write_bytes(b"definitely not an index" * 100)
    else:
        index_file.write_bytes(index_file.read_bytes()[:-100])
    embedder = CountingEmbedder()
    with (
        caplog.at_level(logging.INFO, logger="agentmem"),
        MemoryStore.open(db_url, namespace="crash", embedder=embedder, index_dir=tmp_path) as store,
    ):
        stats = store.stats()
        assert (stats.active, stats.index_size) == (80, 80)
        assert embedder.embedded == 0
        # A damaged file is a warning; a missing one is a normal state (never saved with this kind).
        level = "INFO" if damage == "delete" else "WARNING"
        assert [r.levelname for r in caplog.records if "building it from SQL" in r.getMessage()] == [level]
        assert store.search("checkpointed memory 42", k=1)[0].memory.text == "checkpointed memory 42"


def test_reindex_rebuilds_without_embedding(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    with MemoryStore.open(tmp_path / "db.sqlite", embedder=embedder, index_dir=tmp_path) as store:
        store.add_many([f"fact {i}" for i in range(25)])
        before = embedder.embedded
        stats = store.reindex()
        assert (stats.index_size, embedder.embedded) == (25, before)
