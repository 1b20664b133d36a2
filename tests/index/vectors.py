"""Test vectors: random unit vectors, and clustered ones that look more like real embeddings."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

D = 16


def unit(rows: int, dimensions: int = D, *, seed: int = 0) -> NDArray[np.float32]:
    """Isotropic random unit vectors: fine for exact kinds, pathologically hard for ANN (MEASURED.md)."""
    vectors = np.random.default_rng(seed).standard_normal((rows, dimensions)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def clustered(rows: int, dimensions: int, *, clusters: int = 200, seed: int = 0) -> NDArray[np.float32]:
    """Unit vectors around ``clusters`` Gaussian centres, varying mostly along a few shared directions.

    Real sentence embeddings have a low intrinsic dimension; with these settings at 384-d a vector's
    nearest neighbour has cosine ~0.67, its 10th ~0.55 and its 100th ~0.34 (measured), a spread like that
    of MiniLM vectors, instead of the near-ties of isotropic noise.
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dimensions)).astype(np.float32) / np.sqrt(dimensions)
    directions = rng.standard_normal((24, dimensions)).astype(np.float32) / np.sqrt(dimensions)
    labels = rng.integers(0, clusters, rows)
    along = rng.standard_normal((rows, len(directions))).astype(np.float32) @ directions
    noise = rng.standard_normal((rows, dimensions)).astype(np.float32) / np.sqrt(dimensions)
    vectors = centres[labels] + 0.25 * along + 0.4 * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors, dtype=np.float32)


def exact_top(
    vectors: NDArray[np.float32], ids: NDArray[np.int64], queries: NDArray[np.float32], k: int
) -> NDArray[np.int64]:
    """The ids of the k best inner products per query, by brute force."""
    scores = queries @ vectors.T
    return ids[np.argsort(-scores, axis=1, kind="stable")[:, :k]]


def recall(found: NDArray[np.int64], expected: NDArray[np.int64]) -> float:
    """Mean share of each expected row found in the same row of ``found``."""
    hits = [
        len(set(row) & set(truth)) / len(truth) for row, truth in zip(found.tolist(), expected.tolist(), strict=True)
    ]
    return float(np.mean(hits))
