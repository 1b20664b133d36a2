"""A client for OpenAI-compatible chat-completions endpoints, on the standard library alone.

It speaks ``POST {base_url}/chat/completions`` as OpenAI, llama.cpp's ``llama-server``, Ollama (``/v1``), vLLM
and LM Studio do::

    client = ChatClient("http://127.0.0.1:8080/v1", model="qwen2.5-7b-instruct")
    client.complete([Message("user", "Rate this memory from 1 to 10: ...")])

Failures that may pass (timeouts, refused or reset connections, HTTP 429 and 5xx) are retried after
``backoff * 2**n`` seconds plus up to 10 % jitter, or after the server's ``Retry-After`` (capped). Any other
HTTP error is raised at once: retrying a bad key or a wrong model name only delays the message. An answer that
is not chat-completions JSON is an error too, never an empty string.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import logging
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from agentmem.errors import ConfigError, LLMError
from agentmem.types import Message

__all__ = ["ChatClient"]

logger = logging.getLogger(__name__)

_ENDPOINT = "/chat/completions"
_SNIPPET_CHARS = 200
_JITTER = 0.1
# Reasoning models served through Ollama or llama.cpp may put their thinking before the answer.
_THINKING = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)
_HINTS = {
    401: ": check the API key",
    403: ": check the API key",
    404: ": check the base URL (usually ending in /v1) and the model name",
}


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why one request failed, and whether another attempt may succeed."""

    problem: str
    status: int | None
    retryable: bool
    retry_after: float | None
    cause: BaseException


