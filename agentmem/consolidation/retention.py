"""Retention: how much a memory is worth keeping, from importance, recency and how often it was recalled.

    retention = clip(0.5 · importance + 0.5 · recency + 0.1 · ln(1 + access_count), 0, 1)
    recency   = 0.5 ** (time since last access / half-life)

Pure. ``prune`` archives (or deletes) what falls below a threshold, is older than an age, or does not fit a
per-namespace budget of active memories; the lowest retention goes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from agentmem.config import decay
from agentmem.errors import ConfigError

__all__ = ["PrunePlan", "choose_victims", "retention"]


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """What to prune: any of the criteria may be None (not applied)."""

    older_than: timedelta | None = None
    below_retention: float | None = None
    max_active: int | None = None
    half_life: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if self.max_active is not None and self.max_active < 0:
            raise ConfigError("max_active must be >= 0")
        if self.below_retention is not None and not 0.0 <= self.below_retention <= 1.0:
            raise ConfigError("below_retention must be in [0, 1]")
        if self.half_life <= timedelta(0):
            raise ConfigError("half_life must be positive")


def retention(
    importance: NDArray[np.floating],
    last_accessed: NDArray[np.float64],
    access_count: NDArray[np.integer],
    *,
    now: datetime,
    half_life: timedelta,
) -> NDArray[np.float64]:
    """Retention in [0, 1] of each memory (see the module docstring)."""
    recency = decay(now.timestamp() - last_accessed, half_life)
    raw = 0.5 * importance + 0.5 * recency + 0.1 * np.log1p(np.maximum(access_count, 0))
    return np.asarray(np.clip(raw, 0.0, 1.0), dtype=np.float64)


def choose_victims(
    ids: NDArray[np.int64],
    created_at: NDArray[np.float64],
    kept: NDArray[np.float64],
    *,
    plan: PrunePlan,
    now: datetime,
) -> NDArray[np.int64]:
    """Ids to prune, lowest retention (``kept``) first."""
    doomed = np.zeros(ids.size, dtype=bool)
    if plan.older_than is not None:
        doomed |= created_at < now.timestamp() - plan.older_than.total_seconds()
    if plan.below_retention is not None:
        doomed |= kept < plan.below_retention
    if plan.max_active is not None:
        survivors = np.flatnonzero(~doomed)
        excess = survivors.size - plan.max_active
        if excess > 0:
            # Lowest retention first; among equals the oldest (smallest id) goes.
            order = np.lexsort((ids[survivors], kept[survivors]))
            doomed[survivors[order[:excess]]] = True
    chosen = np.flatnonzero(doomed)
    return ids[chosen[np.lexsort((ids[chosen], kept[chosen]))]]
