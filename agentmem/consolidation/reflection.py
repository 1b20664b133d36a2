"""Choosing which observations to distil into reflections, and what the reflection's importance is.

Pure: arrays in, groups out. Related observations are grouped greedily in time order: each joins the open
group whose centroid it is most similar to (cosine at least ``similarity``), if that group's newest member
is recent enough (``max_gap``) and the group is not full; otherwise it opens a new group. Groups of at least
``min_group`` observations become reflections; the rest stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError

__all__ = ["ReflectionPolicy", "group_for_reflection", "reflection_importance"]


@dataclass(frozen=True, slots=True)
class ReflectionPolicy:
    """When and how observations are grouped into reflections.

    Attributes:
        threshold: :meth:`~agentmem.MemoryStore.maybe_reflect` reflects once the importances of the
            un-reflected observations add up to this. Generative Agents used 150 on its 1-10 poignancy scale,
            about 15 on agentmem's [0, 1] scale.
        similarity: least cosine between an observation and a group's centroid for it to join the group.
        max_gap: longest time between an observation and the newest member of the group it joins.
        min_group: fewest observations a reflection is made of.
        max_group: most observations a reflection is made of.
        kinds: the kinds of memory that get reflected on.
    """

    threshold: float = 15.0
    similarity: float = 0.25
    max_gap: timedelta = timedelta(hours=6)
    min_group: int = 3
    max_group: int = 8
    kinds: tuple[str, ...] = ("observation",)

    def __post_init__(self) -> None:
        if not 2 <= self.min_group <= self.max_group:
            raise ConfigError("reflection groups need 2 <= min_group <= max_group")
        if not -1.0 <= self.similarity <= 1.0:
            raise ConfigError("similarity must be a cosine in [-1, 1]")
        if self.max_gap <= timedelta(0) or self.threshold <= 0:
            raise ConfigError("max_gap and threshold must be positive")


def group_for_reflection(
    ids: NDArray[np.int64],
    vectors: NDArray[np.float32],
    created_at: NDArray[np.float64],
    *,
    policy: ReflectionPolicy,
) -> list[list[int]]:
    """Groups of memory ids (each in time order) to distil, oldest group first."""
    order = np.argsort(created_at, kind="stable")
    gap = policy.max_gap.total_seconds()
    groups: list[list[int]] = []  # rows
    sums: list[NDArray[np.float64]] = []
    newest: list[float] = []
    for row in order:
        vector = vectors[row].astype(np.float64)
        best, best_similarity = -1, policy.similarity
        for g, members in enumerate(groups):
            if len(members) >= policy.max_group or created_at[row] - newest[g] > gap:
                continue
            centroid = sums[g] / (np.linalg.norm(sums[g]) or 1.0)
            similarity = float(centroid @ vector)
            if similarity >= best_similarity:
                best, best_similarity = g, similarity
        if best < 0:
            groups.append([int(row)])
            sums.append(vector.copy())
            newest.append(float(created_at[row]))
        else:
            groups[best].append(int(row))
            sums[best] += vector
            newest[best] = float(created_at[row])
    return [[int(ids[r]) for r in members] for members in groups if len(members) >= policy.min_group]


def reflection_importance(importances: NDArray[np.floating]) -> float:
    """A reflection matters as much as its most important source, a little more for corroboration."""
    if not importances.size:
        raise ConfigError("a reflection needs at least one source")
    return float(min(1.0, float(np.max(importances)) + 0.05 * np.log1p(importances.size - 1)))
