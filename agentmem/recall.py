"""Recall: rank a namespace's memories for a query and build the token-budgeted prompt block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from agentmem.chunking import TextChunker
from agentmem.config import RecallConfig
from agentmem.conversation import QueryInput, plan_query, query_vector
from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow, to_epoch
from agentmem.db.snapshots import SnapshotReader
from agentmem.parts import StoreParts
from agentmem.ranking import Ranked, Ranking, merge, rank, rank_vectors
from agentmem.replicas import Replica
from agentmem.retrieval import Scoring
from agentmem.types import MemoryFilter, ScoredMemory

__all__ = ["Candidates", "rank_namespace", "rank_query", "touch"]

# Extra candidates ranked when some may repeat the messages: an Auto-GPT loop's 9 messages hold the stored
# copies of about 3 steps, so one round nearly always suffices; more rounds double it.
_REPEAT_MARGIN = 16


@dataclass(frozen=True, slots=True)
class Candidates:
    """Ranked memories with their vectors (row i belongs to ``memories[i]``), for de-duplication."""

    memories: list[ScoredMemory]
    vectors: NDArray[np.float32]
    path: str


def rank_namespace(
    *,
    repository: Repository,
    snapshots: SnapshotReader,
    replica: Replica,
    ns: NamespaceRow,
    query: str,
    vector: NDArray[np.float32],
    k: int,
    now: datetime,
    scoring: Scoring,
    where: MemoryFilter,
    hybrid: bool,
    config: RecallConfig,
) -> Candidates:
    """The ``k`` best memories of ``ns`` for ``query`` (embedded as ``vector``), best first."""
    lexical = None
    if hybrid:
        matches = repository.lexical(
            ns, query, limit=config.lexical_candidates, include_archived=where.include_archived
        )
        lexical = dict(matches) or None
    ranking = Ranking(
        scoring=scoring,
        now=now,
        lexical=lexical,
        lexical_weight=config.lexical_weight if hybrid else 0.0,
        candidates=config.scale_candidates,
    )
    matching = repository.matching_ids(ns, where) if where.restricts_active or where.include_archived else None
    allowed = None if matching is None or not where.restricts_active else matching
    ranked = rank(replica.index, replica.attributes, vector, k=k, ranking=ranking, allowed=allowed)
    archived_vectors = None
    if where.include_archived:
        archived = repository.archived_ids(ns) if matching is None else matching
        archived = archived[~np.isin(archived, replica.attributes.ids)]
        if archived.size:
            snap = snapshots.of(ns, [int(i) for i in archived])
            extra = rank_vectors(
                snap.ids, snap.vectors, snap.last_accessed, snap.importance, vector, k=k, ranking=ranking
            )
            ranked = merge(ranked, extra, k=k)
            archived_vectors = dict(zip(snap.ids.tolist(), snap.vectors.first(), strict=True))
    return _candidates(repository, replica, ns, ranked, archived_vectors)


def _candidates(
    repository: Repository,
    replica: Replica,
    ns: NamespaceRow,
    ranked: Ranked,
    archived_vectors: dict[int, NDArray[np.float32]] | None,
) -> Candidates:
    ids = [int(i) for i in ranked.ids]
    records = {r.id: r for r in repository.get_many(ns, ids)}
    c = ranked.components
    memories, rows = [], []
    for row, memory_id in enumerate(ids):
        record = records.get(memory_id)
        if record is None:  # deleted by another process since the replica was synced
            continue
        memories.append(
            ScoredMemory(
                memory=record,
                score=float(c.score[row]),
                relevance=float(c.relevance[row]),
                recency=float(c.recency[row]),
                importance=float(c.importance[row]),
            )
        )
        rows.append(memory_id)
    in_index = np.isin(np.asarray(rows, dtype=np.int64), replica.attributes.ids)
    vectors = np.zeros((len(rows), replica.index.dimensions), dtype=np.float32)
    if in_index.any():
        vectors[in_index] = replica.index.vectors(np.asarray(rows, dtype=np.int64)[in_index])
    for i, memory_id in enumerate(rows):
        if not in_index[i] and archived_vectors is not None and memory_id in archived_vectors:
            vectors[i] = archived_vectors[memory_id]
    return Candidates(memories, vectors, ranked.path)


def rank_query(
    parts: StoreParts,
    ns: NamespaceRow | None,
    query: QueryInput,
    *,
    k: int,
    scoring: Scoring | None,
    where: MemoryFilter | None,
    hybrid: bool | None,
    now: datetime | None,
) -> Candidates:
    """Embed ``query`` (a string or recent messages, see :mod:`agentmem.conversation`) and rank namespace
    ``ns`` for it with the store's defaults filled in.

    For messages, memories that repeat what the messages already contain are left out, and more candidates
    are ranked so that ``k`` others still come back when the namespace has them.
    """
    config = parts.recall
    chunker, policy = parts.embedding.chunker, config.query
    newest = None
    if chunker is not None and policy.newest_window is not None and policy.newest_window < chunker.window:
        newest = TextChunker(chunker.tokenizer, policy.newest_window, 0).split
    plan = plan_query(query, policy=policy, split=None if chunker is None else chunker.split, split_newest=newest)
    if ns is None:
        return Candidates([], np.zeros((0, parts.embedding.embedder.dimensions), dtype=np.float32), "exact")
    vector = query_vector(plan, parts.embedding.embed(plan.texts))
    fetch = k if plan.repeats is None else k + _REPEAT_MARGIN
    while True:
        with parts.lock:
            ranked = rank_namespace(
                repository=parts.repository,
                snapshots=parts.snapshots,
                replica=parts.replicas.synced(ns),
                ns=ns,
                query=plan.lexical,
                vector=vector,
                k=fetch,
                now=now or parts.clock(),
                scoring=scoring or config.scoring,
                where=where or MemoryFilter(),
                hybrid=config.hybrid if hybrid is None else hybrid,
                config=config,
            )
        if plan.repeats is None:
            return ranked
        kept = [i for i, m in enumerate(ranked.memories) if not plan.repeats.repeats(m.memory.text)][:k]
        # Fewer than asked for means the namespace (or the filter) has no more to give.
        if len(kept) == k or len(ranked.memories) < fetch:
            return Candidates([ranked.memories[i] for i in kept], ranked.vectors[kept], ranked.path)
        fetch *= 2


def touch(parts: StoreParts, ns: NamespaceRow, ids: list[int], when: datetime) -> None:
    """Record that recall returned ``ids`` at ``when``: one batched write, mirrored in the replica."""
    epoch = to_epoch(when)
    with parts.lock:
        version = parts.repository.touch(ns, ids, when=epoch)
        parts.replicas.applied(ns, version=version, touched=(np.asarray(ids, dtype=np.int64), epoch))
