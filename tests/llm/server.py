"""A real HTTP server on loopback that answers like an OpenAI-compatible endpoint, from a script.

Each request gets the next scripted :class:`Reply` (status, headers, body, delay before answering); when the
script is used up, the ``responder`` answers (by default: HTTP 599, so a test that sends too many requests
fails loudly). Every request is recorded. Use the :func:`llm_server` fixture, or ``with ScriptedServer()``::

    def test_x(llm_server: ScriptedServer) -> None:
        llm_server.script(chat_reply("Rating: 8"))
        ChatClient(llm_server.url, model="m").complete(...)
        assert llm_server.requests[0].json()["model"] == "m"
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest

__all__ = ["RecordedRequest", "Reply", "ScriptedServer", "chat_reply", "llm_server", "unused_port"]


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request.

    Attributes:
        status: the HTTP status.
        body: bytes as they are, str encoded as UTF-8, anything else as JSON.
        headers: extra response headers (``Retry-After``...).
        delay: seconds to wait before answering (longer than the client's timeout: a timeout).
    """

    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def prompt(self) -> str:
        """The content of the last message sent."""
        return str(self.json()["messages"][-1]["content"])


def chat_reply(content: str, *, status: int = 200, delay: float = 0.0) -> Reply:
    """A chat-completions answer whose ``choices[0].message.content`` is ``content``."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    return Reply(status=status, body=body, headers={"Content-Type": "application/json"}, delay=delay)


def _unscripted(request: RecordedRequest) -> Reply:
    return Reply(status=599, body=f"no reply scripted for request to {request.path}")


class ScriptedServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 with a free port, serving in a background thread."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.responder: Callable[[RecordedRequest], Reply] = _unscripted
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a handler still sleeping out a delay must not hold up close()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The API root to give a client, like ``http://127.0.0.1:8080/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies, answered in order to the next requests."""
        with self._lock:
            self._script.extend(replies)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._script:
                return self._script.popleft()
        return self.responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = RecordedRequest("POST", self.path, dict(self.headers.items()), self.rfile.read(length))
                reply = server._next_reply(request)
                time.sleep(reply.delay)
                body = reply.encoded()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timed out) before the delayed answer
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler


def unused_port() -> int:
    """A loopback port with nothing listening on it: connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    """A scripted chat-completions server on loopback, closed after the test."""
    with ScriptedServer() as server:
        yield server
