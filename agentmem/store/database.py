"""What the stores of one opened database share, and how it is put together from a path or URL."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from agentmem.config import Chunking, MemoryPolicy, RecallConfig
from agentmem.db.engine import default_home, open_engine, resolve_url
from agentmem.db.identity import CheckpointLedger
from agentmem.db.lifecycle import Lifecycle
from agentmem.db.migrate import MigrateMode, ensure_schema
from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow
from agentmem.db.snapshots import SnapshotReader
from agentmem.errors import ConfigError
from agentmem.index.kinds import INDEX_KINDS
from agentmem.store.access_log import AccessLog
from agentmem.store.embedding_cache import CachedEmbedding
from agentmem.store.replicas import IndexReplicas
from agentmem.text.tokens import default_tokenizer
from agentmem.types import Embedder, NamespaceStats, Tokenizer

if TYPE_CHECKING:
    from agentmem.types import ImportanceScorer, Summarizer

__all__ = ["Clock", "Database", "open_database"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class Database:
    """What the stores of one opened database share, whichever namespace they serve."""

    repository: Repository
    snapshots: SnapshotReader
    replicas: IndexReplicas
    embedding: CachedEmbedding
    clock: Clock
    recall: RecallConfig
    tokenizer: Tokenizer | None
    lock: threading.RLock
    lifecycle: Lifecycle
    policy: MemoryPolicy
    accesses: AccessLog
    summarizer_given: Summarizer | None = None
    importance: ImportanceScorer | None = None

    def importance_scorer(self) -> ImportanceScorer:
        if self.importance is not None:
            return self.importance
        from agentmem.consolidation.importance import HeuristicImportance

        return HeuristicImportance()

    def summarizer(self) -> Summarizer:
        if self.summarizer_given is not None:
            return self.summarizer_given
        from agentmem.consolidation.summaries import ExtractiveSummarizer

        return ExtractiveSummarizer(self.tokenizer)

    def prompt_tokenizer(self) -> Tokenizer:
        return self.tokenizer or default_tokenizer()

    def stats(self, name: str, ns: NamespaceRow | None) -> NamespaceStats:
        """Counts, storage and index state of a namespace (``ns`` None: it has no memories yet)."""
        embedder = self.embedding.embedder
        if ns is None:
            return NamespaceStats(
                name, embedder.model_id, embedder.dimensions, 0, 0, 0, {}, self.replicas.kind, 0, 0, 0, 0, 0
            )
        with self.lock:
            replica = self.replicas.synced(ns)
            index = replica.index
            counts, sql_bytes, vectors = self.repository.counts(ns)
            ns = self.repository.namespace(name) or ns
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
            index_size=len(replica.attributes),
            index_version=index.version,
            sql_bytes=sql_bytes,
            vectors=vectors,
            index_vectors=len(index),
            index_rebuilt=self.replicas.rejected(ns),
        )


def open_database(
    path_or_url: str | os.PathLike[str] | None,
    *,
    embedder: Embedder | None,
    index: str,
    migrate: MigrateMode,
    index_dir: str | os.PathLike[str] | None,
    memory_budget: int | None,
    recall: RecallConfig | None,
    policy: MemoryPolicy | None,
    summarizer: Summarizer | None,
    importance: ImportanceScorer | None,
    tokenizer: Tokenizer | None,
    clock: Clock | None,
    chunking: Chunking | None = None,
) -> Database:
    """Connect to the database, bring its schema up to date and set up the shared parts (see MemoryStore.open)."""
    if index not in INDEX_KINDS:
        raise ConfigError(f"index must be one of {', '.join(INDEX_KINDS)}, not {index!r}")
    if memory_budget is not None and memory_budget < 0:
        raise ConfigError("memory_budget must be a number of bytes >= 0, or None for no limit")
    url = resolve_url(path_or_url)
    engine = open_engine(url)
    try:
        ensure_schema(engine, migrate)
        if embedder is None:
            from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder

            embedder = SentenceTransformerEmbedder()
        repository = Repository(engine)
        snapshots = SnapshotReader(engine)
        replicas = IndexReplicas(
            snapshots=snapshots,
            ledger=CheckpointLedger(engine),
            index_dir=_index_dir(url, index_dir),
            kind=index,
            memory_budget=memory_budget,
        )
        recall = recall or RecallConfig()
        lock = threading.RLock()
        accesses = AccessLog(
            repository,
            replicas,
            lock,
            max_memories=recall.touch_flush_memories,
            max_seconds=recall.touch_flush_seconds,
        )
        return Database(
            repository=repository,
            snapshots=snapshots,
            replicas=replicas,
            embedding=CachedEmbedding(embedder, repository, chunking=chunking, tokenizer=tokenizer),
            clock=clock or utc_now,
            recall=recall,
            tokenizer=tokenizer,
            lock=lock,
            lifecycle=Lifecycle(engine),
            policy=policy or MemoryPolicy(),
            accesses=accesses,
            summarizer_given=summarizer,
            importance=importance,
        )
    except BaseException:
        engine.dispose()
        raise


def _index_dir(url: str, given: str | os.PathLike[str] | None) -> Path | None:
    """Where the index files go: ``given``, else beside a SQLite file or under ``$AGENTMEM_HOME/indexes``.

    None for an in-memory SQLite database: it dies with the process, so a file could only ever be read
    by another database (any ``:memory:`` store of the next process).
    """
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database in (None, "", ":memory:"):
        return None
    if given is not None:
        return Path(given)
    if sqlite:
        return Path(f"{parsed.database}.indexes")
    # One folder per server and database, never per password: the URL is hashed without it.
    key = hashlib.sha256(parsed.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return default_home() / "indexes" / key