class ChatClient:
    """Sends chat completions to an OpenAI-compatible server.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:11434/v1``; ``/chat/completions`` is appended unless the
            URL already ends with it. ``user:password@`` in it is sent as HTTP basic auth (when no ``api_key``).
        model: the model name the server knows.
        api_key: sent as ``Authorization: Bearer <api_key>``; local servers usually need none.
        timeout: seconds to wait for a connection and for each read of the answer.
        retries: further attempts after a failure that may pass; ``0`` tries once.
        backoff: seconds before the first retry; doubled for each further one.
        max_retry_after: the longest ``Retry-After`` honoured, in seconds; longer requests are cut to this.
        sleep: how to wait between attempts (tests pass a recorder); ``time.sleep`` by default.

    Raises:
        ConfigError: the URL is not http(s), the model is blank, or a number is out of range.
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not model.strip():
            raise ConfigError("the LLM model name must not be blank")
        if timeout <= 0 or retries < 0 or backoff < 0 or max_retry_after < 0:
            raise ConfigError("timeout must be > 0; retries, backoff and max_retry_after must be >= 0")
        self._endpoint, self.url, basic_auth = _split_url(base_url)
        self.model = model
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep if sleep is not None else time.sleep
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        elif basic_auth:
            self._headers["Authorization"] = f"Basic {basic_auth}"

    @classmethod
    def from_env(
        cls,
        prefix: str = "AGENTMEM_LLM_",
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> ChatClient:
        """Build a client from ``{prefix}BASE_URL``, ``{prefix}MODEL`` and ``{prefix}API_KEY``.

        Each falls back to ``OPENAI_BASE_URL``, ``OPENAI_MODEL`` and ``OPENAI_API_KEY`` when unset or empty.

        Args:
            prefix: the prefix of the variable names.
            environ: where to read them; ``os.environ`` by default.
            timeout, retries, backoff: as for :class:`ChatClient`.

        Raises:
            ConfigError: no base URL or no model is set, or one of them is invalid.
        """
        env = os.environ if environ is None else environ

        def read(name: str) -> str | None:
            return env.get(f"{prefix}{name}") or env.get(f"OPENAI_{name}") or None

        base_url, model = read("BASE_URL"), read("MODEL")
        if base_url is None or model is None:
            missing = [name for name, value in (("BASE_URL", base_url), ("MODEL", model)) if value is None]
            ours = " and ".join(prefix + name for name in missing)
            theirs = " and ".join("OPENAI_" + name for name in missing)
            raise ConfigError(f"no LLM endpoint configured: set {ours} (or {theirs})")
        return cls(base_url, model=model, api_key=read("API_KEY"), timeout=timeout, retries=retries, backoff=backoff)

    def complete(
        self,
        messages: Sequence[Message | Mapping[str, str]],
        *,
        max_tokens: int | None = 256,
        temperature: float = 0.0,
    ) -> str:
        """Return the model's answer to ``messages`` (``choices[0].message.content``).

        A leading ``<think>...</think>`` block, which some reasoning models emit, is removed.

        Args:
            messages: the chat so far, as :class:`Message` or ``{"role": ..., "content": ...}`` dicts.
            max_tokens: the most tokens the server may generate; None leaves it to the server.
            temperature: sampling temperature; 0 for the most repeatable answers.

        Returns:
            The answer text.

        Raises:
            ConfigError: no messages, or a message without a string role and content.
            LLMError: the server could not be reached, kept failing, refused the request, or did not answer
                with chat-completions JSON.
        """
        payload: dict[str, Any] = {"model": self.model, "messages": _as_dicts(messages), "temperature": temperature}
        if max_tokens is not None:
            payload["max_tokens"] = max_tokens
        data = json.dumps(payload).encode()
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            outcome = self._attempt(data)
            if not isinstance(outcome, _Failure):
                return self._content(*outcome, attempts=attempt)
            if not outcome.retryable or attempt == attempts:
                verb = "was refused" if not outcome.retryable else "failed"
                raise LLMError(
                    f"chat completion {verb}: {outcome.problem}", url=self.url, status=outcome.status, attempts=attempt
                ) from outcome.cause
            delay = self._delay(attempt, outcome.retry_after)
            logger.info("chat completion attempt %d failed (%s); retrying in %.2f s", attempt, outcome.problem, delay)
            self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(self, data: bytes) -> tuple[int, bytes] | _Failure:
        request = urllib.request.Request(self._endpoint, data=data, headers=self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            body = _read_quietly(exc)
            retryable = status == 429 or status >= 500
            problem = f"HTTP {status}: {_snippet(body)}{'' if retryable else _HINTS.get(status, '')}"
            return _Failure(problem, status, retryable, _retry_after(exc.headers.get("Retry-After")), exc)
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets are all OSErrors
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            if isinstance(reason, TimeoutError):
                problem = f"no answer within {self.timeout:g} s"
            else:
                problem = f"connection failed: {reason}"
            return _Failure(problem, None, True, None, exc)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        base = self.backoff * 2.0 ** (attempt - 1)
        # Jitter spreads the retries of many agents that failed together.
        return base + random.uniform(0.0, _JITTER * base)

    def _content(self, status: int, body: bytes, *, attempts: int) -> str:
        problem = "the answer is not JSON"
        try:
            answer = json.loads(body)
            problem = "the answer has no choices[0].message.content"
            content = answer["choices"][0]["message"]["content"]
            problem = "the answer's content is not text"
            if isinstance(content, str):
                return _THINKING.sub("", content, count=1)
        except (ValueError, LookupError, TypeError):  # ValueError: not JSON, or not UTF-8
            pass
        raise LLMError(f"{problem}: {_snippet(body)}", url=self.url, status=status, attempts=attempts)

    def __repr__(self) -> str:
        return f"ChatClient({self.url!r}, model={self.model!r})"


def _split_url(base_url: str) -> tuple[str, str, str | None]:
    """Return the URL to post to, the URL to show (no credentials, no query) and basic-auth credentials."""
    parts = urllib.parse.urlsplit(base_url.strip())
    userinfo, _, host = parts.netloc.rpartition("@")
    if parts.scheme not in ("http", "https") or not host:
        shown = urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
        raise ConfigError(f"the LLM base URL must look like http://host:port/v1, got {shown!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(_ENDPOINT):
        path += _ENDPOINT
    endpoint = urllib.parse.urlunsplit((parts.scheme, host, path, parts.query, ""))
    shown = urllib.parse.urlunsplit((parts.scheme, host, path, "", ""))
    basic = base64.b64encode(urllib.parse.unquote(userinfo).encode()).decode() if userinfo else None
    return endpoint, shown, basic


def _as_dicts(messages: Sequence[Message | Mapping[str, str]]) -> list[dict[str, str]]:
    out = []
    for position, message in enumerate(messages):
        role = message.role if isinstance(message, Message) else message.get("role")
        content = message.content if isinstance(message, Message) else message.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            raise ConfigError(f"message #{position} needs a string role and content")
        out.append({"role": role, "content": content})
    if not out:
        raise ConfigError("a chat completion needs at least one message")
    return out


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, http.client.HTTPException):
        return b""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _snippet(body: bytes) -> str:
    """The start of a response body for an error message; an API error's own message when it has one."""
    text = body.decode("utf-8", errors="replace")
    try:
        error = json.loads(text)["error"]
        text = str(error["message"] if isinstance(error, dict) else error)
    except (ValueError, KeyError, TypeError):
        pass
    text = " ".join(text.split())
    if not text:
        return "<empty body>"
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "…"
