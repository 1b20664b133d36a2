"""The retrievers compared on LoCoMo, all on the same vectors, and the registry that names them.

A *system* ranks one conversation's memories for each of its questions: ``rank(memories, queries)`` returns
an ``(n_questions, depth)`` array of memory positions, best first, ``-1`` where it found fewer (or a
:class:`~benchmarks.locomo_metrics.Covered` ranking when one returned memory stands for several turns). Questions
come in the order they are asked, so a system with state (LangChain's last-access times) sees them as an
agent would. A *family* turns the sweep size into its systems, e.g. one per fusion weight.

To add a system, write a family and add it to a registry dict, as :mod:`benchmarks.locomo_peers` does, and
name the dict in ``benchmarks.locomo.families``. ``MemorySet`` carries everything a real store needs:
:mod:`benchmarks.locomo_agentmem` opens a ``MemoryStore`` per memory set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.config import Normalize, Scoring
from agentmem.ranking.scoring import score_arrays, top_k
from benchmarks.bm25 import BM25
from benchmarks.locomo_metrics import Ranking

__all__ = [
    "BASELINES",
    "CONSTANT_IMPORTANCE",
    "DEPTH",
    "FUSION_WEIGHTS",
    "HALF_LIVES",
    "IMPORTANCE_WEIGHT",
    "RECENCY_WEIGHTS",
    "RRF_K",
    "TOUCHED",
    "Family",
    "MemorySet",
    "QuerySet",
    "Ranker",
    "System",
    "cosine_matrix",
    "fusion_family",
    "hybrid_relevance",
    "rank_bm25",
    "rank_cosine",
    "rank_rrf",
    "scoring_family",
    "scoring_ranker",
]

DEPTH = 20  # memories ranked per question: enough for R@20
RRF_K = 60
FUSION_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5)
RECENCY_WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2)
HALF_LIVES = (timedelta(days=1), timedelta(days=7), timedelta(days=30), timedelta(days=180))
# LoCoMo has no importance: every memory gets the same, so its weight adds one constant to every score and
# cannot change a ranking.
CONSTANT_IMPORTANCE = 0.5
IMPORTANCE_WEIGHT = 0.1
TOUCHED = 10  # memories whose last access a touching recall updates (the answer's top 10)


@dataclass(frozen=True, slots=True)
class MemorySet:
    """One conversation's memories, one namespace, as every system is given them.

    Attributes:
        sample_id: the LoCoMo conversation.
        texts: memory texts, in the order they were observed.
        vectors: ``(len(texts), d)`` unit-norm float32 rows.
        created_at: when each was observed, seconds since the Unix epoch.
        now: when the questions are asked (timezone-aware).
    """

    sample_id: str
    texts: tuple[str, ...]
    vectors: NDArray[np.float32]
    created_at: NDArray[np.float64]
    now: datetime
    # The frozen value's one mutable slot: a cache of its BM25 index, filled on first use.
    _bm25: list[BM25] = field(default_factory=list, repr=False, compare=False)

    def bm25(self) -> BM25:
        """The BM25 index of the texts, built on first use and shared by every lexical system."""
        if not self._bm25:
            self._bm25.append(BM25(self.texts))
        return self._bm25[0]


@dataclass(frozen=True, slots=True)
class QuerySet:
    """A conversation's questions in the order they are asked, with their vectors."""

    texts: tuple[str, ...]
    vectors: NDArray[np.float32]


Ranker = Callable[[MemorySet, QuerySet], Ranking]


@dataclass(frozen=True, slots=True)
class System:
    """One configured retriever.

    Attributes:
        family: the registry name it was made by (``fusion``).
        label: a readable name with its parameters (``score fusion a=0.3``).
        parameters: its parameters, written with every figure.
        rank: ranks a conversation's memories for each question.
        depth: how many memories it returns per question (metrics beyond it are not reported).
    """

    family: str
    label: str
    parameters: Mapping[str, Any]
    rank: Ranker
    depth: int = DEPTH


Family = Callable[[bool], list[System]]
"""Given ``quick``, the systems of one family (fewer sweep points when quick)."""


def cosine_matrix(memories: MemorySet, queries: QuerySet) -> NDArray[np.float64]:
    """Cosine similarity of every question (rows) to every memory (columns)."""
    cosine: NDArray[np.float64] = (queries.vectors @ memories.vectors.T).astype(np.float64)
    return cosine


def _ranked(scores: NDArray[np.float64], depth: int) -> NDArray[np.int64]:
    """Top ``depth`` of each row, best first; ties go to the earlier memory (as agentmem's ``top_k``)."""
    out = np.full((scores.shape[0], depth), -1, dtype=np.int64)
    for row in range(scores.shape[0]):
        best = top_k(scores[row], depth)
        out[row, : best.shape[0]] = best
    return out


def _bm25_matrix(memories: MemorySet, queries: QuerySet) -> NDArray[np.float64]:
    index = memories.bm25()
    if not queries.texts:
        return np.zeros((0, len(memories.texts)), dtype=np.float64)
    scores: NDArray[np.float64] = np.stack([index.scores(q) for q in queries.texts])
    return scores


def _normalised_bm25(memories: MemorySet, queries: QuerySet) -> NDArray[np.float64]:
    """BM25 divided by the best BM25 of the same query (all 0 when no memory shares a term with it)."""
    scores = _bm25_matrix(memories, queries)
    top = scores.max(axis=1, keepdims=True) if scores.size else scores
    normalised: NDArray[np.float64] = np.divide(scores, top, out=np.zeros_like(scores), where=top > 0)
    return normalised


