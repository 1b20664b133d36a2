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
it cannot (small indexes, filters, min-max scoring, an uncertified screen).

Relevance (hybrid lexical, a time the query names) and scoring are :mod:`agentmem.ranking.ranked`'s.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.certified import certified_rank
from agentmem.ranking.ranked import Ranked, Ranking, best
from agentmem.vectors import MemoryVectors, VectorIndex, best_per_memory, owners

__all__ = ["rank", "rank_vectors"]


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
        return best(ids, relevance, attributes, _rows(attributes, ids), k=k, ranking=ranking, path="exact", keep=keep)
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
    return best(candidates, relevance, attributes, rows, k=k, ranking=ranking, path="scale")


def rank_vectors(
    ids: NDArray[np.int64],
    vectors: MemoryVectors,
    attributes: MemoryAttributes,
    query: NDArray[np.float32],
    *,
    k: int,
    ranking: Ranking,
) -> Ranked:
    """Rank memories given with their vectors (archived memories, which no index holds); ids ascending, the
    attributes those of the same ids."""
    cosine = vectors.rows @ query
    if vectors.rows.shape[0] != ids.size:
        _, cosine = best_per_memory(vectors.ids(ids), cosine)
    return best(ids, cosine, attributes, None, k=k, ranking=ranking, path="exact")


def _rows(attributes: MemoryAttributes, ids: NDArray[np.int64]) -> NDArray[np.intp]:
    # Indexes append new ids, which only grow, so their storage order is usually the attributes' id order:
    # checking that costs one comparison pass instead of a binary search per memory.
    if np.array_equal(ids, attributes.ids):
        return np.arange(ids.size)
    return attributes.rows(ids)
