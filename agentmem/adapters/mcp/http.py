"""Serving over streamable HTTP: the namespace in the URL, loopback by default, a bearer token elsewhere.

The SDK's streamable HTTP app answers at ``/mcp/<namespace>`` (``/mcp`` itself is the server's default
namespace), limits request bodies (413 past the limit) and, bound to loopback, refuses requests whose Host
or Origin is not local (DNS rebinding). In front of it :class:`_Gate` checks the bearer token and keeps a
pinned server (``--namespace`` given) to its one namespace.
"""

from __future__ import annotations

import hmac
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentmem import ConfigError
from agentmem.adapters import MCP_TOKEN_ENV
from agentmem.adapters.mcp.server import build_server
from agentmem.adapters.mcp.service import MemoryService

__all__ = ["DEFAULT_MAX_REQUEST_BYTES", "DEFAULT_PORT", "LOOPBACK", "HttpOptions", "http_app", "serve_http"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_PORT = 8765
DEFAULT_MAX_REQUEST_BYTES = 1_000_000
MOUNT = "/mcp"


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """Where and how the HTTP server listens.

    Attributes:
        host: the interface to bind; anything but loopback needs ``token``.
        port: the TCP port.
        token: the bearer token every request must carry (``Authorization: Bearer <token>``); None for none.
            The command line reads it from ``AGENTMEM_MCP_TOKEN`` (safer than ``--token``, which other users
            of the machine can see).
        max_request_bytes: the largest request body accepted.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = None
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES

    def __post_init__(self) -> None:
        if self.token is not None and not self.token.strip():
            raise ConfigError(f"the bearer token must not be blank: pass --token or set {MCP_TOKEN_ENV}")
        if self.host not in LOOPBACK and self.token is None:
            raise ConfigError(
                f"binding {self.host} exposes the memories beyond this machine: give a bearer token "
                f"(--token, or {MCP_TOKEN_ENV}), or bind 127.0.0.1"
            )
        if not 0 <= self.port <= 65_535:
            raise ConfigError(f"port must be in 0..65535, not {self.port}")
        if self.max_request_bytes < 1:
            raise ConfigError(f"max_request_bytes must be positive, not {self.max_request_bytes}")


def http_app(service: MemoryService, options: HttpOptions) -> ASGIApp:
    """The ASGI app serving ``service`` at ``/mcp/<namespace>`` (and its default namespace at ``/mcp``)."""
    server = build_server(service)
    app = server.streamable_http_app(
        streamable_http_path=MOUNT + "/{namespace:path}",
        host=options.host,
        max_request_body_size=options.max_request_bytes,
    )
    pinned = service.namespace if service.pinned else None
    return _Gate(app, token=options.token, pinned=pinned, on_shutdown=service.close)


def serve_http(service: MemoryService, options: HttpOptions) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); the store is closed as the app shuts down."""
    import uvicorn

    app = http_app(service, options)
    where = f"http://{options.host}:{options.port}{MOUNT}"
    served = f"{where}/{service.namespace}" if service.pinned else f"{where}/<namespace>"
    print(f"agentmem mcp: serving {served} (streamable HTTP)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=options.host, port=options.port, log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run()
    finally:
        service.close()  # when serving never started; a signal ends the process before this line


class _Gate:
    """Checks the bearer token, maps ``/mcp`` to the default namespace and keeps a pinned server to its own;
    calls ``on_shutdown`` when the app has shut down (uvicorn re-raises SIGTERM after that, so nothing after
    its ``run`` gets to close the store)."""

    def __init__(self, app: ASGIApp, *, token: str | None, pinned: str | None, on_shutdown: Callable[[], None]) -> None:
        self._app = app
        self._token = None if token is None else token.encode()
        self._pinned = pinned
        self._on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":

            async def closing_send(message: Message) -> None:
                if message["type"] == "lifespan.shutdown.complete":
                    self._on_shutdown()
                await send(message)

            await self._app(scope, receive, closing_send)
            return
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if self._token is not None and not self._authorized(scope):
            refusal = _error(401, "invalid_token", "a valid bearer token is required (Authorization: Bearer ...)")
            refusal.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            await refusal(scope, receive, send)
            return
        path: str = scope["path"]
        if path == MOUNT:  # the route is /mcp/{namespace}: /mcp/ names the default namespace
            scope = {**scope, "path": MOUNT + "/", "raw_path": (MOUNT + "/").encode()}
        elif path.startswith(MOUNT + "/") and self._pinned is not None:
            named = path[len(MOUNT) + 1 :]
            if named and named != self._pinned:
                await _error(404, "not_found", f"this server serves namespace {self._pinned!r} only")(
                    scope, receive, send
                )
                return
        await self._app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        assert self._token is not None
        header: bytes = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        scheme, _, given = header.partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self._token)


def _error(status: int, error: str, description: str) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status)
