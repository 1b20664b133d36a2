"""Ranking a namespace's memories for a query: the exact path and the scale path.

- **Exact path** (indexes that hold exact float32 rows: ``faiss`` flat, ``exact``): one matrix-vector
  product gives the relevance of every active memory, the attributes give recency and importance, and one
  vectorised pass scores them all.
- **Scale path** (ANN or compressed indexes: ``hnsw``, ``ivf``, ``sq8``): candidates are the union of the
  ANN top-C by relevance, the top-C by recency, the top-C by importance and the lexical matches; each is
  then re-scored exactly like the exact path would. Its agreement with the exact path is measured in
  ``benchmarks/``, not assumed.

A memory embedded in chunks (:mod:`agentmem.text.chunking`) has one vector per chunk in the index; its cosine
is the best of its chunks' on both paths.

:func:`rank` first tries :mod:`agentmem.ranking.certified` (a float16 screen of large flat indexes, a threshold test
on approximate ones), which certifies the top k from a few hundred candidates; what follows here runs when
it cannot (small indexes, filters, min-max scoring, an uncertified screen, chunked memories).

Hybrid relevance (``lexical`` given) is ``(1 - a) * cosine + a * bm25 / max_bm25``, where the BM25-style
scores are those of the query's lexical matches and ``max_bm25`` is the best of them: it depends only on
the memory and the query, never on which other candidates were fetched. When the query names a time
(``spans``: creation-time intervals, see :mod:`agentmem.ranking.timespans`), relevance becomes
``(1 - t) * that + t * dated``, ``dated`` being 1 for a memory created inside one of them and 0 otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.index import VectorIndex
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.scoring import Components, Scoring, score_arrays, top_k
from agentmem.text.chunking import MemoryVectors, best_per_memory, owners

__all__ = ["Attributes", "Ranked", "Ranking", "merge", "rank", "rank_vectors"]


@dataclass(frozen=True, slots=True)
class Ranking:
    """How to rank: the scoring weights, the time, and the hybrid lexical part."""

    scoring: Scoring
    now: datetime
    lexical: Mapping[int, float] | None = None  # memory id -> lexical score > 0
    lexical_weight: float = 0.0
    candidates: int = 100  # C of the scale path, per source
    spans: tuple[tuple[float, float], ...] = ()  # creation times [start, end) the query names, epoch seconds
    time_weight: float = 0.0

    @property
    def time_share(self) -> float:
        """The share of relevance that matching the query's times takes (0 when it names none)."""
        return self.time_weight if self.spans else 0.0

    def dated(self, created: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether each creation time lies in one of the spans."""
        inside = np.zeros(created.shape, dtype=np.bool_)
        for start, end in self.spans:
            inside |= (created >= start) & (created < end)
        return inside


@dataclass(frozen=True, slots=True)
class Attributes:
    """The scoring attributes of the memories being ranked, position i describing the i-th."""

    last_accessed: NDArray[np.float64]
    importance: NDArray[np.float32]
    created: NDArray[np.float64]

    def at(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> Attributes:
        """The attributes of these rows (positions or a mask)."""
        return Attributes(self.last_accessed[rows], self.importance[rows], self.created[rows])


@dataclass(frozen=True, slots=True)
class Ranked:
    """The best memories, best first, with the components of their scores."""

    ids: NDArray[np.int64]
    components: Components
    path: str  # "exact" or "scale"

    @classmethod
    def empty(cls, path: str) -> Ranked:
        nothing = np.zeros(0, dtype=np.float64)
        return cls(np.zeros(0, dtype=np.int64), Components(nothing, nothing, nothing, nothing), path)


def rank(
    index: VectorIndex,
    attributes: MemoryAttributes,
    query: NDArray[np.float32],
    *,
    k: int,
    ranking: Ranking,
    allowed: NDArray[np.int64] | None = None,
) -> Ranked:
    """The ``k`` best active memories of a replica for ``query`` (``allowed``: only these ids)."""
    # Imported here, not at the top: the certified paths build on this module's scoring.
    from agentmem.ranking.certified import certified_rank

    certified = certified_rank(index, attributes, query, k=k, ranking=ranking, allowed=allowed)
    if certified is not None:
        return certified
    matrix = index.matrix()
    chunked = attributes.chunked
    if matrix is not None:
        ids, vectors = matrix
        relevance = vectors @ query
        if chunked:
            ids, relevance = best_per_memory(ids, relevance)
        keep = None if allowed is None else np.isin(ids, allowed)
        return _best(ids, relevance, _attributes_at(attributes, _rows(attributes, ids)), keep, k, ranking, "exact")
    mask = None if allowed is None else np.isin(attributes.ids, allowed)
    count = max(ranking.candidates, k)
    if chunked and allowed is not None:
        allowed = attributes.vector_ids(allowed)
    _, ann_ids = index.search(query, count, allowed=allowed)
    sources = [
        owners(ann_ids[0]) if chunked else ann_ids[0],
        attributes.top(attributes.last_accessed, count, mask),
        attributes.top(attributes.importance, count, mask),
    ]
    if ranking.lexical:
        sources.append(np.fromiter(ranking.lexical, dtype=np.int64))
    if ranking.time_share > 0:  # the memories of the times named, the most recently used first
        dated = ranking.dated(attributes.created)
        sources.append(attributes.top(attributes.last_accessed, count, dated if mask is None else dated & mask))
    candidates = np.unique(np.concatenate(sources))
    candidates = candidates[np.isin(candidates, attributes.ids)]
    if mask is not None:
        candidates = candidates[np.isin(candidates, attributes.ids[mask])]
    if not candidates.size:
        return Ranked.empty("scale")
    rows = attributes.rows(candidates)
    if chunked:
        vector_ids = attributes.vector_ids(candidates)
        _, relevance = best_per_memory(vector_ids, index.vectors(vector_ids) @ query)
    else:
        relevance = index.vectors(candidates) @ query
    return _best(candidates, relevance, _attributes_at(attributes, rows), None, k, ranking, "scale")


def rank_vectors(
    ids: NDArray[np.int64],
    vectors: MemoryVectors,
    attributes: Attributes,
    query: NDArray[np.float32],
    *,
    k: int,
    ranking: Ranking,
) -> Ranked:
    """Rank memories given with their vectors (archived memories, which no index holds); ids ascending."""
    cosine = vectors.rows @ query
    if vectors.rows.shape[0] != ids.size:
        _, cosine = best_per_memory(vectors.ids(ids), cosine)
    return _best(ids, cosine, attributes, None, k, ranking, "exact")


def merge(first: Ranked, second: Ranked, *, k: int) -> Ranked:
    """The ``k`` best of two rankings made with the same scoring."""
    if not second.ids.size:
        return first
    ids = np.concatenate([first.ids, second.ids])
    parts = [np.concatenate([getattr(first.components, f), getattr(second.components, f)]) for f in _FIELDS]
    components = Components(*parts)
    best = top_k(components.score, k)
    return Ranked(ids[best], Components(*(p[best] for p in parts)), first.path)


_FIELDS = ("score", "relevance", "recency", "importance")


def _rows(attributes: MemoryAttributes, ids: NDArray[np.int64]) -> NDArray[np.intp]:
    # Indexes append new ids, which only grow, so their storage order is usually the attributes' id order:
    # checking that costs one comparison pass instead of a binary search per memory.
    if np.array_equal(ids, attributes.ids):
        return np.arange(ids.size)
    return attributes.rows(ids)


def _attributes_at(attributes: MemoryAttributes, rows: NDArray[np.intp]) -> Attributes:
    return Attributes(attributes.last_accessed, attributes.importance, attributes.created).at(rows)


def _best(
    ids: NDArray[np.int64],
    cosine: NDArray[np.floating[Any]],
    attributes: Attributes,
    keep: NDArray[np.bool_] | None,
    k: int,
    ranking: Ranking,
    path: str,
) -> Ranked:
    if keep is not None:
        ids, cosine = ids[keep], cosine[keep]
        attributes = attributes.at(keep)
    if not ids.size:
        return Ranked.empty(path)
    relevance = _relevance(ids, cosine, attributes.created, ranking)
    components = score_arrays(
        relevance, attributes.last_accessed, attributes.importance, now=ranking.now, scoring=ranking.scoring
    )
    best = top_k(components.score, k)
    return Ranked(
        ids[best],
        Components(*(getattr(components, f)[best] for f in _FIELDS)),
        path,
    )


def _relevance(
    ids: NDArray[np.int64], cosine: NDArray[np.floating[Any]], created: NDArray[np.float64], ranking: Ranking
) -> NDArray[np.float64]:
    relevance = cosine.astype(np.float64)
    if ranking.lexical and ranking.lexical_weight > 0:
        top = max(ranking.lexical.values())
        lexical = np.zeros(ids.size)
        for row in np.flatnonzero(np.isin(ids, np.fromiter(ranking.lexical, dtype=np.int64))):
            lexical[row] = ranking.lexical[int(ids[row])] / top
        a = ranking.lexical_weight
        relevance = (1 - a) * relevance + a * lexical
    t = ranking.time_share
    if t > 0:
        relevance = (1 - t) * relevance + t * ranking.dated(created)
    return relevance
