"""AgentMemStore: LangGraph's ``BaseStore`` over agentmem memories (see :mod:`agentmem.adapters.langgraph`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    IndexConfig,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    ensure_embeddings,
    get_text_at_path,
    tokenize_path,
)

from agentmem import (
    ConfigError,
    EmbedderMismatchError,
    MemoryNotFoundError,
    MemoryStore,
    NewMemory,
)
from agentmem.adapters.langchain import LangChainEmbedder
from agentmem.adapters.langgraph.items import (
    ItemView,
    item_metadata,
    item_text,
    matches_filter,
    memory_id_of,
    view_of,
)
from agentmem.adapters.langgraph.paths import decode_namespace, encode_namespace, list_namespaces
from agentmem.adapters.langgraph.search import UNINDEXED, listed, ranked
from agentmem.adapters.langgraph.ttl import TTLSweeper, expired_ids

__all__ = ["AgentMemStore", "NamespaceError"]

Fields = list[tuple[str, str | list[str]]]


class NamespaceError(ConfigError, InvalidNamespaceError):
    """A namespace LangGraph or agentmem cannot hold (empty, an empty label, over 255 characters encoded)."""


class AgentMemStore(BaseStore):
    """A LangGraph store whose items are agentmem memories: persistent, searchable by relevance, recency
    and importance, and seen by recall, reflection, pruning and the ``agentmem`` CLI.

    Args:
        memory: an open :class:`agentmem.MemoryStore` (its embedder embeds the items), or a SQLite path or
            SQLAlchemy URL to open (None: agentmem's default database); the store closes what it opened.
        index: LangGraph's index config. ``embed`` (LangChain embeddings, an embedding function, or a
            provider string) with ``dims`` becomes the embedder of the opened database (not allowed with
            an open ``memory``); ``fields`` (default ``["$"]``, the whole value) say what is embedded.
            Without it items are still embedded, by the database's embedder (the bundled model by default),
            so search by meaning works too.
        ttl: LangGraph's TTL config: ``default_ttl`` (minutes), ``refresh_on_read``, ``omit_expired``,
            ``sweep_interval_minutes`` (see :meth:`start_ttl_sweeper`).
        kind: the agentmem kind of the memories items become.
        importance: their importance in [0, 1]; None: the store's importance scorer decides.
        model_id: the name recorded for an ``index["embed"]`` embedder (default: derived from it).
        options: further :meth:`agentmem.MemoryStore.open` options when ``memory`` is a path (``index_dir``,
            ``clock``, ``recall``, ...).

    Raises:
        ConfigError: conflicting arguments, or ``dims`` other than the embedder's.
    """

    supports_ttl: bool = True

    def __init__(
        self,
        memory: MemoryStore | str | os.PathLike[str] | None = None,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        kind: str = "observation",
        importance: float | None = None,
        model_id: str | None = None,
        **options: Any,
    ) -> None:
        embed = (index or {}).get("embed")
        if isinstance(memory, MemoryStore):
            if embed is not None or options or model_id is not None:
                raise ConfigError(
                    "an open MemoryStore already has its embedder and options: open it with "
                    "MemoryStore.open(..., embedder=LangChainEmbedder(...)), or pass a path instead"
                )
            self._memory, self._owned = memory, False
        else:
            if model_id is not None and embed is None:
                raise ConfigError("model_id names the embedder of index['embed']: give both, or neither")
            if embed is not None:
                if "embedder" in options:
                    raise ConfigError("give either index['embed'] or embedder=, not both")
                if not isinstance(index, dict) or not isinstance(index.get("dims"), int):
                    raise ConfigError("an index config with 'embed' needs 'dims', the length of its vectors")
                options["embedder"] = LangChainEmbedder(
                    ensure_embeddings(embed), dimensions=index["dims"], model_id=model_id
                )
            self._memory, self._owned = MemoryStore.open(memory, **options), True
        dims = (index or {}).get("dims")
        if dims is not None and dims != self._memory.embedder.dimensions:
            if self._owned:
                self._memory.close()
            raise ConfigError(f"index dims={dims}, but the embedder makes {self._memory.embedder.dimensions}-d vectors")
        self.index_config = dict(index) if index else None
        self.ttl_config = ttl
        self._fields = _fields((index or {}).get("fields") or ["$"])
        self._kind = kind
        self._importance = importance
        self._lock = threading.RLock()
        self._stores: dict[str, MemoryStore | None] = {}
        self._sweeper = TTLSweeper(self.sweep_ttl)

    # -- agentmem's view ----------------------------------------------------------------------------

    @property
    def memory(self) -> MemoryStore:
        """The agentmem store underneath (its own namespace is not one of LangGraph's)."""
        return self._memory

    def memory_for(self, namespace: tuple[str, ...]) -> MemoryStore:
        """The agentmem namespace holding a LangGraph namespace's items: recall, reflect, prune it there.

        Raises:
            NamespaceError: a namespace no agentmem namespace can hold.
            EmbedderMismatchError: that agentmem namespace was built with another embedding model.
        """
        store = self._store(self._name(namespace), strict=True)
        assert store is not None
        return store

    def close(self) -> None:
        """Stop the TTL sweeper and close the database if this store opened it."""
        self._sweeper.stop(timeout=None)
        if self._owned:
            self._memory.close()

    def __enter__(self) -> AgentMemStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- BaseStore -------------------------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run LangGraph operations. Reads see the store as it was before the batch's writes, as in
        LangGraph's ``InMemoryStore``; of several writes to one item the last wins."""
        ops = list(ops)
        results: list[Result] = [None] * len(ops)
        with self._lock:
            now = self._memory.clock()
            gets: list[tuple[int, GetOp]] = []
            puts: dict[tuple[tuple[str, ...], str], PutOp] = {}
            for position, op in enumerate(ops):
                if isinstance(op, GetOp):
                    gets.append((position, op))
                elif isinstance(op, SearchOp):
                    results[position] = self._search(op, now)
                elif isinstance(op, ListNamespacesOp):
                    results[position] = self._list(op)
                elif isinstance(op, PutOp):
                    puts.pop((tuple(op.namespace), op.key), None)  # the last write wins, in its place
                    puts[(tuple(op.namespace), op.key)] = op
                else:
                    raise ConfigError(f"unknown LangGraph operation {type(op).__name__}")
            self._get(gets, results, now)
            self._put(list(puts.values()), now)
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """:meth:`batch` in a worker thread: SQL, FAISS and embedding never block the event loop."""
        return await asyncio.to_thread(self.batch, list(ops))

    # -- TTL -------------------------------------------------------------------------------------------

    def sweep_ttl(self) -> int:
        """Delete the items past their time to live; returns how many."""
        removed = 0
        for _, store in self._namespaces():
            with self._lock:
                removed += len(store.forget_many(expired_ids(store, self._memory.clock())))
        return removed

    async def asweep_ttl(self) -> int:
        """:meth:`sweep_ttl` in a worker thread."""
        return await asyncio.to_thread(self.sweep_ttl)

    def start_ttl_sweeper(self, sweep_interval_minutes: float | None = None) -> concurrent.futures.Future[None]:
        """Sweep expired items every ``sweep_interval_minutes`` (default: the TTL config's, else 5) in a
        daemon thread, as LangGraph's SQL stores do; cancel the future or call :meth:`stop_ttl_sweeper`."""
        interval = sweep_interval_minutes or (self.ttl_config or {}).get("sweep_interval_minutes") or 5
        return self._sweeper.start(float(interval))

    def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the sweeper thread; False if it did not stop within ``timeout`` seconds."""
        return self._sweeper.stop(timeout=timeout)

    # -- operations ------------------------------------------------------------------------------------

    def _get(self, ops: list[tuple[int, GetOp]], results: list[Result], now: datetime) -> None:
        by_namespace: dict[tuple[str, ...], list[tuple[int, GetOp]]] = {}
        for position, op in ops:
            by_namespace.setdefault(tuple(op.namespace), []).append((position, op))
        for namespace, group in by_namespace.items():
            store = self._existing(namespace)
            if store is None:
                continue
            views = {k: view_of(m) for k, m in store.get_by_keys([op.key for _, op in group]).items()}
            for _, op in group:
                if op.key not in views and (memory := _unkeyed(store, op.key)) is not None:
                    views[op.key] = view_of(memory)
            found = {k: v for k, v in views.items() if not (self._omit_expired and v.expired(now))}
            for position, op in group:
                view = found.get(op.key)
                results[position] = None if view is None else _item(namespace, view)
            self._refresh(store, [found[op.key] for _, op in group if op.refresh_ttl and op.key in found], now)

    def _search(self, op: SearchOp, now: datetime) -> list[SearchItem]:
        targets = self._namespaces(tuple(op.namespace_prefix))

        def keep(view: ItemView) -> bool:
            return matches_filter(view.value, op.filter) and not (self._omit_expired and view.expired(now))

        found: list[tuple[ItemView, float | None]]
        if op.query and op.query.strip():
            best = ranked(targets, op.query, op.offset + op.limit, keep)
            found = [(v, m.score) for v, m in best[op.offset : op.offset + op.limit]]
            if len(found) < op.limit:
                # Items without vectors for LangGraph come after the ranked ones, as in InMemoryStore.
                skip = max(op.offset - len(best), 0)
                unindexed = listed(targets, lambda v: not v.indexed and keep(v), where=UNINDEXED)
                found += [(v, None) for v in itertools.islice(unindexed, skip, skip + op.limit - len(found))]
        else:
            found = [(v, None) for v in itertools.islice(listed(targets, keep), op.offset, op.offset + op.limit)]
        if op.refresh_ttl:
            stores = {s.namespace: s for _, s in targets}
            for namespace, views in itertools.groupby(sorted(found, key=lambda f: f[0].memory.namespace), key=_ns_of):
                self._refresh(stores[namespace], [v for v, _ in views], now)
        return [_search_item(view, score) for view, score in found]

    def _list(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        conditions = [(c.match_type, tuple(c.path)) for c in op.match_conditions or ()]
        known = (ns for ns, _ in self._namespaces())
        return list_namespaces(known, conditions, max_depth=op.max_depth, limit=op.limit, offset=op.offset)

    def _put(self, ops: list[PutOp], now: datetime) -> None:
        by_namespace: dict[tuple[str, ...], list[PutOp]] = {}
        for op in ops:
            by_namespace.setdefault(tuple(op.namespace), []).append(op)
        for namespace, group in by_namespace.items():
            store = self._store(self._name(namespace), strict=True)
            assert store is not None
            deleted = store.get_by_keys([op.key for op in group if op.value is None])
            # `agentmem:<id>` items (memories without a key) are replaced or deleted by id.
            unkeyed = [m.id for op in group if op.key not in deleted and (m := _unkeyed(store, op.key)) is not None]
            writes = [self._new_memory(op, now) for op in group if op.value is not None]
            if writes:
                store.add_many(writes)  # one transaction; a taken key is replaced in it
            store.forget_many([m.id for m in deleted.values()] + unkeyed)

    def _new_memory(self, op: PutOp, now: datetime) -> NewMemory:
        value = op.value
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ConfigError(f"the value of {op.key!r} must be a dict with string keys, not {type(value).__name__}")
        texts: list[str] = []
        if op.index is not False:
            fields = self._fields if op.index is None else _fields(op.index)
            texts = [t for _, path in fields for t in get_text_at_path(value, path)]
        ttl = None if op.ttl is None else float(op.ttl)
        return NewMemory(
            text=item_text(value, texts),
            key=op.key,
            kind=self._kind,
            importance=self._importance,
            metadata=item_metadata(value, updated_at=now, indexed=bool(texts), ttl_minutes=ttl),
        )

    def _refresh(self, store: MemoryStore, views: list[ItemView], now: datetime) -> None:
        """A refreshing read (the op's ``refresh_ttl``, which BaseStore defaults to the config's
        ``refresh_on_read``) restarts the time to live of the items that have one, and only of those: a read
        of the others stays a read, not a write."""
        ids = [v.memory.id for v in views if v.ttl_minutes is not None]
        if ids:
            store.touch(ids, now=now)

    # -- namespaces ------------------------------------------------------------------------------------

    @property
    def _omit_expired(self) -> bool:
        return bool((self.ttl_config or {}).get("omit_expired", False))

    def _name(self, namespace: tuple[str, ...]) -> str:
        try:
            return encode_namespace(namespace)
        except ValueError as exc:
            raise NamespaceError(str(exc)) from exc

    def _existing(self, namespace: tuple[str, ...]) -> MemoryStore | None:
        try:
            return self._store(encode_namespace(namespace), strict=False)
        except ValueError:
            return None

    def _store(self, name: str, *, strict: bool) -> MemoryStore | None:
        """The agentmem store of a namespace name; None (or, ``strict``, the error) for one built with
        another embedding model, which is not part of this LangGraph store."""
        if name not in self._stores:
            try:
                self._stores[name] = self._memory.with_namespace(name)
            except EmbedderMismatchError:
                self._stores[name] = None
                if strict:
                    raise
        store = self._stores[name]
        if store is None and strict:
            self._stores.pop(name)
            return self._store(name, strict=True)
        return store

    def _namespaces(self, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], MemoryStore]]:
        """The LangGraph namespaces in the database under ``prefix``, with their agentmem stores."""
        try:
            head = encode_namespace(prefix) if prefix else ""
        except ValueError:
            return []  # no namespace can hold it, so none is under it
        found = []
        with self._lock:
            for name in self._memory.namespaces():
                if head and name != head and not name.startswith(head + "/"):
                    continue  # labels never hold a bare "/", so this is the prefix test on encoded names
                namespace = decode_namespace(name)
                store = None if namespace is None else self._store(name, strict=False)
                if namespace is not None and store is not None:
                    found.append((namespace, store))
        return found


def _fields(paths: Iterable[str]) -> Fields:
    return [(p, "$" if p == "$" else tokenize_path(p)) for p in paths]


def _unkeyed(store: MemoryStore, key: str) -> Any:
    """The memory without a key that an ``agentmem:<id>`` key names, if it is in this namespace."""
    memory_id = memory_id_of(key)
    if memory_id is None:
        return None
    try:
        memory = store.get(memory_id)
    except MemoryNotFoundError:
        return None
    return memory if memory.key is None else None


def _ns_of(found: tuple[ItemView, float | None]) -> str:
    return found[0].memory.namespace


def _item(namespace: tuple[str, ...], view: ItemView) -> Item:
    return Item(
        value=view.value, key=view.key, namespace=namespace, created_at=view.created_at, updated_at=view.updated_at
    )


def _search_item(view: ItemView, score: float | None) -> SearchItem:
    namespace = decode_namespace(view.memory.namespace)
    assert namespace is not None
    return SearchItem(namespace, view.key, view.value, view.created_at, view.updated_at, score)
