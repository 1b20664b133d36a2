"""How a LangGraph search reads agentmem: ranked by agentmem's score across namespaces, or listed newest first."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator

from agentmem import MemoryFilter, MemoryStore, ScoredMemory
from agentmem.adapters.langgraph.items import ItemView, view_of

__all__ = ["UNINDEXED", "listed", "ranked"]

Targets = list[tuple[tuple[str, ...], MemoryStore]]

UNINDEXED = MemoryFilter(metadata={"indexed": False})
"""The items LangGraph has no vectors for, selected in SQL (the metadata layout of :mod:`.items`)."""


def ranked(
    targets: Targets, query: str, want: int, keep: Callable[[ItemView], bool]
) -> list[tuple[ItemView, ScoredMemory]]:
    """The ``want`` best indexed items that ``keep`` lets through, by agentmem's score over every target
    namespace (the score depends only on the memory and the query, so per-namespace tops merge exactly).
    A LangGraph search returns its ``limit`` best whatever their similarity, so the relevance floor is off."""
    found: list[tuple[ItemView, ScoredMemory]] = []
    for _, store in targets:
        k = max(want, 1) * 2
        while True:
            ranked = store.retrieve(query, k=k, floor=False)
            passing = [(v, m) for m in ranked if (v := view_of(m.memory)).indexed and keep(v)]
            if len(passing) >= want or len(ranked) < k:
                break
            k *= 4  # filtered out too many: rank deeper
        found.extend(passing[:want])
    found.sort(key=lambda f: (-f[1].score, -f[1].memory.id))
    return found


def listed(
    targets: Targets,
    keep: Callable[[ItemView], bool],
    *,
    where: MemoryFilter | None = None,
) -> Iterator[ItemView]:
    """Items that ``keep`` (and, in SQL, ``where``) let through, most recently written first (as LangGraph's
    SQL stores order a search without a query), read page by page so a small page stops early."""
    streams = [_pages(store, where) for _, store in targets]
    return (v for v in heapq.merge(*streams, key=lambda v: -v.memory.id) if keep(v))


def _pages(store: MemoryStore, where: MemoryFilter | None) -> Iterator[ItemView]:
    offset, size = 0, 64
    while True:
        page = store.list_memories(where=where, order_by="id", descending=True, limit=size, offset=offset)
        yield from (view_of(m) for m in page)
        if len(page) < size:
            return
        offset, size = offset + size, min(size * 4, 4096)
