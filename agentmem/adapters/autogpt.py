"""agentmem as an Auto-GPT memory backend: the classic memory provider interface, memories that persist.

Auto-GPT 0.2-style loops pick a backend in ``autogpt/memory/__init__.py``'s ``get_memory(cfg, init=False)``
and talk to it through five methods: ``add``, ``get``, ``get_relevant``, ``clear`` and ``get_stats``.
:class:`AgentMemMemory` implements them over a :class:`~agentmem.MemoryStore`; :func:`get_memory` selects
it from configuration. To plug it in, add one branch before the loop's own backends::

    from agentmem.adapters.autogpt import get_memory as agentmem_memory

    def get_memory(cfg, init=False):
        memory = agentmem_memory(cfg, init=init)    # None unless MEMORY_BACKEND=agentmem
        if memory is None:
            ...                                     # the loop's own backends, unchanged
        return memory

and set ``MEMORY_BACKEND=agentmem``, with ``AGENTMEM_DB`` (database path or URL), ``AGENTMEM_NAMESPACE``
(default ``autogpt``) and ``AGENTMEM_MODEL`` as needed: ``cfg`` attributes of the same names in lower case
(``agentmem_db``...) win over the environment. The full reference is docs/autogpt.md.

Differences from the loops' own backends, on purpose:

- Memories persist across restarts: ``get_memory(cfg, init=True)`` does not wipe them unless
  ``AGENTMEM_WIPE_ON_INIT=1`` (or ``cfg.agentmem_wipe_on_init``) asks to.
- Those loops query with ``str(last 9 messages)`` (850-900 word pieces, newest last) but the default model
  reads only its first 256: the adapter queries with the newest messages that fit instead of the oldest.
- :meth:`AgentMemMemory.get_relevant_within` returns the best memories that fit a token budget, instead of
  the loop fetching 10 and dropping from the end until its prompt fits.
- Ranking is agentmem's: relevance, plus a little recency and importance (see :mod:`agentmem.retrieval`).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from agentmem.adapters import DB_ENV, MODEL_ENV, NAMESPACE_ENV, embedder_named
from agentmem.prompt import render_line
from agentmem.store import MemoryStore
from agentmem.tokens import HuggingFaceTokenizer, Tokenizer, default_tokenizer
from agentmem.types import MemoryFilter, PromptMemory

__all__ = ["BACKEND_NAME", "DEFAULT_NAMESPACE", "WIPE_ON_INIT_ENV", "AgentMemMemory", "get_memory"]

BACKEND_NAME = "agentmem"
"""The value of ``MEMORY_BACKEND`` (or ``cfg.memory_backend``) that selects this backend."""

DEFAULT_NAMESPACE = "autogpt"
"""Namespace used when neither ``AGENTMEM_NAMESPACE`` nor ``cfg.agentmem_namespace`` names one."""

WIPE_ON_INIT_ENV = "AGENTMEM_WIPE_ON_INIT"
"""Set to ``1`` to make ``get_memory(cfg, init=True)`` clear the namespace, as the loops' backends do."""

# What the classic LocalCache and Redis backends skip: a failed command's error message is noise.
_COMMAND_ERROR = "Command Error:"
_CLEAR_BATCH = 500
_TRUE = frozenset({"1", "true", "yes", "on"})
# The model adds [CLS] and [SEP] to what it reads.
_SPECIAL_TOKENS = 2
_WORD = re.compile(r"\S+")


