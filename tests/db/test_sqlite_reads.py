"""Recall's direct SQLite reads return what the SQLAlchemy Core reads return."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from agentmem import HashingEmbedder, MemoryStore, NewMemory
from agentmem.db import sqlite_reads
from agentmem.db.lexical import lexical_search
from agentmem.db.transactions import reading

NOW = datetime(2024, 7, 1, tzinfo=timezone.utc)


def test_direct_reads_match_the_core_reads(tmp_path: Path) -> None:
    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(32), clock=lambda: NOW) as store:
        records = store.add_many(
            [NewMemory(f"invoice {i} for the garden shed", metadata={"n": i, "tags": ["a", i]}) for i in range(30)]
            + [f"meeting about the budget {i}" for i in range(30)]
        )
        store.forget(records[3].id)
        ns = store._binding.row()
        assert ns is not None
        repository = store._db.repository
        engine = repository.engine
        for archived in (False, True):
            with reading(engine) as conn:
                core = lexical_search(
                    conn, namespace_id=ns.id, query="garden invoice", limit=20, include_archived=archived
                )
            direct = sqlite_reads.lexical_matches(
                engine, namespace_id=ns.id, query="garden invoice", limit=20, include_archived=archived
            )
            assert direct == core and len(direct) == 20
        assert (
            sqlite_reads.lexical_matches(engine, namespace_id=ns.id, query="the of", limit=5, include_archived=False)
            == []
        )
        wanted = [records[i].id for i in (7, 3, 0, 40)]  # 3 was deleted: left out
        version, found = sqlite_reads.records_at(engine, ns, wanted)
        assert found == repository.get_many(ns, wanted) and [r.id for r in found] == [wanted[0], wanted[2], wanted[3]]
        assert found[0].metadata == {"n": 7, "tags": ["a", 7]}
        current = repository.namespace(ns.name)
        assert current is not None and version == current.version
        assert sqlite_reads.records_at(engine, ns, []) == (version, [])
