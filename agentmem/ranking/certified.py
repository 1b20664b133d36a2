"""Certified ranking: the top k from a few hundred candidates, checked against what every other memory could score.

The default score is ``w_rel * relevance + w_rec * recency + w_imp * importance`` with hybrid relevance
``(1 - t) * ((1 - a) * cosine + a * lexical) + t * dated`` (see :mod:`agentmem.ranking.paths`; ``t`` is 0 unless
the query names a time). Every lexical match and every memory created in a time the query names is a
candidate, so a memory that is not a candidate has relevance ``(1 - t) * (1 - a) * cosine``, and its
recency and importance are at most the namespace's largest. A search that returns the best ``C`` cosines
also bounds the cosine of every memory it left out. So (a threshold test in the manner of Fagin's
threshold algorithm): if the k-th best candidate's exact score beats

    w_rel * (1 - t) * (1 - a) * (bound on a left-out cosine) + w_rec * max recency + w_imp * max importance

no memory left out can enter the top k, and the candidates' top k is the exact top k. Otherwise ``C``
grows (16 times for a screen, 4 times for an approximate search) and the test runs once more; past that
the caller's full ranking runs.

Where the bound on left-out cosines comes from decides what "exact" means:

- ``faiss`` (flat): :meth:`~agentmem.index.FaissIndex.screen` scans a float16 copy from 20,000 vectors on
  (half the bytes of a float32 search) and bounds every left-out vector's float32 cosine rigorously, or
  below that runs FAISS's own float32 search, so a certified result *is* the exact path's result.
- ``hnsw``, ``ivf``, ``sq8`` (the scale path): the C-th score the index returned, which bounds the others
  only as far as the approximate search found the true best C; agreement with the exact path is measured
  in ``benchmarks/``. A result that stays uncertified also takes the top C by recency and by importance
  as candidates, as the scale path always did.

A memory embedded in chunks has one vector per chunk; its cosine is its best chunk's. A memory none of whose
chunks the search returned is bounded like any left-out vector; a returned memory whose best returned chunk is
below that bound is re-scored on all its chunks (a better one may have been left out), so chunked namespaces are
certified the same way.

Min-max normalisation (scores depend on the candidate set), filtered searches and queries naming times
that hold more than :data:`MAX_DATED_SHARE` of the memories keep the paths of :func:`agentmem.ranking.paths.rank`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from agentmem.config import decay
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.ranked import Ranked, Ranking, best
from agentmem.vectors import VectorIndex, best_per_memory, isin_sorted

# What a screen or an approximate search gives: candidate ids, their cosines, a bound on every other's.
Screened = tuple[NDArray[np.int64], NDArray[np.float32], float]

__all__ = ["MAX_DATED_SHARE", "SCREEN_CANDIDATES", "certified_rank", "memory_cosines"]

# Candidates the float16 screen starts with: the top 10 needed up to 193 of them on LoCoMo-based vectors
# at 1M memories (median 84; benchmarks/recall_speed.py), and a larger heap costs the scan next to nothing.
SCREEN_CANDIDATES = 256
# C grows this much when the test fails, at most once: a second scan, then the full ranking. An approximate
# search costs more per candidate (HNSW visits ~C nodes): it widens less.
WIDEN = 16
WIDEN_APPROXIMATE = 4
# A cosine band this wide (left-out recency and importance over the relevance weight) cannot be certified
# by a few candidates: rank fully at once instead of scanning twice first.
MAX_PRIOR_BAND = 0.5
# Memories created in the times a query names join the candidates while they are at most this share of the
# namespace. Reading their vectors costs about 10 times what a flat scan spends per memory (1.5 µs against
# 0.14 µs at 1M memories of 384-d), so a larger share takes the full ranking.
MAX_DATED_SHARE = 0.1


def certified_rank(
    index: VectorIndex,
    attributes: MemoryAttributes,
    query: NDArray[np.float32],
    *,
    k: int,
    ranking: Ranking,
    allowed: NDArray[np.int64] | None,
) -> Ranked | None:
    """The top ``k`` by a certified threshold test, or None where the caller's path must rank.

    Returns:
        The ranking (``path`` "exact" for a screened flat index, "scale" for approximate kinds); None when
        scores are min-max normalised, ``allowed`` is given, the index is exact without a screen
        (``exact``, untrained ``ivf``/``sq8``), or a screened flat index could not certify its candidates.
    """
    if ranking.scoring.normalize != "none" or allowed is not None or not len(attributes):
        return None
    screen: Callable[[NDArray[np.float32], int], Screened | None] | None = getattr(index, "screen", None)
    exact = screen is not None
    if not exact and index.matrix() is not None:
        return None
    weight = ranking.scoring.relevance * (1 - _lexical_share(ranking)) * (1 - ranking.time_share)
    prior = _largest_prior(attributes, ranking)
    if exact and (weight <= 0 or prior / weight > MAX_PRIOR_BAND):
        return None
    dated = attributes.ids[ranking.dated(attributes.created)] if ranking.time_share > 0 else None
    if dated is not None and dated.size > MAX_DATED_SHARE * len(attributes):
        return None
    # Every lexical match and dated memory is a candidate whatever the search finds: their cosines once.
    matched = _lexical_ids(attributes, ranking)
    if dated is not None and dated.size:
        matched = np.union1d(matched, dated)
    matched, matched_cosine = memory_cosines(index, attributes, matched, query)
    count = max(k, SCREEN_CANDIDATES if exact else ranking.candidates)
    for _ in range(2):
        found = screen(query, count) if screen is not None else _search(index, query, count)
        if found is None:
            return None
        ids, cosine, beyond = found
        if attributes.chunked:
            ids, cosine = _best_chunks(index, attributes, query, ids, cosine, beyond)
        ids, cosine = _with_matched(attributes, ids, cosine, matched, matched_cosine)
        path = "exact" if exact else "scale"
        ranked = best(ids, cosine, attributes, attributes.rows(ids), k=k, ranking=ranking, path=path)
        if _certified(ranked, k, reach=weight * beyond + prior if np.isfinite(beyond) else None):
            return ranked
        count *= WIDEN if exact else WIDEN_APPROXIMATE
    if exact:
        return None
    return _scale_fallback(index, attributes, query, ids, cosine, k=k, ranking=ranking)


def _best_chunks(
    index: VectorIndex,
    attributes: MemoryAttributes,
    query: NDArray[np.float32],
    vector_ids: NDArray[np.int64],
    cosine: NDArray[np.float32],
    beyond: float,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """The memories of the chunk vectors a search returned, each with its best chunk's cosine.

    A chunk left out scores at most ``beyond``. So a memory whose best returned chunk reaches ``beyond`` has its
    best chunk among those returned; only the others (a float16 screen returns some below its bound) have all
    their chunks read.
    """
    ids, best = best_per_memory(vector_ids, cosine)
    unsure = best < beyond
    if unsure.any():
        _, best[unsure] = memory_cosines(index, attributes, ids[unsure], query)
    return ids, np.asarray(best, dtype=np.float32)


def memory_cosines(
    index: VectorIndex, attributes: MemoryAttributes, ids: NDArray[np.int64], query: NDArray[np.float32]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """The cosines of these memories (ascending ids, each in ``attributes``), a chunked memory's being its
    best chunk's."""
    if not len(ids):
        return ids, np.zeros(0, dtype=np.float32)
    if not attributes.chunked:
        return ids, np.asarray(index.vectors(ids) @ query, dtype=np.float32)
    vector_ids = attributes.vector_ids(ids)
    memory_ids, best_cosine = best_per_memory(vector_ids, index.vectors(vector_ids) @ query)
    return memory_ids, np.asarray(best_cosine, dtype=np.float32)