class AgentMemMemory:
    """The classic Auto-GPT memory provider interface over one namespace of a :class:`~agentmem.MemoryStore`.

    Args:
        store: the store (and namespace) to read and write; closed by :meth:`close`.
        query_tokens: the most tokens of a query that are embedded; a longer query keeps its newest end
            (its last messages, or last words; see :func:`newest_part`). None: the embedder's
            ``max_tokens`` less its two special tokens, when it has one (no limit otherwise).
        tokenizer: counts ``query_tokens``; default: the embedding model's own tokenizer.
    """

    def __init__(self, store: MemoryStore, *, query_tokens: int | None = None, tokenizer: Tokenizer | None = None):
        self._store = store
        self._query_tokens = query_tokens
        self._tokenizer = tokenizer
        self._closed = False

    @property
    def store(self) -> MemoryStore:
        """The store behind this backend, for everything the classic interface does not offer."""
        return self._store

    @property
    def closed(self) -> bool:
        return self._closed

    def add(self, data: str) -> str:
        """Remember ``data`` (Auto-GPT stores each step as "Assistant Reply: ... Result: ... Human Feedback: ...").

        Like the classic local and Redis backends, text holding ``Command Error:`` is not stored.

        Returns:
            A line saying where it was stored, or ``""`` when it was skipped.

        Raises:
            ConfigError: blank text.
        """
        if _COMMAND_ERROR in data:
            return ""
        record = self._store.add(data, metadata={"source": "autogpt"})
        return f"Inserting data into memory at index: {record.id}:\n data: {data}"

    def get(self, data: str) -> list[str] | None:
        """The single memory most relevant to ``data``, as a one-item list; None when nothing is stored."""
        best = self.get_relevant(data, 1)
        return best or None

    def get_relevant(self, data: str, num_relevant: int = 5) -> list[str]:
        """The texts of the ``num_relevant`` memories that matter most for ``data``, best first.

        Raises:
            ConfigError: ``num_relevant`` < 1.
        """
        if not data.strip():
            return []
        ranked = self._store.retrieve(self._query(data), k=num_relevant, touch=True)
        return [m.memory.text for m in ranked]

    def get_relevant_within(self, data: str, token_budget: int = 2500) -> list[str]:
        """The best memories for ``data`` that fit together in ``token_budget`` tokens, best first.

        Use it instead of fetching a fixed number and dropping from the end until the prompt fits. Tokens
        are counted with the store's tokenizer (pass ``tokenizer=`` to :meth:`MemoryStore.open` to count
        in your LLM's tokens). Near-duplicates of a better memory are left out; a best memory too long for
        the whole budget comes back cut, ending with ``[…]``.

        Raises:
            ConfigError: a negative ``token_budget``.
        """
        if not data.strip():
            return []
        block = self._store.recall(self._query(data), token_budget=token_budget)
        return _texts(block)

    def clear(self) -> str:
        """Forget every memory of this namespace (archived ones too); returns ``"Obliviated"``."""
        everything = MemoryFilter(include_archived=True)
        while batch := self._store.list_memories(where=everything, limit=_CLEAR_BATCH):
            for record in batch:
                self._store.forget(record.id)
        return "Obliviated"

    def get_stats(self) -> dict[str, Any]:
        """Counts and index state of the namespace, as a plain dict (what Auto-GPT prints)."""
        stats = self._store.stats()
        return {
            "backend": BACKEND_NAME,
            "namespace": stats.namespace,
            "memories": stats.active,
            "archived": stats.archived,
            "by_kind": dict(stats.by_kind),
            "model": stats.model_id,
            "dimensions": stats.dimensions,
            "index": stats.index_kind,
            "index_size": stats.index_size,
            "sql_bytes": stats.sql_bytes,
        }

    def close(self) -> None:
        """Save the vector index and release the database connections."""
        if not self._closed:
            self._closed = True
            self._store.close()

    def __enter__(self) -> AgentMemMemory:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _query(self, data: str) -> str:
        limit = self._query_tokens
        if limit is None:
            max_tokens = getattr(self._store.embedder, "max_tokens", None)
            if not isinstance(max_tokens, int):
                return data
            limit = max(max_tokens - _SPECIAL_TOKENS, 1)
        return newest_part(data, limit, self._query_tokenizer())

    def _query_tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            tokenizer_file = getattr(self._store.embedder, "tokenizer_file", None)
            path = tokenizer_file() if callable(tokenizer_file) else None
            self._tokenizer = HuggingFaceTokenizer(path) if path is not None else default_tokenizer()
        return self._tokenizer


