"""agentmem as an Auto-GPT memory backend: the classic memory provider interface, memories that persist.

Auto-GPT 0.2-style loops get their memory from a factory, ``get_memory(cfg, init=False)``, and talk to it
through five methods: ``add``, ``get``, ``get_relevant``, ``clear`` and ``get_stats``. :class:`AgentMemMemory`
implements them over a :class:`~agentmem.MemoryStore`; :func:`get_memory` is a factory of the same shape that
always hands out agentmem. Unmodified Auto-GPT 0.2.2 runs with it through
:mod:`agentmem.adapters.autogpt_run` (``python -m agentmem.adapters.autogpt_run``), which puts it in place of
Auto-GPT's own factory; a loop of your own calls it where it would call its factory. Settings:
``AGENTMEM_DB`` (database path or URL), ``AGENTMEM_NAMESPACE`` (default ``autogpt``) and ``AGENTMEM_MODEL``;
``cfg`` attributes of the same names in lower case (``agentmem_db``...) win over the environment. The full
reference is docs/autogpt.md.

Differences from the loops' own backends, on purpose:

- Memories persist across restarts: ``get_memory(cfg, init=True)`` does not wipe them unless
  ``AGENTMEM_WIPE_ON_INIT=1`` (or ``cfg.agentmem_wipe_on_init``) asks to.
- Those loops query with ``str(last 9 messages)`` (850-900 word pieces, newest last) but the default model
  reads only its first 256. The adapter parses that repr (as a literal, never with ``eval``) and recalls for
  the messages: the query is built from the agent's newest reply (its thoughts and command arguments), the
  command's result counting by what it says (``Text appended successfully.`` says nothing), and the
  memories that repeat the messages are left out (they are in the loop's prompt already; see
  :mod:`agentmem.ranking.intent`).
- Each step the loop stores (``Assistant Reply: <JSON> \nResult: ... \nHuman Feedback: ...``) is embedded
  from its meaningful parts (the thoughts, the command, the result; :func:`step_text`), while the stored and
  returned text is the loop's string, unchanged.
- :meth:`AgentMemMemory.get_relevant_within` returns the best memories that fit a token budget, instead of
  the loop fetching 10 and dropping from the end until its prompt fits.
- Ranking is agentmem's: relevance, plus a little recency and importance (see :mod:`agentmem.ranking.scoring`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from agentmem import (
    MemoryFilter,
    MemoryStore,
    NewMemory,
    PromptMemory,
    QueryInput,
    message_text,
    parse_message_list,
    render_line,
)
from agentmem.adapters import DB_ENV, MODEL_ENV, NAMESPACE_ENV, embedder_named

__all__ = [
    "BACKEND_NAME",
    "DEFAULT_NAMESPACE",
    "WIPE_ON_INIT_ENV",
    "AgentMemMemory",
    "get_memory",
    "loop_query",
    "step_text",
]

BACKEND_NAME = "agentmem"
"""This backend's name (``get_stats()["backend"]``; the only ``MEMORY_BACKEND`` the launcher accepts)."""

DEFAULT_NAMESPACE = "autogpt"
"""Namespace used when neither ``AGENTMEM_NAMESPACE`` nor ``cfg.agentmem_namespace`` names one."""

WIPE_ON_INIT_ENV = "AGENTMEM_WIPE_ON_INIT"
"""Set to ``1`` to make ``get_memory(cfg, init=True)`` clear the namespace, as the loops' backends do."""

# What the classic LocalCache and Redis backends skip: a failed command's error message is noise.
_COMMAND_ERROR = "Command Error:"
_CLEAR_BATCH = 500
_TRUE = frozenset({"1", "true", "yes", "on"})
# How Auto-GPT 0.2 writes a step to memory, and the parts of it that carry meaning.
_REPLY, _RESULT, _FEEDBACK = "Assistant Reply: ", "\nResult: ", "\nHuman Feedback: "
_COMMAND_RETURNED = re.compile(r"\ACommand \S+ returned: ?")
# What the loop records as the human's feedback when the human said nothing of their own (lower case).
_LOOP_PROMPTS = frozenset(
    {
        "",
        "y",
        "generate next command json",
        "determine which next command to use, and respond using the format specified above:",
    }
)


