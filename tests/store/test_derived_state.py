"""A write either raises before its commit or returns: index checkpoints that cannot be written after the
commit are logged and retried, and close() never raises for them (issue 19, defect 7)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agentmem import MemoryStore
from agentmem.store import replicas
from tests.support import CountingEmbedder


def test_adds_return_when_the_index_folder_cannot_be_written(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(replicas, "MIN_CHANGES_BEFORE_CHECKPOINT", 1)  # checkpoint after every write
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the index folder should be")  # mkdir and writes fail (root too)
    texts = [f"memory number {i} kept despite the index folder" for i in range(21)]
    with caplog.at_level(logging.WARNING, logger="agentmem"):
        store = MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=blocked)
        store.search("warm up", k=1)  # the replica is loaded, so every add checkpoints it
        ids = [store.add(t).id for t in texts]
        store.checkpoint()
        store.close()  # never raises for derived state
    assert len(ids) == 21
    assert any("could not save" in r.getMessage() for r in caplog.records)
    with MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=tmp_path / "fine") as again:
        assert again.stats().active == 21
        for t in texts[::5]:
            assert again.search(t, k=1)[0].memory.text == t


def test_opening_a_namespace_another_store_writes_logs_no_warning(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 19, defect 14: a namespace another live process writes (no file yet, or a file behind SQL) is a
    normal state, not an alarm: nothing at WARNING, and the reader sees every memory."""
    with (
        caplog.at_level(logging.INFO, logger="agentmem"),
        MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=tmp_path) as writer,
    ):
        writer.add_many([f"written before any checkpoint {i}" for i in range(5)])
        with MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=tmp_path) as reader:
            assert reader.stats().index_size == 5
        writer.search("load it", k=1)
        writer.checkpoint()
        writer.add_many([f"written after the checkpoint {i}" for i in range(5)])
        with MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=tmp_path) as reader:
            stats = reader.stats()
            assert (stats.index_size, stats.index_rebuilt) == (10, None)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
