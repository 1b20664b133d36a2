"""What every ranking path shares: the settings of one ranking, its result, and scoring the candidates.

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

from agentmem.config import Scoring
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.scoring import Components, score_arrays, top_k

__all__ = ["Ranked", "Ranking", "best", "merge"]


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
class Ranked:
    """The best memories, best first, with the components of their scores."""

    ids: NDArray[np.int64]
    components: Components
    path: str  # "exact" or "scale"

    @classmethod
    def empty(cls, path: str) -> Ranked:
        nothing = np.zeros(0, dtype=np.float64)
        return cls(np.zeros(0, dtype=np.int64), Components(nothing, nothing, nothing, nothing), path)


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


def best(
    ids: NDArray[np.int64],
    cosine: NDArray[np.floating[Any]],
    attributes: MemoryAttributes,
    rows: NDArray[np.intp] | None,
    *,
    k: int,
    ranking: Ranking,
    path: str,
    keep: NDArray[np.bool_] | None = None,
) -> Ranked:
    """The ``k`` best of memories ``ids`` with these cosines: row ``rows[i]`` of ``attributes`` describes
    ``ids[i]`` (``rows`` None: the attributes are in the order of ``ids``); ``keep``: only these."""
    if rows is None:
        rows = np.arange(ids.size)
    if keep is not None:
        ids, cosine, rows = ids[keep], cosine[keep], rows[keep]
    if not ids.size:
        return Ranked.empty(path)
    relevance = _relevance(ids, cosine, attributes.created[rows], ranking)
    components = score_arrays(
        relevance, attributes.last_accessed[rows], attributes.importance[rows], now=ranking.now, scoring=ranking.scoring
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
