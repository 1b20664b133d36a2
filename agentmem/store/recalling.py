"""Recalling: a query becomes ranked memories and a prompt block, in the order the steps run.

1. Options: the call's arguments with the store's defaults filled in, one frozen :class:`RecallOptions`.
2. Query plan (:mod:`agentmem.ranking.queries`): the texts a query or recent messages are read as, and
   which memories would only repeat the messages.
3. Query vector: the plan's texts embedded through the embedding cache (:mod:`agentmem.store.embedding_cache`).
4. Candidates: the namespace's replica (:mod:`agentmem.store.replicas`) ranked by the exact, scale or
   certified path (:mod:`agentmem.ranking.paths`), with lexical matches and filtered ids read from SQL.
5. Records: the ranked memories read from SQL with the namespace's version in one transaction; when another
   process wrote in between, the replica catches up and step 4 runs again.
6. Prompt block (:mod:`agentmem.text.prompt`), for :func:`recall`.
7. Access record: one batched SQL write (recency), mirrored in the replica.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from agentmem.config import RecallConfig, Scoring
from agentmem.db.rows import NamespaceRow, to_epoch
from agentmem.embedders.threads import blas_threads
from agentmem.errors import ConfigError
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.floor import RelevanceFloor
from agentmem.ranking.paths import rank, rank_vectors
from agentmem.ranking.queries import QueryInput, QueryPlan, plan_query, query_vector
from agentmem.ranking.ranked import Ranked, Ranking, merge
from agentmem.ranking.timespans import time_spans
from agentmem.store.database import Database
from agentmem.store.replicas import Replica
from agentmem.store.validation import check_query
from agentmem.text.chunking import TextChunker
from agentmem.text.prompt import assemble
from agentmem.types import MemoryFilter, MemoryRecord, PromptMemory, ScoredMemory
from agentmem.vectors import isin_sorted

__all__ = ["Candidates", "RecallOptions", "recall", "retrieve"]

# Extra candidates ranked when some may repeat the messages: an Auto-GPT loop's 9 messages hold the stored
# copies of about 3 steps, so one round nearly always suffices; more rounds double it.
_REPEAT_MARGIN = 16
# Rankings redone at most this many times while other processes keep writing.
_RANK_ATTEMPTS = 3
# numpy's BLAS threads for a ranking (the exact path's matrix-vector products): one query's product is memory
# bound, and OpenBLAS's default of every core makes its threads wait for each other. Measured on the 2-core
# target (10k x 384 float32, one query): 2.28 ms on the default, 0.77 ms on 1 thread; at 100k 19.5 vs 12.8 ms.
# FAISS's own searches run on one OpenMP thread for the same reason (agentmem.index.faiss_runtime).
RANKING_BLAS_THREADS = 1


# -- 1. options ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecallOptions:
    """The settings of one recall or retrieve, every default resolved.

    Attributes:
        k: at most this many memories are ranked.
        now: the time recency is measured from, and the access recorded at.
        scoring: the weights and half-life.
        where: which memories are candidates.
        hybrid: whether lexical matches are fused into relevance.
        touch: whether an access is recorded on the memories returned.
        token_budget: tokens the prompt block may take (recall only).
        vectors: whether the ranked memories' vectors come back too (prompt de-duplication needs them).
        floor: which memories bear too little on the query to come back (no floor by default).
    """

    k: int
    now: datetime
    scoring: Scoring
    where: MemoryFilter
    hybrid: bool
    touch: bool
    token_budget: int
    vectors: bool
    floor: RelevanceFloor = field(default_factory=RelevanceFloor)

    @classmethod
    def of(
        cls,
        config: RecallConfig,
        *,
        k: int | None,
        now: datetime,
        scoring: Scoring | None,
        where: MemoryFilter | None,
        hybrid: bool | None,
        touch: bool | None,
        token_budget: int | None = None,
        vectors: bool = False,
        floor: bool = True,
        as_of: datetime | None = None,
        include_superseded: bool = False,
    ) -> RecallOptions:
        """Fill what the call left out from the store's ``config`` (``floor``: apply its relevance floor;
        ``as_of`` and ``include_superseded`` join ``where`` as ``valid_at`` and ``include_superseded``).

        Raises:
            ConfigError: ``token_budget`` is not an integer >= 0, or ``now`` or ``as_of`` is naive.
        """
        where = where or MemoryFilter()
        if as_of is not None:
            to_epoch(as_of)
            where = replace(where, valid_at=as_of)
        if include_superseded:
            where = replace(where, include_superseded=True)
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise ConfigError(f"now must be a timezone-aware datetime, e.g. datetime.now(timezone.utc), not {now!r}")
        budget = config.token_budget if token_budget is None else token_budget
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise ConfigError(f"token_budget must be an integer >= 0, not {budget!r}")
        return cls(
            k=config.max_memories if k is None else k,
            now=now,
            scoring=scoring or config.scoring,
            where=where,
            hybrid=config.hybrid if hybrid is None else hybrid,
            touch=config.touch if touch is None else touch,
            token_budget=budget,
            vectors=vectors,
            floor=RelevanceFloor.of(config) if floor else RelevanceFloor(),
        )


@dataclass(frozen=True, slots=True)
class Candidates:
    """Ranked memories with their vectors (row i belongs to ``memories[i]``; no rows when not asked for)."""

    memories: list[ScoredMemory]
    vectors: NDArray[np.float32]
    path: str


def recall(parts: Database, ns: NamespaceRow | None, query: QueryInput, options: RecallOptions) -> PromptMemory:
    """The block of the best memories for ``query`` that fits ``options.token_budget`` (see MemoryStore.recall)."""
    ranked = _ranked(parts, ns, query, options)
    block = assemble(
        ranked.memories,
        token_budget=options.token_budget,
        tokenizer=parts.prompt_tokenizer(),
        vectors=ranked.vectors if options.vectors else None,
        dedupe_threshold=parts.recall.dedupe_threshold,
    )
    _record_access(parts, ns, [m.memory.id for m in block.memories], options)
    return block


def retrieve(parts: Database, ns: NamespaceRow | None, query: QueryInput, options: RecallOptions) -> list[ScoredMemory]:
    """The ``options.k`` best memories for ``query``, best first (see MemoryStore.retrieve)."""
    ranked = _ranked(parts, ns, query, options)
    _record_access(parts, ns, [m.memory.id for m in ranked.memories], options)
    return ranked.memories


# -- 2.-5. plan, vector, candidates, records ---------------------------------------------------------------


def _ranked(parts: Database, ns: NamespaceRow | None, query: QueryInput, options: RecallOptions) -> Candidates:
    """Steps 2 to 5. For messages, memories that repeat what the messages already contain are left out,
    and more candidates are ranked so that ``k`` others still come back when the namespace has them."""
    check_query(query, options.k)
    plan = _plan(parts, query)
    if ns is None:
        return Candidates([], np.zeros((0, parts.embedding.embedder.dimensions), dtype=np.float32), "exact")
    vector = query_vector(plan, parts.embedding.embed(plan.texts))
    k, floor = options.k, options.floor
    # Below this score no memory can reach the floor: score = w_rel * relevance + terms >= 0.
    lowest = (
        -np.inf
        if floor.absolute is None or options.scoring.normalize != "none"
        else options.scoring.relevance * floor.absolute
    )
    fetch = k if plan.repeats is None else k + _REPEAT_MARGIN
    while True:
        ranked = _rank_consistent(parts, ns, plan.lexical, vector, options, fetch)
        new = [
            i for i, m in enumerate(ranked.memories) if plan.repeats is None or not plan.repeats.repeats(m.memory.text)
        ]
        cut = floor.reasons([ranked.memories[i].relevance for i in new])
        kept = [i for i, why in zip(new, cut, strict=True) if why is None][:k]
        # Fewer than asked for means the namespace (or the filter) has no more to give; a last score below
        # the floor's, that no memory further down reaches it.
        exhausted = len(ranked.memories) < fetch or (bool(ranked.memories) and ranked.memories[-1].score < lowest)
        if len(kept) == k or exhausted:
            kept = _successors_first(ranked.memories, kept)
            chosen = ranked.vectors[kept] if len(ranked.vectors) else ranked.vectors  # none asked for
            return Candidates([ranked.memories[i] for i in kept], chosen, ranked.path)
        fetch *= 2


def _successors_first(memories: list[ScoredMemory], kept: list[int]) -> list[int]:
    """``kept`` with every superseded memory moved just below its successor when both are kept: an older
    value never ranks above the value that replaced it (only with ``include_superseded``)."""
    position = {memories[i].memory.id: i for i in kept}
    moved = {
        i for i in kept if memories[i].memory.valid_to is not None and memories[i].memory.superseded_by in position
    }
    if not moved:
        return kept
    below: dict[int, list[int]] = {}
    for i in kept:
        if i in moved:
            below.setdefault(position[memories[i].memory.superseded_by or 0], []).append(i)
    order: list[int] = []

    def place(i: int) -> None:
        order.append(i)
        for j in below.get(i, []):
            place(j)

    for i in kept:
        if i not in moved:
            place(i)
    return order + [i for i in kept if i not in set(order)]  # a cycle cannot happen; kept whole anyway


def _plan(parts: Database, query: QueryInput) -> QueryPlan:
    chunker, policy = parts.embedding.chunker, parts.recall.query
    newest = None
    if chunker is not None and policy.newest_window is not None and policy.newest_window < chunker.window:
        newest = TextChunker(chunker.tokenizer, policy.newest_window, 0).split
    return plan_query(query, policy=policy, split=None if chunker is None else chunker.split, split_newest=newest)


def _rank_consistent(
    parts: Database, ns: NamespaceRow, query: str, vector: NDArray[np.float32], options: RecallOptions, k: int
) -> Candidates:
    with parts.lock:
        # Rank on the replica as loaded, then read the results and SQL's version in one transaction: when
        # another process wrote in between, catch up and rank again (what one version read first would
        # have cost every recall).
        replica = parts.replicas.loaded(ns)
        for attempt in range(_RANK_ATTEMPTS):
            ranked, archived_vectors = _rank_replica(parts, replica, ns, query, vector, options, k)
            version, records = parts.repository.get_many_at(ns, [int(i) for i in ranked.ids])
            if version == replica.version or attempt == _RANK_ATTEMPTS - 1:
                # The last attempt's records are still correct memories (ranked one write behind, at worst,
                # as any read racing a writer would be).
                return _candidates(replica, ranked, records, archived_vectors, vectors=options.vectors)
            replica = parts.replicas.synced(ns)
    raise AssertionError("unreachable")


def _rank_replica(
    parts: Database,
    replica: Replica,
    ns: NamespaceRow,
    query: str,
    vector: NDArray[np.float32],
    options: RecallOptions,
    k: int,
) -> tuple[Ranked, dict[int, NDArray[np.float32]] | None]:
    config, where, repository = parts.recall, options.where, parts.repository
    lexical = None
    if options.hybrid:
        matches = repository.lexical(
            ns, query, limit=config.lexical_candidates, include_archived=where.includes_inactive
        )
        lexical = dict(matches) or None
    ranking = Ranking(
        scoring=options.scoring,
        now=options.now,
        lexical=lexical,
        lexical_weight=config.lexical_weight if options.hybrid else 0.0,
        candidates=config.scale_candidates,
        spans=_spans(query, options.now, config),
        time_weight=config.time_weight,
    )
    matching = repository.matching_ids(ns, where) if where.restricts_active or where.includes_inactive else None
    allowed = None if matching is None or not where.restricts_active else matching
    # The BLAS block holds the ranking's arithmetic alone: it takes no lock inside (see blas_threads).
    with blas_threads(RANKING_BLAS_THREADS):
        ranked = rank(replica.index, replica.attributes, vector, k=k, ranking=ranking, allowed=allowed)
    archived_vectors = None
    if where.includes_inactive:
        assert matching is not None  # computed whenever inactive memories may pass
        archived = matching[~isin_sorted(matching, replica.attributes.ids)]
        if archived.size:
            snap = parts.snapshots.of(ns, [int(i) for i in archived])
            attributes = MemoryAttributes(snap.ids, snap.last_accessed, snap.importance, created=snap.created_at)
            with blas_threads(RANKING_BLAS_THREADS):
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


# -- 7. access record ----------------------------------------------------------------------------------------


def _record_access(parts: Database, ns: NamespaceRow | None, ids: list[int], options: RecallOptions) -> None:
    """Record that recall returned ``ids``: shown in the replica at once, written behind (store/access_log.py)."""
    if not options.touch or not ids or ns is None:
        return
    parts.accesses.record(ns, ids, to_epoch(options.now))
