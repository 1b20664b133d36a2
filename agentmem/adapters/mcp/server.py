"""The MCP server object: agentmem's tools, resources and prompt on the SDK's ``MCPServer``; stdio serving."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from agentmem import __version__
from agentmem.adapters.mcp.resources import register_resources
from agentmem.adapters.mcp.service import MemoryService
from agentmem.adapters.mcp.tools import register_tools

__all__ = ["SERVER_NAME", "build_server", "serve_stdio"]

SERVER_NAME = "agentmem"


def build_server(service: MemoryService, *, inline: bool = False) -> MCPServer[Any]:
    """An MCP server answering from ``service`` (run it, or mount its HTTP app); ``inline`` runs tool calls
    on the event loop's thread, for a server with one client (see :func:`register_tools`)."""
    server: MCPServer[Any] = MCPServer(
        SERVER_NAME,
        title="agentmem long-term memory",
        version=__version__,
        instructions=_instructions(service),
        # The SDK logs every request at INFO; a stdio server's stderr is the host's log pane.
        log_level="WARNING",
    )
    register_tools(server, service, inline=inline)
    register_resources(server, service)
    return server


def serve_stdio(service: MemoryService) -> None:
    """Serve one client on standard input and output until it disconnects, then close the store. Its calls
    run one at a time on the event loop's thread."""
    try:
        build_server(service, inline=True).run("stdio")
    finally:
        service.close()


def _instructions(service: MemoryService) -> str:
    where = f"namespace {service.namespace!r}" if service.pinned else "the namespace named by the URL"
    if service.read_only:
        return (
            f"Long-term memory (agentmem) of {where}, read-only. Call get_context with the task or the recent "
            "messages and put its text in your context; search_memories, list_memories and get_memory to look "
            "further. reflect and prune only show what they would do."
        )
    return (
        f"Long-term memory (agentmem) of {where}. At the start of a task call get_context with the task or the "
        "recent messages and put its text in your context. Call add_memory for what is worth keeping (facts, "
        "decisions, preferences, outcomes), update_memory to correct a memory (the old version is kept as "
        "history), delete_memory only to forget something for good. reflect and prune are dry runs unless "
        "dry_run is false."
    )
