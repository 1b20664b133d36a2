"""The server's resources (its namespaces and their statistics) and its prompt (a task with its memories).

- ``agentmem://namespaces``: the namespaces a client of this server can reach, each with the URI of its
  statistics. A pinned server (stdio, or HTTP with ``--namespace``) lists its one namespace; an HTTP server
  that lets the URL choose lists every namespace in the database, since any of them is one URL away.
- ``agentmem://namespaces/{name}/stats``: what a namespace holds (the ``stats`` tool's answer).
- The prompt ``memory_context``: the task, preceded by the ``get_context`` block for it, for clients that
  offer prompts (slash commands) rather than letting the model call tools.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from mcp import MCPError
from mcp.server.mcpserver import Context, MCPServer, UserMessage
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS
from pydantic import Field

from agentmem import AgentMemError, ConfigError, MemoryNotFoundError
from agentmem.adapters.mcp.models import StatsView
from agentmem.adapters.mcp.service import MemoryService
from agentmem.adapters.mcp.tools import namespace_of

__all__ = ["NAMESPACES_URI", "PROMPT_NAME", "STATS_URI", "protocol_error", "register_resources"]

NAMESPACES_URI = "agentmem://namespaces"
STATS_URI = "agentmem://namespaces/{name}/stats"
PROMPT_NAME = "memory_context"
_JSON = "application/json"


def register_resources(server: MCPServer[Any], service: MemoryService) -> None:
    """Add the namespace resources and the ``memory_context`` prompt to ``server``."""

    @server.resource(NAMESPACES_URI, name="namespaces", description=_namespaces.__doc__, mime_type=_JSON)
    def namespaces() -> str:
        return _namespaces(service)

    @server.resource(STATS_URI, name="namespace_stats", description=_stats.__doc__, mime_type=_JSON)
    def stats(name: str) -> str:
        return _stats(service, name)

    @server.prompt(name=PROMPT_NAME, description=_context_prompt.__doc__)
    def context_prompt(
        ctx: Context[Any, Any],
        task: Annotated[str, Field(description="What to do; the memories that matter for it come first.")],
        token_budget: Annotated[int, Field(ge=0, description="Tokens the memories may take.")] = 800,
    ) -> list[UserMessage]:
        return _context_prompt(service, namespace_of(ctx), task, token_budget)


def _namespaces(service: MemoryService) -> str:
    """The namespaces this server serves, with the URI of each one's statistics."""
    listed = [{"namespace": n, "stats": STATS_URI.replace("{name}", n)} for n in service.served()]
    return json.dumps({"default": service.namespace, "namespaces": listed}, ensure_ascii=False)


def _stats(service: MemoryService, name: str) -> str:
    """What a namespace holds: memories by status and kind, its model, its index and storage."""
    try:
        found = service.store(name).stats()
    except AgentMemError as exc:
        raise protocol_error(exc) from exc
    return StatsView.of(found).model_dump_json()


def _context_prompt(service: MemoryService, namespace: str | None, task: str, token_budget: int) -> list[UserMessage]:
    """The task, preceded by the memories that matter most for it (the get_context block)."""
    try:
        block = service.store(namespace).recall(task, token_budget=token_budget, touch=not service.read_only)
    except AgentMemError as exc:
        raise protocol_error(exc) from exc
    return [UserMessage(f"{block.text}\n\n{task}" if block.text else task)]


def protocol_error(exc: AgentMemError) -> MCPError:
    """An agentmem error as the JSON-RPC error a resource read or prompt answers with (tools answer with a
    tool error instead, which the model reads): invalid params for the caller's mistakes."""
    code = INVALID_PARAMS if isinstance(exc, (ConfigError, MemoryNotFoundError)) else INTERNAL_ERROR
    return MCPError(code=code, message=f"{type(exc).__name__}: {exc}")