def _certified(ranked: Ranked, k: int, *, reach: float | None) -> bool:
    """Whether no memory left out (each scoring at most ``reach``; None: none was left out) can enter."""
    if reach is None:
        return True
    # Strictly: a left-out memory tying the k-th could take its place by id order.
    return len(ranked.ids) == k and float(ranked.components.score[-1]) > reach


def _lexical_share(ranking: Ranking) -> float:
    return ranking.lexical_weight if ranking.lexical and ranking.lexical_weight > 0 else 0.0


def _largest_prior(attributes: MemoryAttributes, ranking: Ranking) -> float:
    """The most recency and importance together could add to any memory's score."""
    scoring = ranking.scoring
    latest, largest = attributes.peaks()
    recency = float(decay(ranking.now.timestamp() - latest, scoring.half_life))
    return float(scoring.recency * recency + scoring.importance * largest)


def _lexical_ids(attributes: MemoryAttributes, ranking: Ranking) -> NDArray[np.int64]:
    """The lexical matches the replica holds (others were archived or deleted since)."""
    if not ranking.lexical:
        return np.zeros(0, dtype=np.int64)
    ids = np.fromiter(ranking.lexical, dtype=np.int64, count=len(ranking.lexical))
    return ids[isin_sorted(ids, attributes.ids)]


