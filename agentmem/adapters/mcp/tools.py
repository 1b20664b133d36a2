"""The server's tools: agentmem's store, one namespace per client, as MCP tools with schemas and hints.

Each tool is a method of :class:`MemoryTools`; its parameters (with their ``Field`` constraints) are its
input schema and its return model (:mod:`.models`) its output schema. The namespace is never an argument:
:func:`namespace_of` reads it from the request (the URL path over HTTP; stdio serves one). An
:class:`~agentmem.AgentMemError` becomes a tool error whose text is ``<ErrorClass>: <its message>``, which
the model reads and can act on; anything else is reported by the SDK as a bare "Error executing tool" (the
traceback stays in the server's log).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, ParamSpec, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import AwareDatetime, Field
from starlette.requests import Request

from agentmem import AgentMemError, ConfigError, MemoryStore
from agentmem.adapters.mcp.models import (
    ChatMessage,
    ContextBlock,
    DeleteResult,
    Filters,
    ListOrder,
    MemoryPage,
    MemoryView,
    PruneReceipt,
    ReflectionView,
    ReflectResult,
    ScoredView,
    SearchResult,
    StatsView,
    UpdateResult,
)
from agentmem.adapters.mcp.service import MemoryService
from agentmem.adapters.mcp.supersede import Change, supersede

__all__ = ["TOOLS", "MemoryTools", "namespace_of", "register_tools"]

P = ParamSpec("P")
R = TypeVar("R")

MemoryId = Annotated[int, Field(ge=1, description="The memory's id.")]
Budget = Annotated[int | None, Field(ge=0, le=100_000, description="Tokens the block may take (default 1000).")]
Importance = Annotated[float | None, Field(ge=0.0, le=1.0, description="How much it matters, in [0, 1].")]
Kind = Annotated[str | None, Field(min_length=1, max_length=64, description="A label: fact, observation, plan...")]
Metadata = Annotated[dict[str, Any] | None, Field(description="JSON key/values, filterable later.")]
FiltersArg = Annotated[Filters | None, Field(description="Restrict the memories considered.")]


def namespace_of(ctx: Context[Any, Any]) -> str | None:
    """The namespace the request's URL names (``/mcp/<namespace>``), or None for the server's own (stdio,
    and HTTP requests to ``/mcp``)."""
    request = ctx.request_context.request
    if isinstance(request, Request):
        name = request.path_params.get("namespace")
        return str(name) if name else None
    return None


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Refuse arguments the tool does not take (the SDK would drop them silently: a misspelt budget, or a
    namespace), and turn agentmem's errors into tool errors carrying their message (the SDK hides any other
    exception's text)."""
    taken = set(inspect.signature(fn).parameters) - {"self", "ctx"}

    @functools.wraps(fn)
    def answered(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = kwargs["ctx"]
        assert isinstance(ctx, Context)
        try:
            _check_arguments(ctx, taken)
            return fn(*args, **kwargs)
        except AgentMemError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from exc

    return answered


def _check_arguments(ctx: Context[Any, Any], taken: set[str]) -> None:
    given = (ctx.request_context.params or {}).get("arguments") or {}
    unknown = sorted(set(given) - taken)
    if not unknown:
        return
    hint = (
        "; the namespace is the server's (--namespace or the URL), never an argument" if "namespace" in unknown else ""
    )
    accepted = ", ".join(sorted(taken)) or "none"
    raise ConfigError(f"unknown argument {', '.join(unknown)} (this tool takes: {accepted}){hint}")


class MemoryTools:
    """The tools of one server, answering from its :class:`MemoryService`."""

    def __init__(self, service: MemoryService) -> None:
        self._service = service

    def _store(self, ctx: Context[Any, Any]) -> MemoryStore:
        return self._service.store(namespace_of(ctx))

    @_tool_errors
    def add_memory(
        self,
        ctx: Context[Any, Any],
        text: Annotated[str, Field(min_length=1, description="What to remember: a fact, an event, a preference.")],
        kind: Kind = "observation",
        importance: Importance = None,
        metadata: Metadata = None,
        created_at: Annotated[
            AwareDatetime | None, Field(description="When it happened, with a timezone; default: now.")
        ] = None,
    ) -> MemoryView:
        """Remember something for later. Importance defaults to an offline estimate; an exact copy of an active
        memory strengthens that memory (its id is returned) instead of storing the text twice."""
        store = self._store(ctx)
        with self._service.writing("add memories"):
            record = store.add(
                text, importance=importance, kind=kind or "observation", metadata=metadata, created_at=created_at
            )
        return MemoryView.of(record)

    @_tool_errors
    def search_memories(
        self,
        ctx: Context[Any, Any],
        query: Annotated[str, Field(min_length=1, description="What to look for, in plain words.")],
        k: Annotated[int, Field(ge=1, le=100, description="How many memories.")] = 10,
        filters: FiltersArg = None,
    ) -> SearchResult:
        """The k memories that matter most for the query, best first, each with its score and the score's
        components (relevance, recency, importance). Records no access. Unlike get_context, no relevance
        floor: a search returns its k best, as vector-memory servers' searches do."""
        found = self._store(ctx).retrieve(query, k=k, where=Filters.to_filter(filters), touch=False, floor=False)
        return SearchResult(memories=[ScoredView.of(m) for m in found])

    @_tool_errors
    def get_context(
        self,
        ctx: Context[Any, Any],
        query: Annotated[str | None, Field(min_length=1, description="What the agent is working on now.")] = None,
        messages: Annotated[
            list[ChatMessage] | None,
            Field(min_length=1, description="Or the recent conversation, newest last, instead of a query."),
        ] = None,
        token_budget: Budget = None,
        k: Annotated[int | None, Field(ge=1, le=200, description="At most this many memories.")] = None,
        filters: FiltersArg = None,
    ) -> ContextBlock:
        """The memories that matter most now, as a prompt block that fits the token budget, with why each is in
        it (score = weights x relevance, recency, importance). Give a query, or the recent messages: memories
        that merely repeat the messages take no room. Records an access on the memories returned (how
        recency works), except on a read-only server."""
        if (query is None) == (messages is None):
            raise ConfigError("give either query or messages (the recent conversation), not both or neither")
        asked = query if query is not None else ChatMessage.to_messages(messages or [])
        store = self._store(ctx)
        block = store.recall(
            asked, token_budget=token_budget, k=k, where=Filters.to_filter(filters), touch=not self._service.read_only
        )
        self._service.flush_soon(store)  # the clients are other processes: they see the accesses at once
        return ContextBlock.of(block, self._service.scoring)

    @_tool_errors
    def get_memory(self, ctx: Context[Any, Any], memory_id: MemoryId) -> MemoryView:
        """One memory by id, archived ones too (superseded_by tells which memory replaced it)."""
        return MemoryView.of(self._store(ctx).get(memory_id))

    @_tool_errors
    def list_memories(
        self,
        ctx: Context[Any, Any],
        filters: FiltersArg = None,
        order_by: Annotated[ListOrder, Field(description="The order of the listing.")] = "id",
        descending: bool = False,
        limit: Annotated[int, Field(ge=1, le=500, description="Page size.")] = 50,
        offset: Annotated[int, Field(ge=0, description="Memories to skip: the next_offset of the last page.")] = 0,
    ) -> MemoryPage:
        """A page of memories (active ones unless filters.include_archived), in the order asked for."""
        page = self._store(ctx).list_memories(
            where=Filters.to_filter(filters), order_by=order_by, descending=descending, limit=limit, offset=offset
        )
        next_offset = offset + len(page) if len(page) == limit else None
        return MemoryPage(memories=[MemoryView.of(m) for m in page], offset=offset, next_offset=next_offset)

    @_tool_errors
    def update_memory(
        self,
        ctx: Context[Any, Any],
        memory_id: MemoryId,
        text: Annotated[str | None, Field(min_length=1, description="The corrected text.")] = None,
        kind: Kind = None,
        importance: Importance = None,
        metadata: Annotated[
            dict[str, Any] | None, Field(description="Keys to set, merged into the old metadata; null removes a key.")
        ] = None,
    ) -> UpdateResult:
        """Correct a memory: a new version replaces it (a new id, metadata.supersedes = the old id), and the old
        version is kept as history, archived with superseded_by = the new id. Unchanged fields carry over."""
        store = self._store(ctx)
        change = Change(text=text, kind=kind, importance=importance, metadata=metadata)
        with self._service.writing("update memories"):
            done = supersede(store, memory_id, change)
        return UpdateResult(memory=MemoryView.of(done.memory), superseded=MemoryView.of(done.superseded))

    @_tool_errors
    def delete_memory(self, ctx: Context[Any, Any], memory_id: MemoryId) -> DeleteResult:
        """Delete a memory for good: its text, metadata and vector. To correct one, use update_memory."""
        store = self._store(ctx)
        with self._service.writing("delete memories"):
            store.forget(memory_id)
        return DeleteResult(deleted=memory_id, namespace=store.namespace)

    @_tool_errors
    def reflect(
        self,
        ctx: Context[Any, Any],
        dry_run: Annotated[bool, Field(description="Only show what would be made (the default).")] = True,
    ) -> ReflectResult:
        """Distil groups of related observations into summaries (kind reflection) that replace them; the sources
        are archived, not deleted. A dry run by default: call again with dry_run false to apply."""
        store = self._store(ctx)
        if dry_run:
            made = store.reflect(dry_run=True)
        else:
            with self._service.writing("reflect (only a dry run)"):
                made = store.reflect(dry_run=False)
        return ReflectResult(applied=not dry_run, reflections=[ReflectionView.of(r) for r in made])

    @_tool_errors
    def prune(
        self,
        ctx: Context[Any, Any],
        older_than_days: Annotated[float | None, Field(gt=0, description="Memories created longer ago.")] = None,
        below_retention: Annotated[
            float | None, Field(ge=0.0, le=1.0, description="Memories whose retention is below this.")
        ] = None,
        max_active: Annotated[
            int | None, Field(ge=0, description="Keep at most this many active memories, lowest retention goes.")
        ] = None,
        hard: Annotated[bool, Field(description="Delete for good instead of archiving.")] = False,
        dry_run: Annotated[bool, Field(description="Only list what would go (the default).")] = True,
    ) -> PruneReceipt:
        """Forget what matters least (retention = importance, recency and recall count). A dry run by default
        lists exactly what would go; dry_run false applies it and returns the receipt of what went."""
        if older_than_days is None and below_retention is None and max_active is None:
            raise ConfigError("say what to prune: older_than_days, below_retention and/or max_active")
        store = self._store(ctx)
        criteria: dict[str, Any] = {
            "older_than": None if older_than_days is None else timedelta(days=older_than_days),
            "below_retention": below_retention,
            "max_active": max_active,
            "hard": hard,
        }
        if dry_run:
            result = store.prune(**criteria, dry_run=True)
        else:
            with self._service.writing("prune (only a dry run)"):
                result = store.prune(**criteria, dry_run=False)
        return PruneReceipt.of(store.namespace, result)

    @_tool_errors
    def stats(self, ctx: Context[Any, Any]) -> StatsView:
        """What this namespace holds: memories by status and kind, the model, the index, storage."""
        return StatsView.of(self._store(ctx).stats())


def _hints(*, read_only: bool, destructive: bool = False, idempotent: bool = False) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=None if read_only else destructive,
        idempotent_hint=None if read_only else idempotent,
        open_world_hint=False,
    )