def newest_part(text: str, max_tokens: int, tokenizer: Tokenizer) -> str:
    """The newest end of a query, at most ``max_tokens`` tokens long.

    Args:
        text: a query whose newest content comes last. Auto-GPT's ``str(messages[-9:])`` (a list of
            ``{"role": ..., "content": ...}`` dicts) keeps whole messages, the newest ones that fit; any other
            text keeps its longest tail that starts at a word.
        max_tokens: the most tokens to keep.
        tokenizer: counts tokens.

    Returns:
        ``text`` itself when it fits; else its newest messages, or its tail (at least the last message or
        word, even when that alone is too long).
    """
    if tokenizer.count(text) <= max_tokens:
        return text
    messages = _message_list(text)
    if messages:
        newest = None
        for n in range(1, len(messages) + 1):
            candidate = str(messages[-n:])
            if tokenizer.count(candidate) > max_tokens:
                break
            newest = candidate
        if newest is not None:
            return newest
        text = str(messages[-1:])
    starts = [m.start() for m in _WORD.finditer(text)]
    # Find the earliest word whose tail fits: tails only shrink as the start moves right.
    too_long, fits = 0, len(starts) - 1
    while fits - too_long > 1:
        middle = (too_long + fits) // 2
        if tokenizer.count(text[starts[middle] :]) <= max_tokens:
            fits = middle
        else:
            too_long = middle
    return text[starts[fits] :]


def _message_list(text: str) -> list[dict[str, Any]] | None:
    """The messages of ``str(list of message dicts)`` (or its JSON), else None."""
    if not text.lstrip().startswith("["):
        return None
    value: object = None
    for parse in (ast.literal_eval, json.loads):
        try:
            value = parse(text)
            break
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    if isinstance(value, list) and value and all(isinstance(m, dict) and "content" in m for m in value):
        return value
    return None


def get_memory(cfg: object | None = None, init: bool = False) -> AgentMemMemory | None:
    """The agentmem backend when configuration selects it, the way Auto-GPT's ``get_memory`` picks one.

    Settings come from ``cfg``'s attributes when set, else from the environment (see the module docs).
    One backend is kept per database, namespace and model, like the loops' singleton providers: calling
    this again (Auto-GPT does, from its commands) returns the same open instance.

    Args:
        cfg: the loop's configuration object (any object; missing attributes fall back to the environment).
        init: the loop is starting. Memories are kept unless ``AGENTMEM_WIPE_ON_INIT=1`` or
            ``cfg.agentmem_wipe_on_init`` asks to clear them.

    Returns:
        The backend, or None when the configured backend is not ``agentmem`` (so the loop falls back).

    Raises:
        AgentMemError: the database cannot be opened (bad URL, schema, or embedding model mismatch).
    """
    backend = _setting(cfg, "memory_backend", "MEMORY_BACKEND")
    if (backend or "").strip().lower() != BACKEND_NAME:
        return None
    db = _setting(cfg, "agentmem_db", DB_ENV)
    namespace = _setting(cfg, "agentmem_namespace", NAMESPACE_ENV) or DEFAULT_NAMESPACE
    model = _setting(cfg, "agentmem_model", MODEL_ENV)
    # A relative path or the default location depends on the working folder and AGENTMEM_HOME.
    key = (db, str(Path.cwd()), os.environ.get("AGENTMEM_HOME"), namespace, model)
    with _instances_lock:
        memory = _instances.get(key)
        if memory is None or memory.closed:
            store = MemoryStore.open(db, namespace=namespace, embedder=embedder_named(model))
            memory = _instances[key] = AgentMemMemory(store)
    if init and _wipe_on_init(cfg):
        memory.clear()
    return memory


_instances: dict[tuple[str | None, ...], AgentMemMemory] = {}
_instances_lock = threading.Lock()


def _setting(cfg: object | None, attribute: str, variable: str) -> str | None:
    value = getattr(cfg, attribute, None)
    if value is None or value == "":
        value = os.environ.get(variable) or None
    return None if value is None else str(value)


def _wipe_on_init(cfg: object | None) -> bool:
    return any(_is_true(v) for v in (getattr(cfg, "agentmem_wipe_on_init", None), os.environ.get(WIPE_ON_INIT_ENV)))


def _is_true(value: object) -> bool:
    return value.strip().lower() in _TRUE if isinstance(value, str) else value is True


def _texts(block: PromptMemory) -> list[str]:
    # The block has one line per memory after its header; a memory cut to fit is taken from its line.
    lines = block.text.splitlines()[1:]
    texts = []
    for position, scored in enumerate(block.memories):
        text = scored.memory.text
        if scored.memory.id in block.truncated_ids and position < len(lines):
            prefix = render_line(dataclasses.replace(scored.memory, text="x"))[:-1]
            if lines[position].startswith(prefix):
                text = lines[position][len(prefix) :]
        texts.append(text)
    return texts
