"""Choosing which observations to distil into reflections, and what the reflection's importance is.

Pure: arrays in, groups out. Related observations are grouped greedily in time order: each joins the open
group whose centroid it is most similar to (cosine at least ``similarity``), if that group's newest member
is recent enough (``max_gap``) and the group is not full; otherwise it opens a new group. Groups of at least
``min_group`` observations become reflections; the rest stay as they are.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from agentmem.config import ReflectionPolicy
from agentmem.errors import ConfigError

__all__ = ["group_for_reflection", "reflection_importance"]


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