_READ = _hints(read_only=True)
TOOLS: dict[str, tuple[ToolAnnotations, ToolAnnotations | None]] = {
    # name: (its hints, its hints on a read-only server; None: not offered there)
    "add_memory": (_hints(read_only=False), None),
    "search_memories": (_READ, _READ),
    "get_context": (_hints(read_only=False), _READ),  # it records an access, unless read-only
    "get_memory": (_READ, _READ),
    "list_memories": (_READ, _READ),
    "update_memory": (_hints(read_only=False, destructive=True), None),
    "delete_memory": (_hints(read_only=False, destructive=True, idempotent=True), None),
    "reflect": (_hints(read_only=False, destructive=True), _READ),  # archives its sources; dry runs only
    "prune": (_hints(read_only=False, destructive=True), _READ),
    "stats": (_READ, _READ),
}
"""Every tool, with its annotations for clients (readOnlyHint, destructiveHint, idempotentHint)."""


def register_tools(server: MCPServer[Any], service: MemoryService, *, inline: bool = False) -> None:
    """Add the tools to ``server``: all of them, or on a read-only server those that change nothing.

    Args:
        server: the SDK server.
        service: what the tools answer from.
        inline: run each call on the event loop's thread instead of a worker thread. For a server with one
            client (stdio), whose calls would wait for each other anyway: it saves two thread switches per
            call, which on a busy machine cost milliseconds. Several clients (HTTP) need worker threads.
    """
    tools = MemoryTools(service)
    for name, (hints, read_only_hints) in TOOLS.items():
        annotations = read_only_hints if service.read_only else hints
        if annotations is not None:
            method = getattr(tools, name)
            server.add_tool(
                _on_the_loop(method) if inline else method,
                name=name,
                description=inspect.getdoc(method),
                annotations=annotations,
                structured_output=True,
            )


def _on_the_loop(method: Callable[..., R]) -> Callable[..., Awaitable[R]]:
    # The SDK runs a coroutine function on the loop and a plain one on a worker thread; the signature (the
    # input schema) is read through __wrapped__.
    @functools.wraps(method)
    async def inline(**kwargs: Any) -> R:
        return method(**kwargs)

    return inline