def _search(index: VectorIndex, query: NDArray[np.float32], count: int) -> Screened:
    """The approximate index's best ``count``; its scores are those re-scoring would give (HNSW and IVF
    store the vectors exactly, SQ8 decodes the same codes), and the last bounds the rest as far as the
    search found the true best."""
    scores, ids = index.search(query, count)
    beyond = float(scores[0, -1]) if ids.shape[1] == count and count < len(index) else -np.inf
    return ids[0], scores[0], beyond


def _with_matched(
    attributes: MemoryAttributes,
    ids: NDArray[np.int64],
    cosine: NDArray[np.float32],
    matched: NDArray[np.int64],
    matched_cosine: NDArray[np.float32] | None,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Candidates (sorted by id, so ties break by the smaller id as in the full path) and their cosines,
    the matched memories (sorted, held, cosines given) included."""
    held = isin_sorted(ids, attributes.ids)  # an index entry the attributes lack is not rankable
    if not held.all():
        ids, cosine = ids[held], cosine[held]
    order = np.argsort(ids, kind="stable")
    ids, cosine = ids[order], cosine[order]
    return _merged(ids, cosine, matched, matched_cosine)


def _merged(
    ids: NDArray[np.int64],
    cosine: NDArray[np.float32],
    more: NDArray[np.int64],
    more_cosine: NDArray[np.float32] | None,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Candidates sorted by id with the ``more`` ids they lack added (``more_cosine``: their cosines)."""
    if more_cosine is None or not len(more):
        return ids, cosine
    # isin_sorted, not np.isin: np.isin costs ~80 µs even on empty input, a share of a 1 ms recall.
    new = ~isin_sorted(more, ids)
    if not new.any():
        return ids, cosine
    ids, cosine = np.concatenate([ids, more[new]]), np.concatenate([cosine, more_cosine[new]])
    order = np.argsort(ids, kind="stable")
    return ids[order], cosine[order]


def _scale_fallback(
    index: VectorIndex,
    attributes: MemoryAttributes,
    query: NDArray[np.float32],
    ids: NDArray[np.int64],
    cosine: NDArray[np.float32],
    *,
    k: int,
    ranking: Ranking,
) -> Ranked:
    """Uncertified on an approximate index: add the top C by recency and by importance as candidates."""
    count = max(ranking.candidates, k)
    leaders = np.unique(
        np.concatenate(
            [attributes.top(attributes.last_accessed, count, None), attributes.top(attributes.importance, count, None)]
        )
    )
    leaders = leaders[~isin_sorted(leaders, ids)]  # read only the vectors not at hand
    leaders, leaders_cosine = memory_cosines(index, attributes, leaders, query)
    ids, cosine = _merged(ids, cosine, leaders, leaders_cosine)
    return best(ids, cosine, attributes, attributes.rows(ids), k=k, ranking=ranking, path="scale")
