"""MemoryStore: the public entry point that ties SQL, the embedder and the vector index together.

One class; what each method runs lives in the modules beside it, one per path, each read top to bottom:
:mod:`~agentmem.store.adding`, :mod:`~agentmem.store.recalling`, :mod:`~agentmem.store.upkeep` (reflect,
prune, restore), :mod:`~agentmem.store.importing`. The namespace a store serves is a
:class:`~agentmem.store.namespace.NamespaceBinding` it holds, not a base class.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

from agentmem.config import Chunking, MemoryPolicy, RecallConfig, Scoring
from agentmem.consolidation.retention import PrunePlan
from agentmem.db.migrate import MigrateMode
from agentmem.db.rows import to_epoch
from agentmem.errors import ConfigError, MemoryNotFoundError
from agentmem.ranking.queries import QueryInput
from agentmem.store import adding, importing, recalling, updating, upkeep
from agentmem.store.database import Clock, Database, open_database
from agentmem.store.namespace import NamespaceBinding
from agentmem.store.recalling import RecallOptions
from agentmem.store.validation import check_page, memory_ids_of
from agentmem.types import (
    AddOutcome,
    Embedder,
    ExportedMemory,
    JSONValue,
    MemoryFilter,
    MemoryRecord,
    NamespaceStats,
    NewMemory,
    PromptMemory,
    PruneResult,
    Reflection,
    ScoredMemory,
    SearchHit,
    Tokenizer,
)

if TYPE_CHECKING:
    from agentmem.types import ImportanceScorer, Summarizer

__all__ = ["MemoryStore"]

LIST_ORDERS = ("id", "created_at", "last_accessed_at", "importance", "access_count")
# search() ranks by meaning alone.
_RELEVANCE_ONLY = Scoring(relevance=1.0, recency=0.0, importance=0.0)


class MemoryStore:
    """Long-term memory of one namespace (an agent or user) in a SQL database, searchable by meaning.

    Open one with :meth:`open`; use it as a context manager or call :meth:`close`. Several stores (one per
    namespace) can share a database; :meth:`with_namespace` gives another namespace of the same database
    that shares the connection pool, embedder and loaded indexes.
    """

    def __init__(self, db: Database, namespace: str) -> None:
        self._db = db
        self._binding = NamespaceBinding(namespace, repository=db.repository, embedder=db.embedding.embedder)

    @classmethod
    def open(
        cls,
        path_or_url: str | os.PathLike[str] | None = None,
        *,
        namespace: str = "default",
        embedder: Embedder | None = None,
        index: str = "faiss",
        migrate: MigrateMode = "apply",
        index_dir: str | os.PathLike[str] | None = None,
        memory_budget: int | None = None,
        recall: RecallConfig | None = None,
        policy: MemoryPolicy | None = None,
        summarizer: Summarizer | None = None,
        importance: ImportanceScorer | None = None,
        tokenizer: Tokenizer | None = None,
        clock: Clock | None = None,
        chunking: Chunking | None = None,
    ) -> MemoryStore:
        """Open (creating if needed) a memory database.

        Args:
            path_or_url: a SQLite file path, a SQLAlchemy URL (``postgresql+psycopg://...``), or None for
                ``$AGENTMEM_HOME/agentmem.db`` (``./.agentmem/agentmem.db`` when the variable is unset).
            namespace: the agent or user whose memories this store reads and writes.
            embedder: turns text into vectors; default: all-MiniLM-L6-v2, loaded on first use.
            index: vector index kind: ``faiss`` (exact flat FAISS, default), ``exact`` (numpy), or the
                approximate ``hnsw``, ``ivf``, ``sq8`` for large namespaces (recall takes the scale path).
            migrate: ``apply`` pending schema migrations, only ``validate`` the schema, or ``none``.
            index_dir: folder of the vector index files; default: beside a SQLite file, else under
                ``$AGENTMEM_HOME/indexes/``.
            memory_budget: bytes the loaded vector indexes of all namespaces may hold together; the least
                recently used are saved and unloaded past it (None: no limit).
            recall: defaults of :meth:`recall` (scoring weights, hybrid, budget...).
            policy: duplicates, the active-memory budget, reflection and forgetting settings.
            summarizer: writes reflections; default: offline extractive (keeps names, numbers, dates).
            importance: scores memories added without an importance; default: an offline heuristic.
            tokenizer: counts prompt tokens; default: the embedding model's own word-piece tokenizer.
            clock: returns the current time (timezone-aware); default: the system clock in UTC.
            chunking: how memories longer than the embedding model reads are split into chunks, each
                embedded and indexed (default: the model's window, 32 tokens of overlap).

        Raises:
            ConfigError: a bad argument (the message says which and what is allowed).
            SchemaOutOfDateError: ``migrate="validate"`` on a database that needs migrations.
            EmbedderMismatchError: the namespace was built with another embedding model.
        """
        db = open_database(
            path_or_url,
            embedder=embedder,
            index=index,
            migrate=migrate,
            index_dir=index_dir,
            memory_budget=memory_budget,
            recall=recall,
            policy=policy,
            summarizer=summarizer,
            importance=importance,
            tokenizer=tokenizer,
            clock=clock,
            chunking=chunking,
        )
        try:
            return cls(db, namespace)
        except BaseException:
            db.repository.engine.dispose()
            raise

    def with_namespace(self, namespace: str) -> MemoryStore:
        """A store for another namespace of the same database, sharing connections, embedder and indexes."""
        return MemoryStore(self._db, namespace)

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Write the queued accesses, checkpoint the loaded indexes and release the database connections."""
        self._db.accesses.close()
        self._db.replicas.close()
        self._db.repository.engine.dispose()

    @property
    def namespace(self) -> str:
        return self._binding.name

    @property
    def embedder(self) -> Embedder:
        return self._db.embedding.embedder

    @property
    def clock(self) -> Clock:
        """The store's time source (timezone-aware now): creation times, accesses and recency use it."""
        return self._db.clock

    def namespaces(self) -> list[str]:
        """Names of every namespace in the database."""
        return [ns.name for ns in self._db.repository.list_namespaces()]

    # -- writing ----------------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        importance: float | None = None,
        kind: str = "observation",
        metadata: Mapping[str, JSONValue] | None = None,
        created_at: datetime | None = None,
        valid_from: datetime | None = None,
        supersedes: int | None = None,
    ) -> MemoryRecord:
        """Remember one text. Committed to SQL (with its vector) before this returns.

        Args:
            text: what was observed; must not be blank.
            importance: in [0, 1]; default: the store's importance scorer decides (offline heuristic).
            kind: a label such as ``observation``, ``reflection`` or ``plan``.
            metadata: JSON-serialisable key/values, filterable later.
            created_at: when it happened (timezone-aware); default: now.
            valid_from: when what it says became true; default: ``created_at``.
            supersedes: id of the active memory it replaces (see :meth:`update`), in the same transaction.

        Raises:
            ConfigError: invalid text, importance, kind, metadata or time; ``supersedes`` not active.
            MemoryNotFoundError: no memory ``supersedes`` in this namespace.
        """
        item = NewMemory(
            text, importance, kind, metadata or {}, created_at, valid_from=valid_from, supersedes=supersedes
        )
        return self.add_detailed([item])[0].memory

    def add_many(
        self, items: Iterable[NewMemory | str], *, progress: Callable[[int, int], None] | None = None
    ) -> list[MemoryRecord]:
        """Remember many texts: one embedding batch and one transaction for all of them.

        An exact repeat of an active memory's text (or of an earlier item) strengthens that memory instead of
        storing a copy: its record is returned, with its own id (:meth:`add_detailed` says which items did).

        Args:
            items: texts, or :class:`NewMemory` values with their importance, kind, metadata and time.
            progress: called as ``progress(embedded, total)`` while the texts are embedded (in slices of 256),
                for a progress bar; nothing is stored until all are embedded.

        Raises:
            ConfigError: any item is invalid (nothing is stored then).
        """
        return [outcome.memory for outcome in self.add_detailed(items, progress=progress)]

    def add_detailed(
        self, items: Iterable[NewMemory | str], *, progress: Callable[[int, int], None] | None = None
    ) -> list[AddOutcome]:
        """As :meth:`add_many`, saying what happened to each item (:class:`AddOutcome`).

        ``added``: stored as a new memory. ``strengthened``: the exact text of an active memory (with
        ``MemoryPolicy(dedupe=True)``, the default): no copy is stored; that memory gets one more access, the
        higher importance, the item's metadata keys merged in (its values win) and the earlier creation
        time. ``superseded``: stored, and it replaced the memory in ``superseded`` (given as ``supersedes``,
        or found by the policy's update detector): that one is archived, valid until this one's
        ``valid_from``. Everything is one transaction: all of it happens, or none.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        news = [NewMemory(text=i) if isinstance(i, str) else i for i in items]
        return adding.add_memories(self._db, self._binding, news, progress=progress)

    def update(
        self,
        memory_id: int,
        text: str | None = None,
        *,
        importance: float | None = None,
        kind: str | None = None,
        metadata: Mapping[str, JSONValue | None] | None = None,
        created_at: datetime | None = None,
        valid_from: datetime | None = None,
    ) -> AddOutcome:
        """Replace an active memory by a new version, keeping the old one as history, in one transaction.

        The new memory (a new id, ``supersedes`` = ``memory_id``) carries the old one's kind, importance, key
        and metadata unless given (``metadata`` keys are merged; a None value removes a key). The old one is
        archived: out of recall (see ``recall(include_superseded=..., as_of=...)``), ``superseded_by`` the new
        id, ``valid_to`` the new ``valid_from`` (default: its ``created_at``, default now). :meth:`history`
        lists the versions.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
            ConfigError: the memory is not active (update its successor), or an invalid value.
        """
        new = updating.new_version(
            self.get(memory_id),
            text,
            importance=importance,
            kind=kind,
            metadata=metadata,
            created_at=created_at,
            valid_from=valid_from,
        )
        return self.add_detailed([new])[0]

    def history(self, memory_id: int) -> list[MemoryRecord]:
        """Every version of the fact ``memory_id`` belongs to, oldest first (``supersedes`` links, both ways).

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        return updating.history(self._db, self._binding.row(), self.get(memory_id))

    def forget(self, memory_id: int) -> None:
        """Delete a memory for good: its text, metadata and vector.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        if not self.forget_many([memory_id]):
            raise MemoryNotFoundError(memory_id, namespace=self.namespace)

    def forget_many(self, memory_ids: Iterable[int]) -> list[int]:
        """Delete memories for good in one transaction; returns the ids that were in this namespace."""
        ids = memory_ids_of(memory_ids)
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        with self._db.lock:
            ns = self._binding.row()
            if ns is None or not ids:
                return []
            deleted, version = self._db.repository.delete(ns, ids)
            if deleted:
                self._db.replicas.applied(ns, version=version, remove=np.asarray(deleted, dtype=np.int64))
            return deleted

    def touch(self, memory_ids: Iterable[int], *, now: datetime | None = None) -> None:
        """Record an access on these memories, as recall does on what it returns (last access, count).

        For callers that use memories they did not get from recall (a read by id or key); ids not in this
        namespace are ignored.
        """
        ids = memory_ids_of(memory_ids)
        ns = self._binding.row()
        if not ids or ns is None:
            return
        # Written behind, as recall's accesses are (store/access_log.py).
        self._db.accesses.record(ns, ids, to_epoch(now or self._db.clock()))

    # -- reading ----------------------------------------------------------------------------------

    def get(self, memory_id: int) -> MemoryRecord:
        """The memory with this id.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        ns = self._binding.row()
        found = [] if ns is None else self._db.repository.get_many(ns, memory_ids_of([memory_id]))
        if not found:
            raise MemoryNotFoundError(memory_id, namespace=self.namespace)
        return found[0]

    def get_by_keys(self, keys: Iterable[str]) -> dict[str, MemoryRecord]:
        """The memories holding these keys (see :attr:`agentmem.NewMemory.key`), archived ones too, by key.

        Keys no memory of this namespace holds are left out. One indexed query per 500 keys.
        """
        ns = self._binding.row()
        return {} if ns is None else self._db.repository.by_keys(ns, [str(k) for k in keys])

    def list_memories(
        self,
        *,
        where: MemoryFilter | None = None,
        order_by: str = "id",
        descending: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[MemoryRecord]:
        """A page of memories (active only unless ``where`` includes archived ones).

        Args:
            where: which memories (kind, metadata, time ranges, archived).
            order_by: ``id`` (insertion order), ``created_at``, ``last_accessed_at``, ``importance`` or
                ``access_count``.
            descending: largest first.
            limit: at most this many.
            offset: skip this many first.

        Raises:
            ConfigError: unknown ``order_by`` or negative ``limit``/``offset``.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        if order_by not in LIST_ORDERS:
            raise ConfigError(f"order_by must be one of {', '.join(LIST_ORDERS)}, not {order_by!r}")
        check_page(limit, offset)
        ns = self._binding.row()
        if ns is None:
            return []
        return self._db.repository.page(
            ns, where=where or MemoryFilter(), order_by=order_by, descending=descending, limit=limit, offset=offset
        )

    def search(self, query: str, *, k: int = 10, where: MemoryFilter | None = None) -> list[SearchHit]:
        """The ``k`` memories most similar in meaning to ``query``, most similar first (no recency or
        importance, no access recorded).

        Raises:
            ConfigError: blank query or k < 1.
        """
        options = RecallOptions.of(
            self._db.recall,
            k=k,
            now=self._db.clock(),
            scoring=_RELEVANCE_ONLY,
            where=where,
            hybrid=False,
            touch=False,
            floor=False,
        )
        ranked = recalling.retrieve(self._db, self._binding.row(), query, options)
        return [SearchHit(m.memory, m.relevance) for m in ranked]

    def retrieve(
        self,
        query: QueryInput,
        *,
        k: int = 10,
        now: datetime | None = None,
        scoring: Scoring | None = None,
        where: MemoryFilter | None = None,
        hybrid: bool | None = None,
        touch: bool = False,
        floor: bool = True,
        as_of: datetime | None = None,
        include_superseded: bool = False,
    ) -> list[ScoredMemory]:
        """The ``k`` memories that matter most for ``query``: relevance, recency and importance.

        Only memories whose relevance reaches the store's floor (:attr:`RecallConfig.min_relevance`) come
        back, so there may be fewer than ``k``, or none.

        Args:
            query: what the agent is thinking about now: a string, or its recent messages, newest last
                (:class:`~agentmem.Message` values or ``{"role": ..., "content": ...}`` mappings). Messages
                are read newest first, and memories that repeat what they already contain are left out
                (see :mod:`agentmem.ranking.queries`); a string longer than the embedding model reads is
                read from its newest end, never cut to its oldest part.
            k: how many memories.
            now: the time to measure recency from (agents with simulated clocks); default: the clock.
            scoring: weights and half-life; default: the store's :class:`RecallConfig`.
            where: restrict the candidates (kind, metadata, time ranges, archived).
            hybrid: fuse lexical matches into relevance; default: the store's setting.
            touch: record an access on the memories returned.
            floor: apply the store's relevance floor; False ranks the ``k`` best whatever their relevance
                (for callers whose contract is "the top k", such as a LangGraph store's search).
            as_of: only what held at this time: memories valid then, superseded versions included
                (``MemoryFilter.valid_at``); default: what holds now.
            include_superseded: rank superseded versions too (recall marks them "earlier … until").

        Raises:
            ConfigError: a bad argument.
        """
        options = RecallOptions.of(
            self._db.recall,
            k=k,
            now=now or self._db.clock(),
            scoring=scoring,
            where=where,
            hybrid=hybrid,
            touch=touch,
            floor=floor,
            as_of=as_of,
            include_superseded=include_superseded,
        )
        return recalling.retrieve(self._db, self._binding.row(), query, options)

    def recall(
        self,
        query: QueryInput,
        *,
        token_budget: int | None = None,
        k: int | None = None,
        now: datetime | None = None,
        scoring: Scoring | None = None,
        where: MemoryFilter | None = None,
        hybrid: bool | None = None,
        touch: bool | None = None,
        floor: bool = True,
        as_of: datetime | None = None,
        include_superseded: bool = False,
    ) -> PromptMemory:
        """The memories that matter most for ``query``, as a block that fits ``token_budget`` tokens.

        Ranked as :meth:`retrieve` ranks, only memories above the store's relevance floor; near-duplicates of
        a better memory are left out; the block holds as many of the best as fit (at most ``k``), and a best
        memory longer than the budget is truncated with a marker rather than dropped. The block is empty when
        nothing bears on the query. The memories in the block get an access recorded (``touch``).

        Args:
            query: what the agent is thinking about now: a string or its recent messages, newest last, as
                for :meth:`retrieve`. Memories that repeat the messages take none of the budget.
            token_budget: tokens the block may take; default: the store's (1,000).
            k: at most this many memories; default: as many as fit, up to the store's ``max_memories``.
            now, scoring, where, hybrid, floor, as_of, include_superseded: as for :meth:`retrieve`.
            touch: record an access on the memories in the block; default: the store's setting (on).

        Raises:
            ConfigError: a bad argument.
        """
        options = RecallOptions.of(
            self._db.recall,
            k=k or None,
            now=now or self._db.clock(),
            scoring=scoring,
            where=where,
            hybrid=hybrid,
            touch=touch,
            token_budget=token_budget,
            vectors=True,
            floor=floor,
            as_of=as_of,
            include_superseded=include_superseded,
        )
        return recalling.recall(self._db, self._binding.row(), query, options)

    def stats(self) -> NamespaceStats:
        """Counts, storage and index state of this namespace."""
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        return self._db.stats(self.namespace, self._binding.row())

    # -- export and import ------------------------------------------------------------------------

    def export_memories(self, *, vectors: bool = False) -> Iterator[ExportedMemory]:
        """Every memory of this namespace (archived ones too) in id order, with provenance.

        Args:
            vectors: include each stored vector (bit-exact), so an import needs no re-embedding.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        ns = self._binding.row()
        if ns is None:
            return
        for record, sources, blob, embedded_text in self._db.repository.export_rows(ns, with_vectors=vectors):
            yield ExportedMemory(record, sources, ns.model_id if vectors else None, blob, embedded_text)

    def import_memories(
        self, items: Iterable[ExportedMemory], *, keep_ids: bool = True, dry_run: bool = False
    ) -> list[int]:
        """Restore exported memories into this namespace exactly as they were, in one transaction.

        Every field of every item is checked first (ids, types, vectors, links); one problem imports
        nothing. Vectors exported with the same model are used as they are; others are embedded again
        (through the embedding cache).

        Args:
            items: exported memories (from :meth:`export_memories` or :func:`agentmem.store.jsonl.read_jsonl`).
            keep_ids: keep their ids (so references to them stay valid); False gives new ids and remaps
                provenance links.
            dry_run: only check the items, write nothing (returns no ids).

        Returns:
            The ids of the imported memories, in order.

        Raises:
            ImportRejectedError: every invalid item, by position (``memory #i``), and why.
            ConfigError: ``keep_ids`` with ids already used in this database.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        with self._db.lock:
            return importing.import_memories(self._db, self._binding, list(items), keep_ids=keep_ids, dry_run=dry_run)

    # -- distilling and forgetting -----------------------------------------------------------------

    def reflect(self, *, dry_run: bool = False, now: datetime | None = None) -> list[Reflection]:
        """Distil groups of related observations into reflections that replace them.

        Each reflection is stored with ``kind="reflection"``, an importance derived from its sources and
        links to them; the sources it covers are archived (out of recall, kept in SQL, restorable), and a source
        whose names, numbers, dates or most of whose words the summary lacks stays active, linked to it
        (:mod:`agentmem.consolidation.coverage`): no fact becomes unreachable. One transaction per reflection,
        and running it again never duplicates one.

        Args:
            dry_run: only say what would be made.
            now: the time recorded as the reflection's; default: the clock.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        ns = self._binding.row()
        if ns is None:
            return []
        return upkeep.reflect(self._db, ns, now=now or self._db.clock(), dry_run=dry_run)

    def maybe_reflect(self, *, now: datetime | None = None) -> list[Reflection]:
        """Reflect if the importances of un-reflected observations add up to the policy's threshold."""
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        ns = self._binding.row()
        if ns is None or upkeep.pending_importance(self._db, ns) < self._db.policy.reflection.threshold:
            return []
        return self.reflect(now=now)

    def prune(
        self,
        *,
        older_than: timedelta | None = None,
        below_retention: float | None = None,
        max_active: int | None = None,
        hard: bool = False,
        dry_run: bool = True,
        now: datetime | None = None,
    ) -> PruneResult:
        """Forget what matters least: archive (or with ``hard``, delete) the memories any criterion selects.

        Retention combines importance, recency and access count (:mod:`agentmem.consolidation.retention`). A dry run
        (the default) changes nothing and lists exactly what would go.

        Args:
            older_than: memories created longer ago than this.
            below_retention: memories whose retention is below this, in [0, 1].
            max_active: keep at most this many active memories (lowest retention goes first).
            hard: delete text, vector and cached embedding for good instead of archiving.
            dry_run: only report.
            now: the time retention is measured at; default: the clock.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        plan = PrunePlan(older_than, below_retention, max_active, self._db.policy.forget_half_life)
        ns = self._binding.row()
        if ns is None:
            return PruneResult("delete" if hard else "archive", (), (), applied=not dry_run)
        return upkeep.prune(self._db, ns, plan, now=now or self._db.clock(), hard=hard, dry_run=dry_run)

    def restore(self, memory_ids: Iterable[int]) -> list[int]:
        """Bring archived memories back into recall; returns the ids restored."""
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        ns = self._binding.row()
        return [] if ns is None else upkeep.restore(self._db, ns, memory_ids_of(memory_ids))

    def sources(self, memory_id: int) -> list[MemoryRecord]:
        """The memories a reflection was made from (archived ones included), in id order.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        self.get(memory_id)
        ns = self._binding.row()
        assert ns is not None  # get() found the memory, so the namespace exists
        return self._db.repository.get_many(ns, sorted(self._db.repository.sources_of(memory_id)))

    # -- maintenance ------------------------------------------------------------------------------

    def reindex(self) -> NamespaceStats:
        """Rebuild this namespace's vector index from the vectors stored in SQL (no re-embedding)."""
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        with self._db.lock:
            ns = self._binding.row()
            if ns is not None:
                self._db.replicas.rebuild(ns)
        return self.stats()

    def flush_accesses(self) -> None:
        """Write the access records recall has queued (recency) to SQL now, so other processes see them.

        Recall writes them behind its answer (on a size or time bound, before any other operation, on close);
        a server whose clients are other processes calls this after answering.
        """
        self._db.accesses.flush()

    def checkpoint(self) -> None:
        """Save this namespace's vector index to its file now (also done on close and periodically)."""
        self._db.accesses.flush()  # what follows reads or writes memories: accesses first
        with self._db.lock:
            ns = self._binding.row()
            if ns is not None:
                self._db.replicas.synced(ns)
                self._db.replicas.checkpoint(ns)
