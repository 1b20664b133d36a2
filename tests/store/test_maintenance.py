"""Reflection replaces raw entries with provenance; forgetting, budgets and duplicates."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from agentmem import HashingEmbedder, MemoryFilter, MemoryPolicy, MemoryStore, NewMemory
from agentmem.config import ReflectionPolicy

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
TRIP = [
    "Caroline booked a train to Lisbon for 14 May.",
    "Caroline's train to Lisbon leaves at 08:15 from platform 4.",
    "Caroline will stay at the Lisbon hostel near the river.",
    "Caroline paid 120 euros for the Lisbon train tickets.",
]
GARDEN = [
    "Melanie planted tomatoes in the garden.",
    "Melanie's garden tomatoes need water every morning.",
    "Melanie bought a new hose for the garden tomatoes.",
]


class JoiningSummarizer:
    """A deterministic summarizer: keeps every source sentence (so nothing is lost in the test)."""

    def summarize(self, texts: Sequence[str], *, max_tokens: int | None = None) -> str:
        return "Summary: " + " ".join(texts)


def _open(path: Path, **options: object) -> MemoryStore:
    policy = options.pop("policy", MemoryPolicy(reflection=ReflectionPolicy(similarity=0.2, min_group=3)))
    summarizer = options.pop("summarizer", JoiningSummarizer())
    return MemoryStore.open(
        path, embedder=HashingEmbedder(256), summarizer=summarizer, policy=policy, clock=lambda: NOW, **options
    )


def _observe(store: MemoryStore) -> None:
    store.add_many(
        [NewMemory(t, importance=0.5, created_at=NOW - timedelta(minutes=60 - i)) for i, t in enumerate(TRIP)]
        + [NewMemory(t, importance=0.3, created_at=NOW - timedelta(minutes=30 - i)) for i, t in enumerate(GARDEN)]
    )


def test_reflection_archives_its_sources_and_links_them(tmp_path: Path) -> None:
    with _open(tmp_path / "r.db") as store:
        _observe(store)
        planned = store.reflect(dry_run=True)
        assert store.stats().active == 7 and all(r.memory is None for r in planned)
        made = store.reflect()
        assert [sorted(r.sources) for r in made] == [sorted(r.sources) for r in planned]
        assert len(made) == 2
        stats = store.stats()
        assert (stats.active, stats.archived, stats.by_kind["reflection"]) == (2, 7, 2)
        for reflection in made:
            assert reflection.memory is not None and reflection.memory.kind == "reflection"
            sources = store.sources(reflection.memory.id)
            assert {s.id for s in sources} == set(reflection.sources)
            assert all(s.status == "archived" and s.superseded_by == reflection.memory.id for s in sources)
        trip = next(r for r in made if "Lisbon" in r.summary)
        assert trip.memory is not None and trip.memory.importance >= 0.5
        # A question about an archived detail finds the reflection, whose provenance leads to the source.
        (best,) = store.retrieve("which platform does the Lisbon train leave from", k=1)
        assert best.memory.id == trip.memory.id
        assert any("platform 4" in s.text for s in store.sources(best.memory.id))
        archived = store.retrieve("platform 4", k=10, where=MemoryFilter(include_archived=True))
        assert any(m.memory.status == "archived" for m in archived)
        # Running it again makes nothing new.
        assert store.reflect() == []
        assert store.stats().by_kind["reflection"] == 2
        # Sources can be restored into recall.
        assert store.restore(trip.sources) == sorted(trip.sources)
        assert store.stats().active == 2 + len(trip.sources)


def test_maybe_reflect_waits_for_the_importance_threshold(tmp_path: Path) -> None:
    policy = MemoryPolicy(reflection=ReflectionPolicy(threshold=3.0, similarity=0.2))
    with _open(tmp_path / "m.db", policy=policy) as store:
        store.add_many(
            [NewMemory(t, importance=0.5, created_at=NOW - timedelta(minutes=9 - i)) for i, t in enumerate(TRIP)]
        )
        assert store.maybe_reflect() == []  # 4 x 0.5 = 2.0 < 3.0
        store.add_many(
            [NewMemory(t, importance=0.5, created_at=NOW - timedelta(minutes=5 - i)) for i, t in enumerate(GARDEN)]
        )
        assert len(store.maybe_reflect()) >= 1


CRASHER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime, timedelta, timezone
    from agentmem import HashingEmbedder, MemoryPolicy, MemoryStore, NewMemory
    from agentmem.consolidation.reflection import ReflectionPolicy

    class Dying:
        calls = 0
        def summarize(self, texts, *, max_tokens=None):
            Dying.calls += 1
            if Dying.calls == 2:          # the first reflection is committed; die while writing the second
                os.kill(os.getpid(), signal.SIGKILL)
            return "Summary: " + " ".join(texts)

    now = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)
    policy = MemoryPolicy(reflection=ReflectionPolicy(similarity=0.2, min_group=3))
    store = MemoryStore.open(sys.argv[1], embedder=HashingEmbedder(256), summarizer=Dying(), policy=policy,
                             clock=lambda: now)
    texts = sys.argv[2:]
    store.add_many(
        [NewMemory(t, importance=0.5, created_at=now - timedelta(minutes=60 - i)) for i, t in enumerate(texts)]
    )
    store.reflect()
    """
)


