"""AgentMemory: the two calls a custom agent loop needs, observe and recall, over a MemoryStore.

A loop that is not Auto-GPT-shaped usually wants only this::

    from agentmem import AgentMemory

    with AgentMemory.open("memories.db", namespace="scout") as memory:
        memory.observe("The north gate is guarded at night.", importance=0.8)
        ...
        prompt = f"{memory.context_for(goal)}\\n\\nGoal: {goal}\\nNext action:"

Everything else (filters, listing, export, statistics) is on :attr:`AgentMemory.store`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from agentmem.ranking.queries import QueryInput
from agentmem.store.memory_store import MemoryStore
from agentmem.types import JSONValue, MemoryRecord

__all__ = ["AgentMemory"]


class AgentMemory:
    """Observe what happens; get back what matters for the current goal, sized for a prompt.

    Args:
        store: the store and namespace this agent remembers in; closed by :meth:`close`.
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    @classmethod
    def open(
        cls,
        path_or_url: str | os.PathLike[str] | None = None,
        *,
        namespace: str = "default",
        **store_options: Any,
    ) -> AgentMemory:
        """Open (creating if needed) an agent's memory.

        Args:
            path_or_url: a SQLite path, a SQLAlchemy URL, or None for ``$AGENTMEM_HOME/agentmem.db``.
            namespace: the agent's namespace; agents sharing a database never see each other's memories.
            **store_options: passed to :meth:`agentmem.MemoryStore.open` (``embedder``, ``recall``,
                ``tokenizer``, ``clock``...).

        Raises:
            AgentMemError: as :meth:`agentmem.MemoryStore.open` raises.
        """
        return cls(MemoryStore.open(path_or_url, namespace=namespace, **store_options))

    @property
    def store(self) -> MemoryStore:
        """The underlying store, for everything beyond observing and recalling."""
        return self._store

    @property
    def namespace(self) -> str:
        return self._store.namespace

    def observe(
        self,
        text: str,
        *,
        importance: float | None = None,
        kind: str = "observation",
        metadata: Mapping[str, JSONValue] | None = None,
        when: datetime | None = None,
    ) -> MemoryRecord:
        """Remember something the agent saw, did or concluded; stored before this returns.

        Args:
            text: what happened; must not be blank.
            importance: in [0, 1]; None for the store's default (0.5).
            kind: a label such as ``observation``, ``action`` or ``plan``.
            metadata: JSON-serialisable key/values, filterable later.
            when: when it happened (timezone-aware), for agents on a simulated clock; default: now.

        Returns:
            The stored memory.

        Raises:
            ConfigError: blank text, importance outside [0, 1], or a naive ``when``.
        """
        return self._store.add(text, importance=importance, kind=kind, metadata=metadata, created_at=when)

    def context_for(self, goal: QueryInput, token_budget: int = 1000) -> str:
        """The memories that matter most for ``goal``, as a prompt block of at most ``token_budget`` tokens.

        Ranked by relevance, recency and importance; near-duplicates dropped; the memories returned get an
        access recorded. Empty when nothing is remembered yet.

        Args:
            goal: what the agent is about to think about or do, or its recent messages (role/content,
                newest last: the query is built from the newest, and memories the messages already
                contain are left out, see :mod:`agentmem.ranking.queries`).
            token_budget: tokens the block may take, counted by the store's tokenizer.

        Raises:
            ConfigError: a blank goal or a negative budget.
        """
        return self._store.recall(goal, token_budget=token_budget).text

    def maybe_reflect(self) -> bool:
        """Distil related observations into reflections once enough important ones piled up.

        Returns:
            Whether any reflection was made (see :meth:`MemoryStore.maybe_reflect`).
        """
        return bool(self._store.maybe_reflect())

    def close(self) -> None:
        """Save the vector index and release the database connections."""
        self._store.close()

    def __enter__(self) -> AgentMemory:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
