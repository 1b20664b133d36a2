"""A fake OpenAI-compatible server on 127.0.0.1 that plays the scripted agent and records every prompt.

It answers what Auto-GPT 0.2.2 calls through openai 0.27: ``POST /v1/chat/completions`` with the next reply
of the run's script, and ``POST /v1/embeddings`` (LocalCache embeds every step and every query with
``text-embedding-ada-002``). Each run has its own API key, so runs may share the server; the key picks the
run's replies and the log its prompts go to.

Embeddings come from the bundled all-MiniLM-L6-v2, padded with zeros to ada's 1,536 dimensions (cosines
are unchanged). ada reads 8,191 tokens and MiniLM 256, so a longer input is embedded the way a model that
reads it all would see it: as the mean of its windows of :data:`WINDOW_WORDS` words. LocalCache's reference
figures therefore do not suffer from MiniLM's short reach.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["ADA_DIMENSIONS", "WINDOW_WORDS", "FakeOpenAI", "Prompt", "RunLog"]

ADA_DIMENSIONS = 1536
WINDOW_WORDS = 150  # about 200 word pieces: within what MiniLM reads

Embed = Callable[[list[str]], NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class Prompt:
    """One chat completion request: the messages as sent, and when it arrived (``time.monotonic()``)."""

    messages: tuple[dict[str, Any], ...]
    received: float


@dataclass(slots=True)
class RunLog:
    """What one run (one API key) sent and was answered."""

    replies: tuple[str, ...]
    prompts: list[Prompt] = field(default_factory=list)
    embedding_inputs: int = 0
    embedding_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class FakeOpenAI:
    """The server. Use as a context manager; :attr:`base_url` is what ``OPENAI_API_BASE`` should be.

    Args:
        embed: embeds texts into unit vectors (any dimension up to 1,536).
    """

    def __init__(self, embed: Embed) -> None:
        self._embed = embed
        self._runs: dict[str, RunLog] = {}
        self._lock = threading.Lock()
        self._embed_lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=10)

    def add_run(self, key: str, replies: Sequence[str]) -> RunLog:
        """Serve ``replies`` in order to requests bearing ``key``; returns the run's log."""
        log = RunLog(tuple(replies))
        with self._lock:
            self._runs[key] = log
        return log

    # -- request handling (called from the server's threads) -----------------------------------------

    def _chat(self, log: RunLog, body: dict[str, Any]) -> dict[str, Any]:
        messages = tuple(body.get("messages") or ())
        with self._lock:
            number = len(log.prompts)
            log.prompts.append(Prompt(messages, time.monotonic()))
        if number >= len(log.replies):
            raise _RefusedError(f"the script has {len(log.replies)} replies; request {number + 1} came")
        content = log.replies[number]
        return {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "gpt-3.5-turbo"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    def _embeddings(self, log: RunLog, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        if not texts or not all(isinstance(t, str) for t in texts):
            raise _RefusedError("input must be a string or a list of strings")
        started = time.perf_counter()
        with self._embed_lock:
            vectors = [self._whole(text) for text in texts]
        with self._lock:
            log.embedding_inputs += len(texts)
            log.embedding_seconds += time.perf_counter() - started
        base64_wanted = body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i,
             "embedding": base64.b64encode(v.tobytes()).decode() if base64_wanted else v.tolist()}
            for i, v in enumerate(vectors)
        ]  # fmt: skip
        return {"object": "list", "data": data, "model": body.get("model", ""), "usage": {"prompt_tokens": 0,
                "total_tokens": 0}}  # fmt: skip

    def _whole(self, text: str) -> NDArray[np.float32]:
        """``text``'s vector at ada's size: the mean of its windows' unit vectors, at unit length."""
        words = text.split() or [text]
        windows = [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words), WINDOW_WORDS)]
        mean = np.asarray(self._embed(windows), dtype=np.float64).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        padded = np.zeros(ADA_DIMENSIONS, dtype=np.float32)
        padded[: mean.shape[0]] = mean / norm if norm > 0 else mean
        return padded

    def _route(self, path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            log = self._runs.get(key)
        if log is None:
            raise _RefusedError("unknown API key", HTTPStatus.UNAUTHORIZED)
        try:
            if path.endswith("/chat/completions"):
                return self._chat(log, body)
            if path.endswith("/embeddings"):
                return self._embeddings(log, body)
        except _RefusedError as refused:
            log.errors.append(str(refused))
            raise
        raise _RefusedError(f"no such endpoint: {path}", HTTPStatus.NOT_FOUND)


class _RefusedError(Exception):
    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


def _handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            key = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                payload, status = server._route(self.path, key, body), HTTPStatus.OK
            except _RefusedError as refused:
                payload = {"error": {"message": str(refused), "type": "invalid_request_error"}}
                status = refused.status
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
