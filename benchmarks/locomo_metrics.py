"""Evidence recall on LoCoMo, as ``../shared/data/README.md`` defines it.

Turn level: for each question, the fraction of its evidence turns among the top-k retrieved, averaged over
questions. Session level: the same over the sessions of its evidence turns (a session counts as retrieved
when any of its turns is in the top k). MRR: the reciprocal rank of the first evidence turn within the top
10 (0 when none is), cut at 10 so that peers returning 10 memories are comparable.

A ranking is either an ``(n_questions, depth)`` array of turn positions (one memory per turn), or a
:class:`Covered` ranking, in which each returned memory stands for a set of turns: a store that folds exact
repeats into one memory, or a reflection that replaced its sources (counted by provenance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from benchmarks.locomo_data import CATEGORIES, Conversation

__all__ = ["METRICS", "MRR_K", "Covered", "Evaluation", "Ranking", "evaluate"]

MRR_K = 10
METRICS: tuple[tuple[str, int], ...] = (
    ("turn recall", 1),
    ("turn recall", 5),
    ("turn recall", 10),
    ("turn recall", 20),
    ("MRR", MRR_K),
    ("session recall", 5),
    ("session recall", 10),
)


@dataclass(frozen=True, slots=True)
class Covered:
    """One conversation's rankings where a returned memory may cover several turns.

    Attributes:
        rows: per question, per returned memory (best first), the positions of the turns it covers.
        depth: how many memories the system returns per question.
    """

    rows: tuple[tuple[tuple[int, ...], ...], ...]
    depth: int


Ranking = NDArray[np.int64] | Covered


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Per-question values of every metric a system's depth allows, over all conversations.

    Attributes:
        categories: the category id of each question.
        values: (metric, k) -> one value per question.
    """

    categories: NDArray[np.int64]
    values: dict[tuple[str, int], NDArray[np.float64]]

    def mean(self, metric: str, k: int, category: int | None = None) -> float:
        """The average over all questions, or over one category's; NaN if the metric was not measured."""
        values = self.values.get((metric, k))
        if values is None:
            return float("nan")
        chosen = values if category is None else values[self.categories == category]
        return float(chosen.mean()) if chosen.size else float("nan")

    def groups(self) -> list[int | None]:
        """None (all questions) then every category id present."""
        return [None, *(c for c in CATEGORIES if (self.categories == c).any())]


def evaluate(conversations: Sequence[Conversation], rankings: Sequence[Ranking]) -> Evaluation:
    """Score one system's rankings, one per conversation: a ``(n_questions, depth)`` array, -1 padded, or
    :class:`Covered`."""
    depth = min(r.depth if isinstance(r, Covered) else r.shape[1] for r in rankings)
    measured = [(metric, k) for metric, k in METRICS if k <= depth]
    values: dict[tuple[str, int], list[float]] = {key: [] for key in measured}
    categories: list[int] = []
    for conversation, ranked in zip(conversations, rankings, strict=True):
        sessions = np.asarray([t.session for t in conversation.turns], dtype=np.int64)
        rows = ranked.rows if isinstance(ranked, Covered) else [[(int(p),) for p in row if p >= 0] for row in ranked]
        for question, row in zip(conversation.questions, rows, strict=True):
            categories.append(question.category)
            evidence = set(question.evidence)
            for metric, k in measured:
                values[(metric, k)].append(_metric(metric, row[:k], evidence, question.evidence_sessions, sessions))
    return Evaluation(
        categories=np.asarray(categories, dtype=np.int64),
        values={key: np.asarray(v, dtype=np.float64) for key, v in values.items()},
    )


def _metric(
    metric: str,
    top: Sequence[tuple[int, ...]],
    evidence: set[int],
    evidence_sessions: tuple[int, ...],
    sessions: NDArray[np.int64],
) -> float:
    """One metric of one question over ``top``, the turns each of the first k memories covers."""
    if metric == "MRR":
        hits = [rank for rank, turns in enumerate(top, start=1) if evidence.intersection(turns)]
        return 1.0 / hits[0] if hits else 0.0
    covered = {p for turns in top for p in turns}
    if metric == "turn recall":
        return len(evidence & covered) / len(evidence)
    retrieved_sessions = {int(sessions[p]) for p in covered}
    return sum(s in retrieved_sessions for s in evidence_sessions) / len(evidence_sessions)
