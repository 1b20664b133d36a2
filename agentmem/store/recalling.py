"""Recall: rank a namespace's memories for a query and build the token-budgeted prompt block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from agentmem.config import RecallConfig, Scoring
from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow, to_epoch
from agentmem.db.snapshots import SnapshotReader
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.paths import rank, rank_vectors
from agentmem.ranking.queries import QueryInput, plan_query, query_vector
from agentmem.ranking.ranked import Ranked, Ranking, merge
from agentmem.ranking.timespans import time_spans
from agentmem.store.database import StoreParts
from agentmem.store.replicas import Replica
from agentmem.text.chunking import TextChunker
from agentmem.types import MemoryFilter, MemoryRecord, ScoredMemory
from agentmem.vectors import isin_sorted

__all__ = ["Candidates", "rank_query", "touch"]

# Extra candidates ranked when some may repeat the messages: an Auto-GPT loop's 9 messages hold the stored
# copies of about 3 steps, so one round nearly always suffices; more rounds double it.
_REPEAT_MARGIN = 16
# Rankings redone at most this many times while other processes keep writing.
_RANK_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Candidates:
    """Ranked memories with their vectors (row i belongs to ``memories[i]``; no rows when not asked for),
    for de-duplication."""

    memories: list[ScoredMemory]
    vectors: NDArray[np.float32]
    path: str


def _rank(
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
) -> tuple[Ranked, dict[int, NDArray[np.float32]] | None]:
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
        spans=_spans(query, now, config),
        time_weight=config.time_weight,
    )
    matching = repository.matching_ids(ns, where) if where.restricts_active or where.include_archived else None
    allowed = None if matching is None or not where.restricts_active else matching
    ranked = rank(replica.index, replica.attributes, vector, k=k, ranking=ranking, allowed=allowed)
    archived_vectors = None
    if where.include_archived:
        archived = repository.archived_ids(ns) if matching is None else matching
        archived = archived[~isin_sorted(archived, replica.attributes.ids)]
        if archived.size:
            snap = snapshots.of(ns, [int(i) for i in archived])
            attributes = MemoryAttributes(snap.ids, snap.last_accessed, snap.importance, created=snap.created_at)
            extra = rank_vectors(snap.ids, snap.vectors, attributes, vector, k=k, ranking=ranking)
            ranked = merge(ranked, extra, k=k)
            archived_vectors = dict(zip(snap.ids.tolist(), snap.vectors.first(), strict=True))
    return ranked, archived_vectors


def _spans(query: str, now: datetime, config: RecallConfig) -> tuple[tuple[float, float], ...]:
    """The creation-time intervals the query names, widened by the configured slack (none when unweighted)."""
    if config.time_weight <= 0:
        return ()
    slack = config.time_slack.total_seconds()
    return tuple((to_epoch(s.start) - slack, to_epoch(s.end) + slack) for s in time_spans(query, now=now))


def _candidates(
    replica: Replica,
    ranked: Ranked,
    found: list[MemoryRecord],
    archived_vectors: dict[int, NDArray[np.float32]] | None,
    *,
    vectors: bool,
) -> Candidates:
    records = {r.id: r for r in found}
    c = ranked.components
    memories, rows = [], []
    for row, memory_id in enumerate(ranked.ids.tolist()):
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
    if not vectors:
        return Candidates(memories, np.zeros((0, replica.index.dimensions), dtype=np.float32), ranked.path)
    ids = np.asarray(rows, dtype=np.int64)
    in_index = isin_sorted(ids, replica.attributes.ids)
    matrix = np.zeros((len(rows), replica.index.dimensions), dtype=np.float32)
    if in_index.any():
        matrix[in_index] = replica.index.vectors(ids[in_index])
    for i, memory_id in enumerate(rows):
        if not in_index[i] and archived_vectors is not None and memory_id in archived_vectors:
            matrix[i] = archived_vectors[memory_id]
    return Candidates(memories, matrix, ranked.path)


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
    vectors: bool = True,
) -> Candidates:
    """Embed ``query`` (a string or recent messages, see :mod:`agentmem.ranking.queries`) and rank namespace
    ``ns`` for it with the store's defaults filled in (``vectors``: also return the memories' vectors, which
    only prompt de-duplication needs).

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
        ranked = _rank_consistent(
            parts, ns, plan.lexical, vector, k=fetch, scoring=scoring, where=where, hybrid=hybrid, now=now,
            vectors=vectors,
        )  # fmt: skip
        if plan.repeats is None:
            return ranked
        kept = [i for i, m in enumerate(ranked.memories) if not plan.repeats.repeats(m.memory.text)][:k]
        # Fewer than asked for means the namespace (or the filter) has no more to give.
        if len(kept) == k or len(ranked.memories) < fetch:
            chosen = ranked.vectors[kept] if len(ranked.vectors) else ranked.vectors  # none asked for
            return Candidates([ranked.memories[i] for i in kept], chosen, ranked.path)
        fetch *= 2


def _rank_consistent(
    parts: StoreParts,
    ns: NamespaceRow,
    query: str,
    vector: NDArray[np.float32],
    *,
    k: int,
    scoring: Scoring | None,
    where: MemoryFilter | None,
    hybrid: bool | None,
    now: datetime | None,
    vectors: bool,
) -> Candidates:
    config = parts.recall
    settings = {
        "now": now or parts.clock(), "scoring": scoring or config.scoring, "where": where or MemoryFilter(),
        "hybrid": config.hybrid if hybrid is None else hybrid,
    }  # fmt: skip
    with parts.lock:
        # Rank on the replica as loaded, then read the results and SQL's version in one transaction: when
        # another process wrote in between, catch up and rank again (what one version read first would
        # have cost every recall).
        replica = parts.replicas.loaded(ns)
        for attempt in range(_RANK_ATTEMPTS):
            ranked, archived_vectors = _rank(
                repository=parts.repository, snapshots=parts.snapshots, replica=replica, ns=ns, query=query,
                vector=vector, k=k, config=config, **settings,  # type: ignore[arg-type]
            )  # fmt: skip
            version, records = parts.repository.get_many_at(ns, [int(i) for i in ranked.ids])
            if version == replica.version or attempt == _RANK_ATTEMPTS - 1:
                # The last attempt's records are still correct memories (ranked one write behind, at worst,
                # as any read racing a writer would be).
                return _candidates(replica, ranked, records, archived_vectors, vectors=vectors)
            replica = parts.replicas.synced(ns)
    raise AssertionError("unreachable")


def touch(parts: StoreParts, ns: NamespaceRow, ids: list[int], when: datetime) -> None:
    """Record that recall returned ``ids`` at ``when``: one batched write, mirrored in the replica."""
    epoch = to_epoch(when)
    with parts.lock:
        version = parts.repository.touch(ns, ids, when=epoch)
        parts.replicas.applied(ns, version=version, touched=(np.asarray(ids, dtype=np.int64), epoch))
