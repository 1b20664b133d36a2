"""agentmem as an MCP server, on the official MCP Python SDK (the ``mcp`` extra: ``pip install -e '.[mcp]'``).

``agentmem mcp`` (see docs/mcp.md) opens one store and serves it over stdio or streamable HTTP:

- :mod:`.service`: the store and the namespaces one server serves, read-only or not;
- :mod:`.tools`: ``add_memory``, ``search_memories``, ``get_context``, ``get_memory``, ``list_memories``,
  ``update_memory``, ``delete_memory``, ``reflect``, ``prune``, ``stats``, with schemas and hints;
- :mod:`.models`: their inputs and outputs; :mod:`.supersede`: updates that keep the old version;
- :mod:`.resources`: the namespaces and their statistics, and the ``memory_context`` prompt;
- :mod:`.server`: the SDK server and stdio; :mod:`.http`: streamable HTTP, its token and limits.

Importing :mod:`agentmem` or :mod:`agentmem.adapters` never imports this package (nor the SDK).
"""

from __future__ import annotations

from agentmem import MissingDependencyError

try:
    import mcp  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("mcp", extra="mcp") from exc

from agentmem.adapters.mcp.http import HttpOptions, http_app, serve_http
from agentmem.adapters.mcp.server import build_server, serve_stdio
from agentmem.adapters.mcp.service import MemoryService

__all__ = ["HttpOptions", "MemoryService", "build_server", "http_app", "serve_http", "serve_stdio"]
