"""``agentmem mcp``: serve the memory to MCP clients over stdio or streamable HTTP (docs/mcp.md).

The MCP SDK is imported only when the command runs, so the other commands (and ``--help``) never load it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from agentmem import MemoryStore
from agentmem.adapters import DB_ENV, MCP_TOKEN_ENV, MODEL_ENV, NAMESPACE_ENV
from agentmem.cli.settings import Settings, settings_of

if TYPE_CHECKING:
    from agentmem.adapters.mcp import MemoryService

__all__ = ["Transport", "mcp"]


class Transport(str, Enum):
    """How clients reach the server."""

    stdio = "stdio"
    http = "http"


def mcp(
    ctx: typer.Context,
    transport: Annotated[
        Transport,
        typer.Option("--transport", "-t", help="stdio: the client starts the server; http: streamable HTTP."),
    ] = Transport.stdio,
    db: Annotated[str | None, typer.Option("--db", metavar="PATH|URL", help=f"As the global --db (${DB_ENV}).")] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            help=f"The namespace served (${NAMESPACE_ENV}). Over HTTP without it, /mcp/<namespace> picks one.",
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", metavar="NAME|PATH", help=f"As the global --model (${MODEL_ENV}).")
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="HTTP: interface to bind; other than loopback needs a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="HTTP: TCP port.")] = 8765,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar=MCP_TOKEN_ENV, show_envvar=True, help="HTTP: bearer token clients must send."),
    ] = None,
    max_request_bytes: Annotated[
        int, typer.Option("--max-request-bytes", min=1, help="HTTP: largest request body accepted.")
    ] = 1_000_000,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Refuse every change; recall records no access.")
    ] = False,
) -> None:
    """Serve the memory to MCP clients (Claude Desktop and Code, Cursor, agent SDKs): tools to add, search,
    recall a token-budgeted context, update, delete, reflect and prune, one namespace per client.

    Over stdio (the default) the client starts `agentmem mcp` itself and it serves one namespace. Over HTTP
    it serves http://HOST:PORT/mcp/<namespace> until interrupted. The model loads once, in the background
    as the server starts.
    """
    settings = _with_overrides(settings_of(ctx), db=db, namespace=namespace, model=model)
    from agentmem.adapters.mcp import HttpOptions, MemoryService, serve_http, serve_stdio

    # A bad binding is reported before anything is opened or loaded.
    options = HttpOptions(host=host, port=port, token=token, max_request_bytes=max_request_bytes)
    pinned = transport is Transport.stdio or settings.namespace_given
    _log_to_stderr()
    store = _open(settings, read_only=read_only)
    service = MemoryService(store, pinned=pinned, read_only=read_only, recall=settings.recall)
    threading.Thread(target=_warm, args=(service,), name="agentmem-warm-up", daemon=True).start()
    if transport is Transport.stdio:
        serve_stdio(service)
    else:
        serve_http(service, options)


def _with_overrides(settings: Settings, *, db: str | None, namespace: str | None, model: str | None) -> Settings:
    """The global options, with those given after ``mcp`` taking precedence."""
    if namespace is not None:  # a blank one is refused when the store opens, never read as "default"
        settings = dataclasses.replace(settings, namespace=namespace, namespace_given=True)
    if db:
        settings = dataclasses.replace(settings, db=db)
    if model:
        settings = dataclasses.replace(settings, model=model)
    return settings


def _open(settings: Settings, *, read_only: bool) -> MemoryStore:
    # Read-only never creates a database nor migrates one; either way queries are embedded, so the model
    # must be the namespace's.
    settings.check_location()
    embedder = settings.embedder()
    if read_only:
        settings.require_database()
    return MemoryStore.open(
        settings.db,
        namespace=settings.namespace,
        embedder=embedder,
        migrate="validate" if read_only else "apply",
        recall=settings.recall,
    )


def _warm(service: MemoryService) -> None:
    try:
        service.warm()
    except Exception as exc:  # noqa: BLE001 - whatever it is, the first request reports it to its client
        logging.getLogger("agentmem").warning("warming up the model failed: %s", exc)


def _log_to_stderr() -> None:
    # The SDK configures the root logger (rich, INFO) unless it has a handler: give it a plain one for the
    # SDK's own warnings and errors (with tracebacks, which stay here and never reach a client). agentmem's
    # records already have their "warning: ..." handler, so they stop there instead of printing twice.
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    ours = logging.getLogger("agentmem")
    if ours.handlers:
        ours.propagate = False
