"""Namespace isolation as a state machine: random writes, reads, reflections, prunes, exports and imports
across three namespaces of one database; no memory of one namespace ever appears in another's results,
exports, reflections or deletions.

Every namespace holds texts on the same topics, so a memory that leaked would rank high in another
namespace's searches. Runs on a SQLite file, and on PostgreSQL when AGENTMEM_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import create_engine, text

from agentmem import MemoryFilter, MemoryNotFoundError, NewMemory
from agentmem.store.jsonl import read_jsonl, write_jsonl
from tests.campaigns import figures
from tests.campaigns.mixed_operations import POLICY, TOPICS
from tests.campaigns.processes import LONG
from tests.campaigns.workers import open_store
from tests.support import POSTGRES_URL

NAMESPACES = ["alpha", "beta", "gamma"]
ALL = MemoryFilter(include_archived=True)
namespace = st.sampled_from(NAMESPACES)


class Isolation(RuleBasedStateMachine):
    """The machine's model: which namespace owns every memory id that exists."""

    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.url = self._database()
        root = open_store(self.url, Path(self.folder.name), policy=POLICY)
        self.stores = {name: root.with_namespace(name) for name in NAMESPACES}
        self.owner: dict[int, str] = {}
        self.count = 0
        self.checked = 0
        self.reflections = 0
        self.imported = 0

    def _database(self) -> str:
        return str(Path(self.folder.name) / "isolation.db")

    def text(self, name: str, topic: int) -> str:
        self.count += 1
        return f"{TOPICS[topic % len(TOPICS)]} (written to {name} as n{self.count})"

    def owned(self, name: str, ids: object, what: str) -> None:
        """Every id belongs to ``name``: the check the whole machine is about."""
        leaked = [i for i in ids if self.owner.get(i) != name]  # type: ignore[attr-defined]
        self.checked += 1
        assert not leaked, f"{what} of {name} holds memories of other namespaces: {leaked}"

    def ids_of(self, data: st.DataObject, *, anywhere: bool = True) -> list[int]:
        pool = sorted(self.owner)
        return data.draw(st.lists(st.sampled_from(pool), max_size=4)) if pool and anywhere else []

    # -- writes ------------------------------------------------------------------------------------

    @rule(name=namespace, topic=st.integers(0, 9), many=st.integers(1, 6))
    def add(self, name: str, topic: int, many: int) -> None:
        records = self.stores[name].add_many([NewMemory(self.text(name, topic + i)) for i in range(many)])
        self.owner.update((r.id, name) for r in records)

    @precondition(lambda self: self.owner)
    @rule(name=namespace, data=st.data())
    def forget(self, name: str, data: st.DataObject) -> None:
        deleted = self.stores[name].forget_many(self.ids_of(data))
        self.owned(name, deleted, "a forget")
        for memory_id in deleted:
            del self.owner[memory_id]

    @precondition(lambda self: self.owner)
    @rule(name=namespace, data=st.data())
    def restore(self, name: str, data: st.DataObject) -> None:
        self.owned(name, self.stores[name].restore(self.ids_of(data)), "a restore")

    @rule(name=namespace)
    def reflect(self, name: str) -> None:
        for reflection in self.stores[name].reflect():
            self.owned(name, reflection.sources, "a reflection's sources")
            assert reflection.memory is not None and reflection.memory.namespace == name
            self.owner[reflection.memory.id] = name
            self.reflections += 1
            self.owned(name, [m.id for m in self.stores[name].sources(reflection.memory.id)], "sources()")

    @rule(name=namespace, hard=st.booleans(), keep=st.integers(0, 8), dry_run=st.booleans())
    def prune(self, name: str, hard: bool, keep: int, dry_run: bool) -> None:
        result = self.stores[name].prune(max_active=keep, hard=hard, dry_run=dry_run)
        self.owned(name, [m.id for m in result.memories], "a prune")
        if hard and not dry_run:
            for m in result.memories:
                del self.owner[m.id]

    @rule(source=namespace, into=namespace, vectors=st.booleans())
    def export_and_import(self, source: str, into: str, vectors: bool) -> None:
        buffer = io.StringIO()
        exported = list(self.stores[source].export_memories(vectors=vectors))
        self.owned(source, [e.record.id for e in exported], "an export")
        assert {e.record.namespace for e in exported} <= {source}
        write_jsonl(exported, buffer)
        buffer.seek(0)
        ids = self.stores[into].import_memories(read_jsonl(buffer), keep_ids=False)
        self.owner.update((i, into) for i in ids)
        self.imported += len(ids)
        for memory_id, item in zip(ids, exported, strict=True):  # provenance stays in the target
            if item.sources:
                self.owned(into, [m.id for m in self.stores[into].sources(memory_id)], "imported sources")

    # -- reads -------------------------------------------------------------------------------------

    @precondition(lambda self: self.owner)
    @rule(name=namespace, data=st.data())
    def search_for_any_namespace_text(self, name: str, data: st.DataObject) -> None:
        other = data.draw(st.sampled_from(sorted(self.owner)))
        query = self.stores[self.owner[other]].get(other).text  # often another namespace's exact text
        store = self.stores[name]
        self.owned(name, [h.memory.id for h in store.search(query, k=10)], "a search")
        self.owned(name, [m.memory.id for m in store.retrieve(query, k=10, floor=False)], "a retrieve")
        self.owned(name, [m.memory.id for m in store.recall(query, token_budget=400).memories], "a recall")
        self.owned(name, [m.id for m in store.list_memories(where=ALL, limit=1000)], "a listing")

    @precondition(lambda self: self.owner)
    @rule(name=namespace, data=st.data())
    def get_of_another_namespace_is_not_found(self, name: str, data: st.DataObject) -> None:
        memory_id = data.draw(st.sampled_from(sorted(self.owner)))
        if self.owner[memory_id] == name:
            assert self.stores[name].get(memory_id).namespace == name
        else:
            with pytest.raises(MemoryNotFoundError):
                self.stores[name].get(memory_id)

    @invariant()
    def each_namespace_holds_exactly_its_memories(self) -> None:
        for name, store in self.stores.items():
            held = {m.id for m in store.list_memories(where=ALL, limit=10_000)}
            assert held == {i for i, owner in self.owner.items() if owner == name}
            stats = store.stats()
            assert stats.index_vectors == stats.vectors

    def teardown(self) -> None:
        figures.add(
            f"isolation/{self.backend}",
            runs=1,
            memories_written=self.count,
            reflections=self.reflections,
            memories_imported=self.imported,
            results_checked=self.checked,
            leaks=0,  # a leak fails the run before it gets here
        )
        self.stores[NAMESPACES[0]].close()
        self.folder.cleanup()


class IsolationOnPostgres(Isolation):
    """The same machine on a fresh PostgreSQL schema."""

    backend = "postgres"

    def _database(self) -> str:
        assert POSTGRES_URL
        self.schema = f"agentmem_test_{uuid.uuid4().hex[:12]}"
        with create_engine(POSTGRES_URL).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.schema}"))
        return f"{POSTGRES_URL}?options=-csearch_path%3D{self.schema}"

    def teardown(self) -> None:
        super().teardown()
        assert POSTGRES_URL
        with create_engine(POSTGRES_URL).begin() as conn:
            conn.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))


BUDGET = settings(
    max_examples=60 if LONG else 8,
    stateful_step_count=60 if LONG else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
Isolation.TestCase.settings = BUDGET
IsolationOnPostgres.TestCase.settings = BUDGET
test_namespaces_stay_isolated_on_sqlite = Isolation.TestCase
test_namespaces_stay_isolated_on_postgres = pytest.mark.skipif(
    not os.environ.get("AGENTMEM_TEST_POSTGRES_URL"), reason="AGENTMEM_TEST_POSTGRES_URL is not set"
)(IsolationOnPostgres.TestCase)