def test_a_crash_during_reflection_leaves_a_consistent_store(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    done = subprocess.run([sys.executable, "-c", CRASHER, str(db), *TRIP, *GARDEN], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr
    with _open(db) as store:
        engine = store._db.repository.engine
        with engine.connect() as conn:
            orphans = conn.execute(
                text(
                    "SELECT COUNT(*) FROM agentmem_memories WHERE status='archived' AND superseded_by NOT IN "
                    "(SELECT id FROM agentmem_memories WHERE kind='reflection')"
                )
            ).scalar()
            unlinked = conn.execute(
                text(
                    "SELECT COUNT(*) FROM agentmem_memories r WHERE kind='reflection' AND NOT EXISTS "
                    "(SELECT 1 FROM agentmem_memory_sources s WHERE s.reflection_id = r.id)"
                )
            ).scalar()
        assert (orphans, unlinked) == (0, 0)
        stats = store.stats()
        assert (stats.by_kind.get("reflection"), stats.archived, stats.active) in {(1, 4, 4), (1, 3, 5)}
        assert stats.index_size == stats.active
        store.reflect()  # finishing the job afterwards works and duplicates nothing
        assert store.stats().by_kind["reflection"] == 2 and store.stats().active == 2


def test_budget_holds_after_every_add(tmp_path: Path) -> None:
    with _open(tmp_path / "b.db", policy=MemoryPolicy(max_active=5)) as store:
        for i in range(12):
            store.add(f"observation number {i}", importance=0.9 if i == 0 else 0.1)
            assert store.stats().active <= 5
        assert store.get(1).status == "active"  # the important one survived
        assert store.stats().archived == 7


def test_prune_dry_run_lists_exactly_what_goes(tmp_path: Path) -> None:
    with _open(tmp_path / "p.db") as store:
        old = store.add("an old trivial note", importance=0.0, created_at=NOW - timedelta(days=400))
        keep = store.add("a fresh important note", importance=1.0)
        preview = store.prune(below_retention=0.3)
        assert [m.id for m in preview.memories] == [old.id] and not preview.applied
        assert store.get(old.id).status == "active"
        done = store.prune(below_retention=0.3, dry_run=False)
        assert [m.id for m in done.memories] == [old.id] and done.applied
        assert store.get(old.id).status == "archived" and store.get(keep.id).status == "active"
        assert [m.id for m in store.prune(older_than=timedelta(days=1)).memories] == []


def test_hard_prune_deletes_text_vector_and_cache(tmp_path: Path) -> None:
    with _open(tmp_path / "h.db") as store:
        gone = store.add("delete me entirely", importance=0.0, created_at=NOW - timedelta(days=400))
        store.add("keep me", importance=1.0)
        result = store.prune(below_retention=0.3, hard=True, dry_run=False)
        assert result.action == "delete" and [m.id for m in result.memories] == [gone.id]
        with store._db.repository.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT COUNT(*) FROM agentmem_memories WHERE text='delete me entirely'")).scalar()
                == 0
            )
            assert conn.execute(text("SELECT COUNT(*) FROM agentmem_embedding_cache")).scalar() == 1
        assert store.stats().index_size == 1


def test_exact_duplicates_strengthen_the_existing_memory(tmp_path: Path) -> None:
    with _open(tmp_path / "d.db") as store:
        first = store.add("the meeting moved to Tuesday", importance=0.3)
        again = store.add("the meeting moved to Tuesday", importance=0.8)
        assert again.id == first.id
        assert (again.access_count, again.importance) == (1, 0.8)
        batch = store.add_many(["new fact", "new fact", "the meeting moved to Tuesday"])
        assert batch[0].id == batch[1].id and batch[2].id == first.id
        assert store.stats().active == 2 and store.stats().index_size == 2
        with _open(tmp_path / "nodup.db", policy=MemoryPolicy(dedupe=False)) as plain:
            assert plain.add("same").id != plain.add("same").id


@pytest.mark.parametrize("kind", ["faiss", "hnsw"])
def test_reflection_works_with_each_index_kind(tmp_path: Path, kind: str) -> None:
    with _open(tmp_path / "k.db", index=kind) as store:
        _observe(store)
        store.reflect()
        assert store.stats().index_size == 2


class FirstSentencesSummarizer:
    """A lossy summarizer, as an LLM's may be: the first three sources only, nothing of the rest."""

    def summarize(self, texts: Sequence[str], *, max_tokens: int | None = None) -> str:
        return "Summary: " + " ".join(texts[:3])


ALICE = [
    "Alice flies to Berlin on 12 March for the sales meeting.",
    "Alice's flight to Berlin for the sales meeting leaves at 09:40.",
    "Alice booked the Hotel Adlon in Berlin for the sales meeting.",
    "Alice needs a taxi to the airport before the Berlin sales meeting.",
    "Alice will bring the printed sales meeting slides to Berlin.",
]


def test_a_reflection_never_archives_a_source_whose_facts_its_summary_lacks(tmp_path: Path) -> None:
    with _open(tmp_path / "lossy.db", summarizer=FirstSentencesSummarizer()) as store:
        added = store.add_many(
            [NewMemory(t, importance=0.5, created_at=NOW - timedelta(minutes=10 - i)) for i, t in enumerate(ALICE)]
        )
        (made,) = store.reflect()
        taxi, slides = added[3].id, added[4].id
        assert set(made.sources) == {m.id for m in added} and set(made.kept) == {taxi, slides}
        assert made.memory is not None and {s.id for s in store.sources(made.memory.id)} == set(made.sources)
        assert {store.get(i).status for i in made.kept} == {"active"}  # type: ignore[union-attr]
        assert store.stats().active == 3  # the reflection and the two sources it does not cover
        # The left-out fact is still found, as itself.
        (best,) = store.retrieve("does Alice need a taxi to the airport", k=1)
        assert best.memory.id == taxi
        # A source a reflection kept active is not reflected again.
        assert store.reflect() == []
        assert store.stats().by_kind["reflection"] == 1


def test_a_group_its_summary_covers_none_of_is_left_as_it_was(tmp_path: Path) -> None:
    class Vague:
        def summarize(self, texts: Sequence[str], *, max_tokens: int | None = None) -> str:
            return "Some travel plans."

    with _open(tmp_path / "vague.db", summarizer=Vague()) as store:
        store.add_many([NewMemory(t, created_at=NOW - timedelta(minutes=10 - i)) for i, t in enumerate(ALICE)])
        assert store.reflect() == [] and store.reflect(dry_run=True) == []
        assert (store.stats().active, store.stats().archived) == (5, 0)


@pytest.mark.data("locomo10.json")
def test_no_name_number_or_date_of_a_locomo_conversation_becomes_unreachable_after_reflection(tmp_path: Path) -> None:
    from agentmem.consolidation.coverage import uncovered
    from agentmem.consolidation.importance import detail_spans, proper_names
    from benchmarks.locomo_data import load_conversations

    (conversation,), _ = load_conversations(limit=1)
    policy = MemoryPolicy(reflection=ReflectionPolicy())  # the defaults
    for summarizer in (None, FirstSentencesSummarizer()):  # the offline default, and a lossy one
        options: dict[str, object] = {} if summarizer is None else {"summarizer": summarizer}
        with MemoryStore.open(
            tmp_path / f"locomo-{summarizer is None}.db", embedder=HashingEmbedder(256), policy=policy, **options
        ) as store:
            store.add_many([NewMemory(f"{t.speaker}: {t.text}", created_at=t.created_at) for t in conversation.turns])
            made = store.reflect()
            if summarizer is None:  # the default covers what it archives, and archives most
                assert made and store.stats().active < len(conversation.turns) / 2
            else:
                assert made and any(r.kept for r in made)
            active = " \n".join(m.text for m in store.list_memories(limit=100_000))
            for reflection in made:
                for source in store.sources(reflection.memory.id):  # type: ignore[union-attr]
                    body = source.text.split(": ", 1)[1]
                    for detail in (*detail_spans(body), *proper_names(body)):
                        assert detail.lower() in active.lower(), (detail, source.text)
                    if source.status == "archived":  # what it said is in its reflection
                        assert uncovered([source.text], reflection.summary) == []
