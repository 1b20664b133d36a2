"""Export and import round-trip exactly; listing filters, sorts and pages."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from agentmem import ConfigError, HashingEmbedder, ImportRejectedError, MemoryFilter, MemoryStore, NewMemory
from agentmem.store.jsonl import read_jsonl, write_jsonl
from tests.support import CountingEmbedder

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def _fill(store: MemoryStore) -> None:
    store.add_many(
        [
            NewMemory("first note", importance=0.2, created_at=NOW - timedelta(days=3), metadata={"n": 1}),
            NewMemory("a plan to fly", kind="plan", importance=0.9, metadata={"where": "Lisbon"}),
            NewMemory("third note", importance=0.5, created_at=NOW - timedelta(days=1)),
        ]
    )
    store.recall("plan to fly", token_budget=100, k=1, now=NOW + timedelta(hours=1))


@pytest.mark.parametrize("vectors", [True, False])
def test_export_import_round_trips_exactly(db_url: str, tmp_path: Path, vectors: bool) -> None:
    source_embedder = CountingEmbedder()
    with MemoryStore.open(
        db_url, namespace="a", embedder=source_embedder, index_dir=tmp_path / "s", clock=lambda: NOW
    ) as source:
        _fill(source)
        buffer = io.StringIO()
        count = write_jsonl(source.export_memories(vectors=vectors), buffer)
        original = source.list_memories(limit=100)
        original_vectors = [e.embedding for e in source.export_memories(vectors=True)]
    assert count == 3
    target_embedder = CountingEmbedder()
    with MemoryStore.open(tmp_path / "target.db", namespace="a", embedder=target_embedder, clock=lambda: NOW) as target:
        buffer.seek(0)
        ids = target.import_memories(read_jsonl(buffer))
        assert ids == [m.id for m in original]
        # Everything but the change counter, which is the target namespace's own.
        assert [replace(m, version=0) for m in target.list_memories(limit=100)] == [
            replace(m, version=0) for m in original
        ]
        assert [e.embedding for e in target.export_memories(vectors=True)] == original_vectors
        assert target_embedder.embedded == (0 if vectors else 3)
        assert target.search("a plan to fly", k=1)[0].memory.id == original[1].id
        with pytest.raises(ConfigError, match="already used"):
            target.import_memories(target.export_memories())
        renumbered = target.with_namespace("copy").import_memories(target.export_memories(), keep_ids=False)
        assert len(set(renumbered) & set(ids)) == 0


def test_import_rejects_bad_lines_with_their_number() -> None:
    lines = io.StringIO('{"id": 1, "text": "ok", "created_at": "2024-01-01T00:00:00+00:00"}\nnot json\n')
    reader = read_jsonl(lines, name="dump.jsonl")
    # Every line is read before the first is given out: a bad line late in a file imports nothing.
    with pytest.raises(ImportRejectedError, match=r"dump\.jsonl:2: not valid JSON"):
        next(reader)
    with pytest.raises(ConfigError, match="time zone"):
        list(read_jsonl(io.StringIO('{"id": 1, "text": "x", "created_at": "2024-01-01T00:00:00"}')))


def test_list_filters_sorts_and_pages(tmp_path: Path) -> None:
    with MemoryStore.open(tmp_path / "l.db", embedder=HashingEmbedder(), clock=lambda: NOW) as store:
        _fill(store)
        assert [m.text for m in store.list_memories()] == ["first note", "a plan to fly", "third note"]
        by_importance = store.list_memories(order_by="importance", descending=True)
        assert [m.importance for m in by_importance] == [0.9, 0.5, 0.2]
        assert [m.text for m in store.list_memories(limit=1, offset=1)] == ["a plan to fly"]
        assert [m.text for m in store.list_memories(where=MemoryFilter(kinds=("plan",)))] == ["a plan to fly"]
        assert [m.text for m in store.list_memories(order_by="access_count", descending=True, limit=1)] == [
            "a plan to fly"
        ]
        with pytest.raises(ConfigError, match="order_by"):
            store.list_memories(order_by="text; drop table")


def test_imported_vectors_are_bit_exact(tmp_path: Path) -> None:
    with MemoryStore.open(tmp_path / "v.db", embedder=HashingEmbedder(), clock=lambda: NOW) as store:
        store.add("vector to keep")
        (item,) = store.export_memories(vectors=True)
        assert item.embedding is not None
        expected = HashingEmbedder().embed(["vector to keep"])[0]
        np.testing.assert_array_equal(np.frombuffer(item.embedding, dtype="<f4"), expected)
