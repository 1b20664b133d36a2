"""MemoryStore: the public entry point that ties SQL, the embedder and the vector index together."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

from agentmem.config import Chunking, MemoryPolicy, RecallConfig, Scoring
from agentmem.db.migrate import MigrateMode
from agentmem.embedders import Embedder
from agentmem.errors import ConfigError, MemoryNotFoundError
from agentmem.ranking.queries import QueryInput
from agentmem.store.adding import add_memories
from agentmem.store.database import Clock, open_parts
from agentmem.store.recalling import Candidates, rank_query, touch
from agentmem.store.upkeep_methods import StoreUpkeep
from agentmem.store.validation import check_query
from agentmem.text.prompt import assemble
from agentmem.types import (
    JSONValue,
    MemoryFilter,
    MemoryRecord,
    NewMemory,
    PromptMemory,
    ScoredMemory,
    SearchHit,
    Tokenizer,
)

if TYPE_CHECKING:
    from agentmem.types import ImportanceScorer, Summarizer

__all__ = ["MemoryStore"]

LIST_ORDERS = ("id", "created_at", "last_accessed_at", "importance", "access_count")


class MemoryStore(StoreUpkeep):
    """Long-term memory of one namespace (an agent or user) in a SQL database, searchable by meaning.

    Open one with :meth:`open`; use it as a context manager or call :meth:`close`. Several stores (one per
    namespace) can share a database; :meth:`with_namespace` gives another namespace of the same database
    that shares the connection pool, embedder and loaded indexes.
    """

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
        parts = open_parts(
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
            return cls(parts, namespace)
        except BaseException:
            parts.repository.engine.dispose()
            raise

    def with_namespace(self, namespace: str) -> MemoryStore:
        """A store for another namespace of the same database, sharing connections, embedder and indexes."""
        return MemoryStore(self._parts, namespace)

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Checkpoint the loaded indexes and release the database connections."""
        self._replicas.close()
        self._repository.engine.dispose()

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def namespaces(self) -> list[str]:
        """Names of every namespace in the database."""
        return [ns.name for ns in self._repository.list_namespaces()]

    # -- writing ----------------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        importance: float | None = None,
        kind: str = "observation",
        metadata: Mapping[str, JSONValue] | None = None,
        created_at: datetime | None = None,
    ) -> MemoryRecord:
        """Remember one text. Committed to SQL (with its vector) before this returns.

        Args:
            text: what was observed; must not be blank.
            importance: in [0, 1]; default: the store's importance scorer decides (offline heuristic).
            kind: a label such as ``observation``, ``reflection`` or ``plan``.
            metadata: JSON-serialisable key/values, filterable later.
            created_at: when it happened (timezone-aware); default: now.

        Raises:
            ConfigError: invalid text, importance, kind, metadata or time.
        """
        item = NewMemory(text=text, importance=importance, kind=kind, metadata=metadata or {}, created_at=created_at)
        return self.add_many([item])[0]

    def add_many(self, items: Iterable[NewMemory | str]) -> list[MemoryRecord]:
        """Remember many texts: one embedding batch and one transaction for all of them.

        Raises:
            ConfigError: any item is invalid (nothing is stored then).
        """
        news = [NewMemory(text=i) if isinstance(i, str) else i for i in items]
        return add_memories(self._parts, self._namespace_for_write, news)

    def forget(self, memory_id: int) -> None:
        """Delete a memory for good: its text, metadata and vector.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        with self._lock:
            ns = self._namespace_row()
            deleted, version = ([], 0) if ns is None else self._repository.delete(ns, [memory_id])
            if not deleted or ns is None:
                raise MemoryNotFoundError(memory_id, namespace=self._namespace)
            self._replicas.applied(ns, version=version, remove=np.asarray(deleted, dtype=np.int64))

    # -- reading ----------------------------------------------------------------------------------

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
        if order_by not in LIST_ORDERS:
            raise ConfigError(f"order_by must be one of {', '.join(LIST_ORDERS)}, not {order_by!r}")
        if limit < 0 or offset < 0:
            raise ConfigError("limit and offset must be >= 0")
        ns = self._namespace_row()
        if ns is None:
            return []
        return self._repository.page(
            ns, where=where or MemoryFilter(), order_by=order_by, descending=descending, limit=limit, offset=offset
        )

    def search(self, query: str, *, k: int = 10, where: MemoryFilter | None = None) -> list[SearchHit]:
        """The ``k`` memories most similar in meaning to ``query``, most similar first (no recency or
        importance, no access recorded).

        Raises:
            ConfigError: blank query or k < 1.
        """
        ranked = self._rank(query, k=k, scoring=_RELEVANCE_ONLY, where=where, hybrid=False, now=None, vectors=False)
        return [SearchHit(m.memory, m.relevance) for m in ranked.memories]

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
    ) -> list[ScoredMemory]:
        """The ``k`` memories that matter most for ``query``: relevance, recency and importance.

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

        Raises:
            ConfigError: a bad argument.
        """
        when = now or self._clock()
        ranked = self._rank(query, k=k, scoring=scoring, where=where, hybrid=hybrid, now=when, vectors=False)
        if touch:
            self._touch([m.memory.id for m in ranked.memories], when)
        return ranked.memories

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
    ) -> PromptMemory:
        """The memories that matter most for ``query``, as a block that fits ``token_budget`` tokens.

        Ranked as :meth:`retrieve` ranks; near-duplicates of a better memory are left out; the block holds as
        many of the best as fit (at most ``k``), and a best memory longer than the budget is truncated with a
        marker rather than dropped. The memories in the block get an access recorded (``touch``).

        Args:
            query: what the agent is thinking about now: a string or its recent messages, newest last, as
                for :meth:`retrieve`. Memories that repeat the messages take none of the budget.
            token_budget: tokens the block may take; default: the store's (1,000).
            k: at most this many memories; default: as many as fit, up to the store's ``max_memories``.
            now, scoring, where, hybrid: as for :meth:`retrieve`.
            touch: record an access on the memories in the block; default: the store's setting (on).

        Raises:
            ConfigError: a bad argument.
        """
        config = self._parts.recall
        budget = config.token_budget if token_budget is None else token_budget
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise ConfigError(f"token_budget must be an integer >= 0, not {budget!r}")
        when = now or self._clock()
        ranked = self._rank(query, k=k or config.max_memories, scoring=scoring, where=where, hybrid=hybrid, now=when)
        block = assemble(
            ranked.memories,
            token_budget=budget,
            tokenizer=self._parts.prompt_tokenizer(),
            vectors=ranked.vectors,
            dedupe_threshold=config.dedupe_threshold,
        )
        if config.touch if touch is None else touch:
            self._touch([m.memory.id for m in block.memories], when)
        return block

    def _rank(
        self,
        query: QueryInput,
        *,
        k: int,
        scoring: Scoring | None,
        where: MemoryFilter | None,
        hybrid: bool | None,
        now: datetime | None,
        vectors: bool = True,
    ) -> Candidates:
        check_query(query, k)
        return rank_query(
            self._parts,
            self._namespace_row(),
            query,
            k=k,
            scoring=scoring,
            where=where,
            hybrid=hybrid,
            now=now,
            vectors=vectors,
        )

    def _touch(self, ids: list[int], when: datetime) -> None:
        ns = self._namespace_row()
        if ids and ns is not None:
            touch(self._parts, ns, ids, when)


# search() ranks by meaning alone.
_RELEVANCE_ONLY = Scoring(relevance=1.0, recency=0.0, importance=0.0)
