"""Long memories embedded in chunks: stored in SQL, indexed under ids that map back, forgotten and rebuilt whole."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from agentmem import Chunking, MemoryStore, NewMemory
from agentmem.store.jsonl import read_jsonl, write_jsonl
from agentmem.text.tokens import WhitespaceTokenizer
from agentmem.vectors import CHUNK_ID_STRIDE
from tests.support import CountingEmbedder

# 12-word windows over whitespace words: a 60-word memory becomes several chunks, quickly.
CHUNKING = Chunking(window=12, overlap=4, tokenizer=WhitespaceTokenizer())
FILLER = [
    "The morning stand-up covered the release checklist and the open review comments.",
    "Lunch was a quiet affair in the canteen with soup and bread for everyone present.",
    "In the afternoon the team walked through the quarterly roadmap slide by slide.",
    "Someone mentioned that the office plants needed watering before the weekend.",
]
FACT = "The vault combination is seven three nine and it opens the basement archive door."
LONG = " ".join([*FILLER, FACT])


def open_store(url: str, tmp_path: Path, embedder: CountingEmbedder, index: str = "faiss") -> MemoryStore:
    return MemoryStore.open(
        url, namespace="long", embedder=embedder, index=index, index_dir=tmp_path / "idx", chunking=CHUNKING
    )


def fill(store: MemoryStore) -> int:
    store.add_many([f"unrelated short note number {i} about gardening" for i in range(20)])
    return store.add(LONG).id


def test_a_fact_at_the_end_of_a_long_memory_is_recalled(db_url: str, tmp_path: Path, index_kind: str) -> None:
    embedder = CountingEmbedder()
    with open_store(db_url, tmp_path, embedder, index_kind) as store:
        long_id = fill(store)
        stats = store.stats()
        assert (stats.active, stats.index_size) == (21, 21)
        assert stats.vectors == stats.index_vectors > 21 + 4  # the long memory holds several vectors
        best = store.retrieve("vault combination basement archive", k=3)[0]
        assert best.memory.id == long_id and best.memory.text == LONG
        block = store.recall("vault combination basement archive", token_budget=400)
        assert block.memories[0].memory.text == LONG and block.tokens <= 400
    # Without chunks the model sees only the start: the fact's words never reach the vector.
    whole = CountingEmbedder()
    with MemoryStore.open(
        str(tmp_path / "whole.db"), embedder=whole, index_dir=tmp_path / "w", chunking=Chunking(enabled=False)
    ) as plain:
        fill(plain)
        assert plain.stats().index_vectors == 21


def test_chunks_leave_the_index_with_their_memory_and_come_back_on_rebuild(
    db_url: str, tmp_path: Path, index_kind: str
) -> None:
    embedder = CountingEmbedder()
    with open_store(db_url, tmp_path, embedder, index_kind) as store:
        long_id = fill(store)
        with_chunks = store.stats().index_vectors
        chunk_vectors = with_chunks - 20
        store.prune(max_active=20, dry_run=True)  # nothing happens in a dry run
        assert store.stats().index_vectors == with_chunks
        archived = store.prune(older_than=None, max_active=20, dry_run=False)
        gone = [m.id for m in archived.memories]
        assert store.stats().index_vectors == with_chunks - (chunk_vectors if long_id in gone else len(gone))
        store.restore(gone)
        assert store.stats().index_vectors == with_chunks
        store.forget(long_id)
        stats = store.stats()
        assert (stats.index_vectors, stats.index_size, stats.vectors) == (20, 20, 20)
        assert store.search("vault combination basement archive", k=1)[0].memory.id != long_id


def test_rebuilt_and_reopened_indexes_hold_every_chunk_without_embedding(db_url: str, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    with open_store(db_url, tmp_path, embedder) as store:
        long_id = fill(store)
        expected = store.stats().index_vectors
    embedded = embedder.embedded
    for damage in ("reopen", "delete-file", "reindex"):
        if damage == "delete-file":
            for f in (tmp_path / "idx").glob("*.idx"):
                f.unlink()
        with open_store(db_url, tmp_path, embedder) as store:
            if damage == "reindex":
                store.reindex()
            assert store.stats().index_vectors == expected
            assert embedder.embedded == embedded, damage  # no memory was embedded again
            assert store.search("vault combination basement archive", k=1)[0].memory.id == long_id
            embedded = embedder.embedded  # + the query


def test_replicas_of_another_process_replay_chunked_adds_and_removes(tmp_path: Path) -> None:
    url = str(tmp_path / "shared.db")
    writer_embedder, reader_embedder = CountingEmbedder(), CountingEmbedder()
    with open_store(url, tmp_path, reader_embedder) as reader, open_store(url, tmp_path, writer_embedder) as writer:
        writer.add("warm up so both have a replica")
        reader.stats()
        long_id = writer.add(LONG).id
        assert reader.search("vault combination basement archive", k=1)[0].memory.id == long_id
        assert reader.stats().index_vectors == writer.stats().index_vectors
        writer.forget(long_id)
        assert reader.stats().index_vectors == 1
        ids = reader._db.replicas.synced(reader._binding.row()).index.ids()
        assert not (ids >= CHUNK_ID_STRIDE).any()


def test_export_and_import_keep_every_chunk_vector(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    with open_store(str(tmp_path / "a.db"), tmp_path / "a", embedder) as source:
        long_id = fill(source)
        buffer = io.StringIO()
        write_jsonl(source.export_memories(vectors=True), buffer)
        expected = source.stats().index_vectors
    before = embedder.embedded
    with open_store(str(tmp_path / "b.db"), tmp_path / "b", embedder) as target:
        buffer.seek(0)
        target.import_memories(read_jsonl(buffer))
        assert embedder.embedded == before
        assert target.stats().index_vectors == expected
        assert target.search("vault combination basement archive", k=1)[0].memory.id == long_id
    # Without vectors the import re-embeds, in chunks again.
    with open_store(str(tmp_path / "c.db"), tmp_path / "c", CountingEmbedder()) as again:
        buffer = io.StringIO()
        with open_store(str(tmp_path / "a.db"), tmp_path / "a", embedder) as source:
            write_jsonl(source.export_memories(vectors=False), buffer)
        buffer.seek(0)
        again.import_memories(read_jsonl(buffer))
        assert again.stats().index_vectors == expected


def test_embed_text_is_what_is_embedded_and_text_what_comes_back(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    with open_store(str(tmp_path / "v.db"), tmp_path, embedder) as store:
        stored = '{"command": {"name": "browse", "args": {"url": "x"}}} Result: the vault code is 739'
        memory = store.add_many([NewMemory(stored, embed_text="vault code 739")])[0]
        store.add("a note about gardening tools")
        assert ["vault code 739"] in embedder.calls
        assert store.search("vault code", k=1)[0].memory.text == stored
        exported = next(iter(m for m in store.export_memories() if m.record.id == memory.id))
        assert exported.embedded_text == "vault code 739"
        store.forget(memory.id)  # the cached vector of its view goes with it
        before = embedder.embedded
        store.add_many([NewMemory(stored, embed_text="vault code 739")])
        assert embedder.embedded == before + 1


def test_reflections_group_and_replace_chunked_memories(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    with open_store(str(tmp_path / "r.db"), tmp_path, embedder) as store:
        ids = [store.add(LONG + f" Copy {i}.").id for i in range(3)]
        reflections = store.reflect()
        assert reflections and set(ids) <= {s for r in reflections for s in r.sources}
        stats = store.stats()
        assert stats.index_vectors == stats.vectors and stats.index_size == stats.active
        hits = store.retrieve("vault combination", k=5)
        assert hits and hits[0].memory.kind == "reflection"


def test_unchunked_stores_index_exactly_one_vector_per_memory(tmp_path: Path) -> None:
    with MemoryStore.open(str(tmp_path / "n.db"), embedder=CountingEmbedder(), index_dir=tmp_path / "i") as store:
        store.add(LONG * 5)  # the hashing embedder states no window: nothing to chunk for
        assert store.stats().index_vectors == 1
        matrix = store._db.replicas.synced(store._binding.row()).index.matrix()
        assert matrix is not None and np.array_equal(matrix[0], [1])


@pytest.mark.parametrize("window", [5, 12])
def test_importance_retention_and_recency_are_per_memory_not_per_chunk(tmp_path: Path, window: int) -> None:
    chunking = Chunking(window=window, overlap=1, tokenizer=WhitespaceTokenizer())
    with MemoryStore.open(
        str(tmp_path / "p.db"), embedder=CountingEmbedder(), index_dir=tmp_path / "i", chunking=chunking
    ) as store:
        long_id = store.add(LONG, importance=0.9).id
        store.add("a short note", importance=0.1)
        hits = store.retrieve("vault combination basement", k=5)
        assert [h.memory.id for h in hits].count(long_id) == 1
        assert hits[0].importance == pytest.approx(0.9)
