"""MemoryStore: the public entry point that ties SQL, the embedder and the vector index together."""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.engine import make_url

from agentmem.db.engine import default_home, open_engine, resolve_url
from agentmem.db.migrate import MigrateMode, ensure_schema
from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow, PendingMemory, to_epoch
from agentmem.embedders import Embedder, content_hash
from agentmem.errors import ConfigError, EmbedderMismatchError, MemoryNotFoundError
from agentmem.replicas import IndexReplicas
from agentmem.types import JSONValue, MemoryRecord, NamespaceStats, NewMemory, SearchHit

__all__ = ["DEFAULT_IMPORTANCE", "MemoryStore"]

DEFAULT_IMPORTANCE = 0.5
"""Importance given to a memory added without one (the middle of the [0, 1] scale)."""

INDEX_KINDS = ("faiss", "exact")
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class MemoryStore:
    """Long-term memory of one namespace (an agent or user) in a SQL database, searchable by meaning.

    Open one with :meth:`open`; use it as a context manager or call :meth:`close`. Several stores (one per
    namespace) can share a database; :meth:`with_namespace` gives another namespace of the same database
    that shares the connection pool, embedder and loaded indexes.
    """

    def __init__(
        self,
        *,
        repository: Repository,
        replicas: IndexReplicas,
        embedder: Embedder,
        namespace: str,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._replicas = replicas
        self._embedder = embedder
        self._namespace = _check_namespace(namespace)
        self._clock = clock
        self._ns: NamespaceRow | None = None
        self._lock = threading.RLock()
        existing = repository.namespace(self._namespace)
        if existing is not None:
            self._check_embedder(existing)
            self._ns = existing

    @classmethod
    def open(
        cls,
        path_or_url: str | os.PathLike[str] | None = None,
        *,
        namespace: str = "default",
        embedder: Embedder | None = None,
        index: str = "faiss",
        migrate: MigrateMode = "apply",
        index_dir: str | os.PathLike[str] | None = None,
        clock: Clock | None = None,
    ) -> MemoryStore:
        """Open (creating if needed) a memory database.

        Args:
            path_or_url: a SQLite file path, a SQLAlchemy URL (``postgresql+psycopg://...``), or None for
                ``$AGENTMEM_HOME/agentmem.db`` (``./.agentmem/agentmem.db`` when the variable is unset).
            namespace: the agent or user whose memories this store reads and writes.
            embedder: turns text into vectors; default: all-MiniLM-L6-v2, loaded on first use.
            index: vector index kind, ``faiss`` (default) or ``exact`` (numpy).
            migrate: ``apply`` pending schema migrations, only ``validate`` the schema, or ``none``.
            index_dir: folder of the vector index files; default: beside a SQLite file, else under
                ``$AGENTMEM_HOME/indexes/``.
            clock: returns the current time (timezone-aware); default: the system clock in UTC.

        Raises:
            ConfigError: a bad argument (the message says which and what is allowed).
            SchemaOutOfDateError: ``migrate="validate"`` on a database that needs migrations.
            EmbedderMismatchError: the namespace was built with another embedding model.
        """
        if index not in INDEX_KINDS:
            raise ConfigError(f"index must be one of {', '.join(INDEX_KINDS)}, not {index!r}")
        url = resolve_url(path_or_url)
        engine = open_engine(url)
        try:
            ensure_schema(engine, migrate)
            if embedder is None:
                from agentmem.embedders import SentenceTransformerEmbedder

                embedder = SentenceTransformerEmbedder()
            repository = Repository(engine)
            folder = Path(index_dir) if index_dir is not None else _default_index_dir(url)
            replicas = IndexReplicas(repository=repository, index_dir=folder, kind=index)
            return cls(
                repository=repository,
                replicas=replicas,
                embedder=embedder,
                namespace=namespace,
                clock=clock or _utc_now,
            )
        except BaseException:
            engine.dispose()
            raise

    def with_namespace(self, namespace: str) -> MemoryStore:
        """A store for another namespace of the same database, sharing connections, embedder and indexes."""
        return MemoryStore(
            repository=self._repository,
            replicas=self._replicas,
            embedder=self._embedder,
            namespace=namespace,
            clock=self._clock,
        )

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Checkpoint the loaded indexes and release the database connections."""
        self._replicas.close()
        self._repository.engine.dispose()

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def namespaces(self) -> list[str]:
        """Names of every namespace in the database."""
        return [ns.name for ns in self._repository.list_namespaces()]

    # -- writing ----------------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        importance: float | None = None,
        kind: str = "observation",
        metadata: Mapping[str, JSONValue] | None = None,
        created_at: datetime | None = None,
    ) -> MemoryRecord:
        """Remember one text. Committed to SQL (with its vector) before this returns.

        Args:
            text: what was observed; must not be blank.
            importance: in [0, 1]; default :data:`DEFAULT_IMPORTANCE`.
            kind: a label such as ``observation``, ``reflection`` or ``plan``.
            metadata: JSON-serialisable key/values, filterable later.
            created_at: when it happened (timezone-aware); default: now.

        Raises:
            ConfigError: invalid text, importance, kind, metadata or time.
        """
        item = NewMemory(text=text, importance=importance, kind=kind, metadata=metadata or {}, created_at=created_at)
        return self.add_many([item])[0]

    def add_many(self, items: Iterable[NewMemory | str]) -> list[MemoryRecord]:
        """Remember many texts: one embedding batch and one transaction for all of them.

        Raises:
            ConfigError: any item is invalid (nothing is stored then).
        """
        news = [NewMemory(text=i) if isinstance(i, str) else i for i in items]
        now = to_epoch(self._clock())
        checked = [_checked(n, now=now, position=p) for p, n in enumerate(news)]
        if not checked:
            return []
        with self._lock:
            ns = self._namespace_row(create=True)
            assert ns is not None
            hashes, vectors = self._vectors_for([c[0] for c in checked])
            pending = [
                PendingMemory(text=t, content_hash=h, kind=k, importance=i, created_at=c, metadata=m, vector=v)
                for (t, k, i, c, m), h, v in zip(checked, hashes, vectors, strict=False)
            ]
            records = self._repository.insert(ns, pending, model_id=ns.model_id)
            ids = np.asarray([r.id for r in records], dtype=np.int64)
            self._replicas.applied(ns, version=records[0].version, upsert=(ids, vectors))
        return records

    def forget(self, memory_id: int) -> None:
        """Delete a memory for good: its text, metadata and vector.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        with self._lock:
            ns = self._namespace_row()
            deleted, version = ([], 0) if ns is None else self._repository.delete(ns, [memory_id])
            if not deleted or ns is None:
                raise MemoryNotFoundError(memory_id, namespace=self._namespace)
            self._replicas.applied(ns, version=version, remove=np.asarray(deleted, dtype=np.int64))

    # -- reading ----------------------------------------------------------------------------------

    def get(self, memory_id: int) -> MemoryRecord:
        """The memory with this id.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        ns = self._namespace_row()
        found = [] if ns is None else self._repository.get_many(ns, [memory_id])
        if not found:
            raise MemoryNotFoundError(memory_id, namespace=self._namespace)
        return found[0]

    def list_memories(self, *, limit: int = 100, offset: int = 0) -> list[MemoryRecord]:
        """Memories in id order (oldest first), ``limit`` at a time from ``offset``."""
        if limit < 0 or offset < 0:
            raise ConfigError("limit and offset must be >= 0")
        ns = self._namespace_row()
        return [] if ns is None else self._repository.page(ns, limit=limit, offset=offset)

    def search(self, query: str, *, k: int = 10) -> list[SearchHit]:
        """The ``k`` active memories most similar in meaning to ``query``, most similar first.

        Raises:
            ConfigError: blank query or k < 1.
        """
        if not isinstance(query, str) or not query.strip():
            raise ConfigError("query must be a non-blank string")
        if k < 1:
            raise ConfigError(f"k must be at least 1, not {k}")
        ns = self._namespace_row()
        if ns is None:
            return []
        vector = self._embed([query])
        with self._lock:
            scores, ids = self._replicas.synced(ns).search(vector, k)
        records = self._repository.get_many(ns, [int(i) for i in ids[0]])
        by_id = {r.id: r for r in records}
        return [SearchHit(by_id[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=False) if int(i) in by_id]

    def stats(self) -> NamespaceStats:
        """Counts, storage and index state of this namespace."""
        ns = self._namespace_row()
        if ns is None:
            return NamespaceStats(
                self._namespace, self._embedder.model_id, self._embedder.dimensions, 0, 0, 0, {},
                self._replicas.kind, 0, 0, 0,
            )  # fmt: skip
        with self._lock:
            index = self._replicas.synced(ns)
            counts, sql_bytes = self._repository.counts(ns)
            ns = self._repository.namespace(self._namespace) or ns
        by_kind: dict[str, int] = {}
        for (kind, _status), n in counts.items():
            by_kind[kind] = by_kind.get(kind, 0) + n
        return NamespaceStats(
            namespace=ns.name,
            model_id=ns.model_id,
            dimensions=ns.dimensions,
            version=ns.version,
            active=sum(n for (_k, s), n in counts.items() if s == "active"),
            archived=sum(n for (_k, s), n in counts.items() if s == "archived"),
            by_kind=by_kind,
            index_kind=index.kind,
            index_size=len(index),
            index_version=index.version,
            sql_bytes=sql_bytes,
        )

    # -- maintenance ------------------------------------------------------------------------------

    def reindex(self) -> NamespaceStats:
        """Rebuild this namespace's vector index from the vectors stored in SQL (no re-embedding)."""
        with self._lock:
            ns = self._namespace_row()
            if ns is not None:
                self._replicas.rebuild(ns)
        return self.stats()

    def checkpoint(self) -> None:
        """Save this namespace's vector index to its file now (also done on close and periodically)."""
        with self._lock:
            ns = self._namespace_row()
            if ns is not None:
                self._replicas.synced(ns)
                self._replicas.checkpoint(ns)

    # -- internals --------------------------------------------------------------------------------

    def _namespace_row(self, *, create: bool = False) -> NamespaceRow | None:
        if self._ns is None:
            found = self._repository.namespace(self._namespace)
            if found is None and create:
                found = self._repository.create_namespace(
                    self._namespace,
                    model_id=self._embedder.model_id,
                    dimensions=self._embedder.dimensions,
                    now=to_epoch(self._clock()),
                )
            if found is not None:
                self._check_embedder(found)
            self._ns = found
        return self._ns

    def _check_embedder(self, ns: NamespaceRow) -> None:
        if (ns.model_id, ns.dimensions) != (self._embedder.model_id, self._embedder.dimensions):
            raise EmbedderMismatchError(
                namespace=ns.name,
                expected_model=ns.model_id,
                expected_dims=ns.dimensions,
                actual_model=self._embedder.model_id,
                actual_dims=self._embedder.dimensions,
            )

    def _embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        vectors = np.asarray(self._embedder.embed(texts), dtype=np.float32)
        expected = (len(texts), self._embedder.dimensions)
        if vectors.shape != expected or not np.all(np.isfinite(vectors)):
            raise ConfigError(
                f"embedder {self._embedder.model_id} returned {vectors.shape} (or non-finite values) "
                f"for {expected[0]} texts; expected {expected} finite values"
            )
        return vectors

    def _vectors_for(self, texts: Sequence[str]) -> tuple[list[str], NDArray[np.float32]]:
        """Content hashes and vectors of ``texts``, embedding only what the cache does not hold."""
        model_id, dims = self._embedder.model_id, self._embedder.dimensions
        hashes = [content_hash(t) for t in texts]
        known = self._repository.cached_embeddings(model_id, hashes, dims)
        missing = {h: t for h, t in zip(hashes, texts, strict=False) if h not in known}
        if missing:
            fresh = self._embed(list(missing.values()))
            known.update(zip(missing.keys(), list(fresh), strict=False))
        return hashes, np.stack([known[h] for h in hashes]).astype(np.float32, copy=False)


def _check_namespace(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ConfigError(f"namespace must be a non-blank string of at most 255 characters, not {name!r}")
    return name


def _checked(item: NewMemory, *, now: float, position: int) -> tuple[str, str, float, float, Mapping[str, JSONValue]]:
    where = f"memory #{position}"
    if not isinstance(item.text, str) or not item.text.strip():
        raise ConfigError(f"{where}: text must be a non-blank string")
    if "\x00" in item.text:
        raise ConfigError(f"{where}: text contains a NUL character; remove it")
    if not isinstance(item.kind, str) or not item.kind.strip() or len(item.kind) > 64:
        raise ConfigError(f"{where}: kind must be a non-blank string of at most 64 characters")
    importance = DEFAULT_IMPORTANCE if item.importance is None else item.importance
    if isinstance(importance, bool) or not isinstance(importance, (int, float)) or not math.isfinite(importance):
        raise ConfigError(f"{where}: importance must be a number in [0, 1], not {importance!r}")
    if not 0.0 <= importance <= 1.0:
        raise ConfigError(f"{where}: importance must be in [0, 1], not {importance}")
    if not isinstance(item.metadata, Mapping) or not all(isinstance(k, str) for k in item.metadata):
        raise ConfigError(f"{where}: metadata must be a mapping with string keys")
    try:
        metadata = json.loads(json.dumps(dict(item.metadata), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: metadata must be JSON-serialisable ({exc})") from exc
    created = now if item.created_at is None else to_epoch(item.created_at)
    return item.text, item.kind, float(importance), created, metadata


def _default_index_dir(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(f"{parsed.database}.indexes")
    # One folder per server and database, never per password: the URL is hashed without it.
    key = hashlib.sha256(parsed.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return default_home() / "indexes" / key
