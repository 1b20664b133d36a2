"""agentmem as LangGraph's long-term memory: :class:`AgentMemStore`, a ``langgraph.store.base.BaseStore``.

Compile a graph with ``store=AgentMemStore("memories.db", index={...})`` and every node's injected
store, LangMem's memory tools and Deep Agents' ``/memories/`` files keep their items in SQL, persistent
across processes, ranked by relevance, recency and importance. Each LangGraph namespace is an agentmem
namespace (``("memories", "alice")`` is ``memories/alice``, see :mod:`.paths`) and each item a memory
with its key (:mod:`.items`), so ``agentmem recall``, reflection and pruning work on them too.

Needs ``pip install 'agentmem[langgraph]'``; ``import agentmem`` never imports this package.
"""

from __future__ import annotations

from agentmem import MissingDependencyError

try:
    import langgraph.store.base  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(exc.name or "langgraph", extra="langgraph") from exc

from agentmem.adapters.langgraph.store import AgentMemStore, NamespaceError

__all__ = ["AgentMemStore", "NamespaceError"]