def rank_cosine(memories: MemorySet, queries: QuerySet) -> NDArray[np.int64]:
    return _ranked(cosine_matrix(memories, queries), DEPTH)


def rank_bm25(memories: MemorySet, queries: QuerySet) -> NDArray[np.int64]:
    return _ranked(_bm25_matrix(memories, queries), DEPTH)


def rank_rrf(memories: MemorySet, queries: QuerySet) -> NDArray[np.int64]:
    """Reciprocal-rank fusion: sum of 1 / (60 + rank) over the cosine ranking of every memory and the BM25
    ranking of the memories that share a term with the question."""
    cosine = cosine_matrix(memories, queries)
    lexical = _bm25_matrix(memories, queries)
    fused = np.zeros_like(cosine)
    positions = np.arange(1, cosine.shape[1] + 1, dtype=np.float64)
    for row in range(cosine.shape[0]):
        by_cosine = top_k(cosine[row], cosine.shape[1])
        fused[row, by_cosine] += 1.0 / (RRF_K + positions)
        matching = np.flatnonzero(lexical[row] > 0)
        by_bm25 = matching[top_k(lexical[row, matching], matching.shape[0])]
        fused[row, by_bm25] += 1.0 / (RRF_K + positions[: by_bm25.shape[0]])
    return _ranked(fused, DEPTH)


def hybrid_relevance(memories: MemorySet, queries: QuerySet, a: float) -> NDArray[np.float64]:
    """``(1 - a) * cosine + a * bm25 / max_bm25`` of every question and memory."""
    if a == 0:
        return cosine_matrix(memories, queries)
    return (1.0 - a) * cosine_matrix(memories, queries) + a * _normalised_bm25(memories, queries)


def _fusion_ranker(a: float) -> Ranker:
    return lambda memories, queries: _ranked(hybrid_relevance(memories, queries, a), DEPTH)


def scoring_ranker(scoring: Scoring, *, lexical_weight: float = 0.0, touch: int = 0) -> Ranker:
    """agentmem's combined score over every memory; last access starts at creation.

    With ``touch`` > 0 the best ``touch`` memories of each answer get their last access set to the question
    time, as ``MemoryStore.recall`` does by default, and the next question sees it.
    """

    def rank(memories: MemorySet, queries: QuerySet) -> NDArray[np.int64]:
        relevance = hybrid_relevance(memories, queries, lexical_weight)
        importance = np.full(len(memories.texts), CONSTANT_IMPORTANCE)
        accessed = memories.created_at.copy()
        out = np.full((relevance.shape[0], DEPTH), -1, dtype=np.int64)
        for row in range(relevance.shape[0]):
            scores = score_arrays(relevance[row], accessed, importance, now=memories.now, scoring=scoring)
            best = top_k(scores.score, DEPTH)
            out[row, : best.shape[0]] = best
            if touch:
                accessed[best[:touch]] = memories.now.timestamp()
        return out

    return rank


def _days(span: timedelta) -> float:
    return span.total_seconds() / 86400


def _single(family: str, label: str, rank: Ranker) -> Family:
    return lambda quick: [System(family, label, {}, rank)]


def fusion_family(quick: bool) -> list[System]:
    weights = (0.2, 0.4) if quick else FUSION_WEIGHTS
    return [System("fusion", f"score fusion a={a}", {"a": a}, _fusion_ranker(a)) for a in weights]


def scoring_family(quick: bool, *, lexical_weights: tuple[float, ...] = (0.0,)) -> list[System]:
    """agentmem's scoring swept over recency weight x half-life, relevance weight 1, for each relevance
    (cosine, or hybrid at each lexical weight) and each mode: raw components, min-max normalised, and raw
    with the top 10 touched after every question.

    The recency weight 0 point is plain relevance whatever the half-life, so it is run once per mode.
    """
    weights = (0.0, 0.05, 0.2) if quick else RECENCY_WEIGHTS
    half_lives = (HALF_LIVES[1], HALF_LIVES[3]) if quick else HALF_LIVES
    modes: tuple[tuple[Normalize, int], ...] = (
        (("none", 0), ("none", TOUCHED)) if quick else (("none", 0), ("minmax", 0), ("none", TOUCHED))
    )
    systems: list[System] = []
    for a in lexical_weights:
        for normalize, touch in modes:
            for weight in weights:
                if weight == 0 and touch:
                    continue  # touching changes nothing without a recency term
                for half_life in half_lives[:1] if weight == 0 else half_lives:
                    scoring = Scoring(
                        relevance=1.0,
                        recency=weight,
                        importance=IMPORTANCE_WEIGHT,
                        half_life=half_life,
                        normalize=normalize,
                    )
                    parameters = {
                        "relevance_weight": 1.0,
                        "recency_weight": weight,
                        "importance_weight": IMPORTANCE_WEIGHT,
                        "half_life_days": _days(half_life),
                        "normalize": normalize,
                        "lexical_weight": a,
                        "touch": touch,
                    }
                    label = f"scoring rec={weight} hl={_days(half_life):g}d"
                    label += " minmax" if normalize != "none" else ""
                    label += f" hybrid a={a}" if a else ""
                    label += f" touch{touch}" if touch else ""
                    ranker = scoring_ranker(scoring, lexical_weight=a, touch=touch)
                    systems.append(System("scoring", label, parameters, ranker))
    return systems


BASELINES: dict[str, Family] = {
    "cosine": _single("cosine", "cosine", rank_cosine),
    "bm25": _single("bm25", "BM25", rank_bm25),
    "rrf": _single("rrf", f"RRF k={RRF_K}", rank_rrf),
    "fusion": fusion_family,
    "scoring": scoring_family,
}