class AgentMemMemory:
    """The classic Auto-GPT memory provider interface over one namespace of a :class:`~agentmem.MemoryStore`.

    Args:
        store: the store (and namespace) to read and write; closed by :meth:`close`.
    """

    def __init__(self, store: MemoryStore):
        self._store = store
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

        A step is embedded from its meaningful parts (:func:`step_text`); ``data`` itself is what is stored
        and returned. Like the classic local and Redis backends, text holding ``Command Error:`` is not stored.

        Returns:
            A line saying where it was stored, or ``""`` when it was skipped.

        Raises:
            ConfigError: blank text.
        """
        if _COMMAND_ERROR in data:
            return ""
        memory = NewMemory(data, metadata={"source": "autogpt"}, embed_text=step_text(data))
        (record,) = self._store.add_many([memory])
        return f"Inserting data into memory at index: {record.id}:\n data: {data}"

    def get(self, data: str) -> list[str] | None:
        """The single memory most relevant to ``data``, as a one-item list; None when nothing is stored."""
        best = self.get_relevant(data, 1)
        return best or None

    def get_relevant(self, data: str, num_relevant: int = 5) -> list[str]:
        """The texts of the ``num_relevant`` memories that matter most for ``data``, best first.

        ``data`` is a query string or the loop's ``str(messages)`` (see :func:`loop_query`); for messages,
        the memories that repeat them are left out.

        Raises:
            ConfigError: ``num_relevant`` < 1.
        """
        if not data.strip():
            return []
        ranked = self._store.retrieve(loop_query(data), k=num_relevant, touch=True)
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
        block = self._store.recall(loop_query(data), token_budget=token_budget)
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


def loop_query(data: str) -> QueryInput:
    """What to recall for a loop's query: its messages when ``data`` is the repr of a message list.

    Auto-GPT queries with ``str(full_message_history[-9:])``, a list of ``{"role": ..., "content": ...}``
    dicts. That shape is parsed as a literal (:func:`agentmem.ranking.queries.parse_message_list`, never
    ``eval``) and handed to the store as messages; anything else (a plain question, a malformed or
    truncated repr) stays a query string.

    Args:
        data: the loop's query.

    Returns:
        The messages, oldest first, or ``data`` itself.
    """
    messages = parse_message_list(data)
    return list(messages) if messages else data


def step_text(data: str) -> str | None:
    """The meaningful parts of a step the loop stores, to embed instead of the whole string.

    Auto-GPT 0.2 stores ``Assistant Reply: <JSON reply> \nResult: <command output> \nHuman Feedback: <text>``.
    The reply's keys (``thoughts``, ``reasoning``, ``command``, ``args``...) are in every step and its
    ``speak`` repeats its ``text``; what differs is the thoughts, the command with its arguments and the
    result. Those are kept, one per line, with the human's feedback when they wrote some (not the loop's
    own ``GENERATE NEXT COMMAND JSON``).

    Args:
        data: what the loop stores.

    Returns:
        The text to embed, or None when ``data`` is not in the loop's step shape (embed it whole).
    """
    if not data.startswith(_REPLY):
        return None
    reply_end = data.find(_RESULT)
    feedback_start = data.rfind(_FEEDBACK)
    if reply_end < 0 or feedback_start < reply_end:
        return None
    reply = data[len(_REPLY) : reply_end]
    result = _COMMAND_RETURNED.sub("", data[reply_end + len(_RESULT) : feedback_start].strip())
    feedback = data[feedback_start + len(_FEEDBACK) :].strip()
    parts = [message_text(reply), result, "" if feedback.lower() in _LOOP_PROMPTS else feedback]
    text = "\n".join(p for p in parts if p.strip())
    return text or None


def get_memory(cfg: object | None = None, init: bool = False) -> AgentMemMemory:
    """The agentmem backend, the way Auto-GPT's ``get_memory(cfg, init)`` hands out its memory.

    Calling it is choosing agentmem: it never returns None and never falls back to another backend (to
    make Auto-GPT 0.2 call it, see :mod:`agentmem.adapters.autogpt_run`). Settings come from ``cfg``'s
    attributes when set, else from the environment (see the module docs); ``cfg.memory_backend`` is not
    read. One backend is kept per database, namespace and model, like the loops' singleton providers:
    calling this again (Auto-GPT does, from its commands) returns the same open instance.

    Args:
        cfg: the loop's configuration object (any object; missing attributes fall back to the environment).
        init: the loop is starting. The embedding model is loaded now rather than in the first step;
            memories are kept unless ``AGENTMEM_WIPE_ON_INIT=1`` or ``cfg.agentmem_wipe_on_init`` asks to
            clear them.

    Returns:
        The open backend.

    Raises:
        AgentMemError: the database cannot be opened (bad URL, schema, or embedding model mismatch), or
            the embedding model cannot be loaded.
    """
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
    if init:
        if _wipe_on_init(cfg):
            memory.clear()
        memory.store.embedder.embed(["The loop is starting."])
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
