"""Pure scoring of memories by relevance, recency and importance (the Generative Agents recipe).

The score of memory *i* for a query at time *now* is::

    score_i = w_rel * relevance_i + w_rec * recency_i + w_imp * importance_i
    recency_i = 0.5 ** (time since last access / half_life)

By default (``normalize="none"``) a memory's score depends only on that memory and the query, never on
which other candidates were fetched, so "exact top-k" is well defined and faster candidate paths can be
measured against it. ``normalize="minmax"`` rescales each component over the candidates, as Generative
Agents does.

Everything here is pure: numbers in, numbers out, the clock passed in. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agentmem.config import Scoring, decay
from agentmem.errors import ConfigError
from agentmem.types import ScoredMemory

__all__ = [
    "Components",
    "explain",
    "recency",
    "score_arrays",
    "top_k",
]

# Value given to every candidate when a component is constant over the candidates under min-max
# normalisation (its range is 0). Generative Agents' code uses the middle of the target range, so a constant
# component adds the same amount to every score and does not change the ranking.
_MINMAX_CONSTANT = 0.5

_TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True, slots=True)
class Components:
    """Scores of a batch of candidates and the components they were computed from.

    All arrays are float64 with one entry per candidate, in the order given. With ``normalize="minmax"``
    the component arrays hold the normalised values, so ``score`` is always exactly their weighted sum.

    Attributes:
        score: the combined score.
        relevance: relevance as used by the score.
        recency: recency as used by the score.
        importance: importance as used by the score.
    """

    score: NDArray[np.float64]
    relevance: NDArray[np.float64]
    recency: NDArray[np.float64]
    importance: NDArray[np.float64]


def recency(last_accessed: datetime, *, now: datetime, half_life: timedelta) -> float:
    """Exponential decay since the last access.

    Args:
        last_accessed: when the memory was last accessed.
        now: the current time (both naive or both timezone-aware).
        half_life: time after which the result is 0.5; must be positive.

    Returns:
        1.0 when just accessed, 0.5 after one half-life, 0.25 after two. A timestamp in the future counts
        as just accessed (1.0), so clock skew never boosts a memory above a fresh one.

    Raises:
        ConfigError: ``half_life`` is not positive, or one datetime is naive and the other aware.
    """
    if half_life <= timedelta(0):
        raise ConfigError(f"half_life must be a positive timedelta, got {half_life!r}")
    try:
        age = (now - last_accessed).total_seconds()
    except TypeError as exc:
        raise ConfigError("now and last_accessed must both be timezone-aware (or both naive)") from exc
    return float(decay(age, half_life))


def score_arrays(
    relevance: ArrayLike,
    last_accessed_epoch: NDArray[np.float64],
    importance: ArrayLike,
    *,
    now: datetime,
    scoring: Scoring,
) -> Components:
    """Score a batch of candidates in one vectorised pass.

    Args:
        relevance: 1-D relevance of each candidate (cosine, or fused with BM25).
        last_accessed_epoch: 1-D last access of each candidate, in seconds since the Unix epoch.
        importance: 1-D importance of each candidate, in [0, 1].
        now: the current time; must be timezone-aware, because a naive one would be read as local time.
        scoring: weights, half-life and normalisation.

    Returns:
        The combined scores and the components they were computed from, one entry per candidate.

    Raises:
        ConfigError: the arrays are not 1-D of the same length, hold NaN or infinity, or ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ConfigError("now must be timezone-aware (e.g. datetime.now(timezone.utc))")
    rel = _as_vector(relevance, "relevance")
    accessed = _as_vector(last_accessed_epoch, "last_accessed_epoch")
    imp = _as_vector(importance, "importance")
    if not rel.shape == accessed.shape == imp.shape:
        raise ConfigError(
            "relevance, last_accessed_epoch and importance must have the same length, got "
            f"{rel.shape[0]}, {accessed.shape[0]} and {imp.shape[0]}"
        )
    rec = decay(now.timestamp() - accessed, scoring.half_life)
    if scoring.normalize == "minmax":
        rel, rec, imp = _minmax(rel), _minmax(rec), _minmax(imp)
    score = scoring.relevance * rel + scoring.recency * rec + scoring.importance * imp
    return Components(score=score, relevance=rel, recency=rec, importance=imp)


def top_k(scores: NDArray[np.floating] | NDArray[np.integer], k: int) -> NDArray[np.intp]:
    """Indices of the ``k`` highest scores, best first.

    Ties are broken by the lower index, so the result does not depend on how ``argpartition`` happens to
    order equal values. NaN scores rank last. Runs in O(n + k log k) when ``len(scores) > k``.

    Args:
        scores: 1-D scores.
        k: how many indices to return; fewer if there are fewer scores.

    Returns:
        An intp array of at most ``k`` indices.

    Raises:
        ConfigError: ``k`` is negative or ``scores`` is not 1-D.
    """
    if k < 0:
        raise ConfigError(f"k must be >= 0, got {k}")
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1:
        raise ConfigError(f"scores must be 1-D, got shape {values.shape}")
    # Sorting the negation ascending gives best first; NaN becomes +inf so it sorts last.
    neg = np.where(np.isnan(values), np.inf, -values)
    n = neg.shape[0]
    if k == 0 or n == 0:
        return np.empty(0, dtype=np.intp)
    if n <= k:
        return np.argsort(neg, kind="stable").astype(np.intp, copy=False)
    # argpartition finds the k-th best value; which of several tied values it keeps is arbitrary, so the
    # boundary ties are re-chosen by index.
    kth = neg[np.argpartition(neg, k - 1)[k - 1]]
    better = np.flatnonzero(neg < kth)
    tied = np.flatnonzero(neg == kth)[: k - better.shape[0]]
    chosen = np.concatenate([better, tied])
    # chosen is in ascending index order within each value, so a stable sort keeps lower indices first.
    return chosen[np.argsort(neg[chosen], kind="stable")].astype(np.intp, copy=False)


def explain(sm: ScoredMemory, scoring: Scoring) -> str:
    """One line showing how a score was made.

    Args:
        sm: a scored memory.
        scoring: the scoring it was ranked with.

    Returns:
        For example ``score 0.83 = 1.00×relevance 0.71 + 0.02×recency 0.95 + 0.10×importance 0.30``,
        followed by ``(min-max over candidates)`` when the components were normalised.
    """  # noqa: RUF002 - the multiplication sign is the intended output
    line = (
        f"score {sm.score:.2f} = {scoring.relevance:.2f}{_TIMES}relevance {sm.relevance:.2f}"
        f" + {scoring.recency:.2f}{_TIMES}recency {sm.recency:.2f}"
        f" + {scoring.importance:.2f}{_TIMES}importance {sm.importance:.2f}"
    )
    if scoring.normalize == "minmax":
        line += " (min-max over candidates)"
    return line


def _as_vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ConfigError(f"{name} must be a 1-D array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ConfigError(f"{name} must hold finite numbers only (found NaN or infinity)")
    return array


def _minmax(values: NDArray[np.float64]) -> NDArray[np.float64]:
    if values.shape[0] == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high == low:
        return np.full_like(values, _MINMAX_CONSTANT)
    normalised: NDArray[np.float64] = (values - low) / (high - low)
    return normalised
