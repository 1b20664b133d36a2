"""What one MCP server holds: one opened store, the namespaces it serves, and whether it may write.

One :class:`~agentmem.MemoryStore` is opened per server, so the embedding model loads once and stays warm,
and every namespace a client reaches is a :meth:`~agentmem.MemoryStore.with_namespace` sibling of it that
shares the model, the connection pool and the pool of loaded indexes. A client never names its namespace in a
tool call: the server binds it (``--namespace``, or the URL path over HTTP), and each request is answered by
the store of that namespace alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from agentmem import ConfigError, MemoryStore, RecallConfig, Scoring

__all__ = ["MemoryService"]


class MemoryService:
    """The stores one server answers from.

    Args:
        store: the opened store; its namespace is the server's default one. Closed by :meth:`close`.
        pinned: serve that namespace only (stdio always; HTTP when ``--namespace`` was given). Otherwise an
            HTTP client picks any namespace by its URL.
        read_only: refuse every change to memories, and record no access on what is recalled.
        recall: the recall defaults the store was opened with (reported as the score's weights).
    """

    def __init__(
        self, store: MemoryStore, *, pinned: bool, read_only: bool, recall: RecallConfig | None = None
    ) -> None:
        self._default = store
        self._stores = {store.namespace: store}
        self._pinned = pinned
        self._read_only = read_only
        self._scoring = (recall or RecallConfig()).scoring
        self._stores_lock = threading.Lock()
        self._closed = False
        # Writes of one server run one at a time, in the order the clients' calls arrive.
        self._write_lock = threading.Lock()
        # Access records of recalls, written to SQL just after the answer leaves rather than before it.
        self._flusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentmem-accesses")

    @property
    def namespace(self) -> str:
        """The default namespace (the only one when pinned)."""
        return self._default.namespace

    @property
    def pinned(self) -> bool:
        return self._pinned

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def scoring(self) -> Scoring:
        return self._scoring

    def store(self, namespace: str | None = None) -> MemoryStore:
        """The store of ``namespace`` (None: the default one).

        Raises:
            ConfigError: the server is pinned to another namespace, or the name is invalid.
            EmbedderMismatchError: the namespace was built with another embedding model.
        """
        name = self.namespace if namespace is None else namespace
        if self._pinned and name != self.namespace:
            raise ConfigError(f"this server serves namespace {self.namespace!r} only, not {name!r}")
        with self._stores_lock:
            found = self._stores.get(name)
            if found is None:
                found = self._stores[name] = self._default.with_namespace(name)
            return found

    def served(self) -> list[str]:
        """The namespaces a client of this server can reach: the pinned one, else every one in the database."""
        if self._pinned:
            return [self.namespace]
        return sorted({*self._default.namespaces(), self.namespace})

    @contextmanager
    def writing(self, action: str) -> Iterator[None]:
        """Hold the server's write lock while ``action`` changes memories.

        Raises:
            ConfigError: the server is read-only.
        """
        if self._read_only:
            raise ConfigError(f"this server is read-only (agentmem mcp --read-only): it cannot {action}")
        with self._write_lock:
            yield

    def flush_soon(self, store: MemoryStore) -> None:
        """Write the access records ``store``'s recall queued, on a background thread: the clients are other
        processes, which should see them at once, but the answer should not wait for a durable commit."""
        self._flusher.submit(store.flush_accesses).add_done_callback(_log_failure)

    def warm(self) -> None:
        """Load the model, the default namespace's index and the tokenizer now, before the first client asks."""
        self._default.embedder.embed(["warm up"])  # an empty namespace ranks without embedding the query
        self._default.recall("warm up", token_budget=1, touch=False)

    def close(self) -> None:
        """Close the store, once (siblings share its connections and indexes: they close with it)."""
        with self._stores_lock:
            if self._closed:
                return
            self._closed = True
        self._flusher.shutdown(wait=True)
        self._default.close()


def _log_failure(done: Future[None]) -> None:
    # Nobody waits on the write to tell: say it where the server's operator reads. What is lost is statistics
    # (recency and recall counts of the memories just recalled), never a memory.
    failure = done.exception()
    if failure is not None:
        logging.getLogger("agentmem").warning("writing the access records of a recall failed: %s", failure)
