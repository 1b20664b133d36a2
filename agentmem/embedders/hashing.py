"""A dependency-free, deterministic embedder for tests, examples and machines without torch."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentmem.embedders.base import ensure_texts
from agentmem.errors import ConfigError

__all__ = ["HashingEmbedder"]

# Unicode-aware: words in any script become features, punctuation and spaces separate them.
_WORD = re.compile(r"\w+")

# Trigrams carry the overlap between inflected forms (kitten / kittens); whole words carry exact matches
# and should count for more than any single trigram.
_WORD_WEIGHT = 1.0
_TRIGRAM_WEIGHT = 0.5


class HashingEmbedder:
    """Feature-hashing embedder: lower-cased words and character trigrams into signed buckets.

    The same text gives the same vector in every process and on every platform (features are hashed with
    BLAKE2b, never Python's salted ``hash()``), so vectors stored by one run stay valid in the next.
    Similarity is lexical, not semantic: texts that share words or word pieces score higher than texts that
    do not. A text with no word characters maps to one fixed unit vector.

    Args:
        dimensions: vector length; more buckets mean fewer collisions.

    Raises:
        ConfigError: ``dimensions`` is not a positive int.
    """

    def __init__(self, dimensions: int = 64) -> None:
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
            raise ConfigError(f"HashingEmbedder dimensions must be a positive int, got {dimensions!r}")
        self._dimensions = dimensions
        # Every featureless text gets this same vector: any fixed unit vector keeps the contract, and a
        # dense one is far from every sparse text vector.
        self._featureless = np.full(dimensions, 1.0 / math.sqrt(dimensions), dtype=np.float32)

    @property
    def model_id(self) -> str:
        """``hashing-<dimensions>``: the algorithm and its size, which fully determine the vectors."""
        return f"hashing-{self._dimensions}"

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed a batch of texts.

        Args:
            texts: the texts, in order; may be empty.

        Returns:
            A C-contiguous ``(len(texts), dimensions)`` float32 array with unit-norm rows.

        Raises:
            ConfigError: ``texts`` is a bare string or holds something other than strings.
        """
        items = ensure_texts(texts)
        out = np.empty((len(items), self._dimensions), dtype=np.float32)
        for row, text in enumerate(items):
            out[row] = self._embed_one(text)
        return out

    def _embed_one(self, text: str) -> NDArray[np.float32]:
        buckets: list[int] = []
        weights: list[float] = []
        for word in _WORD.findall(text.lower()):
            bucket, sign = _signed_bucket("w:" + word, self._dimensions)
            buckets.append(bucket)
            weights.append(sign * _WORD_WEIGHT)
            padded = f" {word} "
            for start in range(len(padded) - 2):
                bucket, sign = _signed_bucket("c:" + padded[start : start + 3], self._dimensions)
                buckets.append(bucket)
                weights.append(sign * _TRIGRAM_WEIGHT)
        if not buckets:
            return self._featureless
        vector = np.bincount(buckets, weights=weights, minlength=self._dimensions)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            # Signed features can cancel exactly; fall back rather than divide by zero.
            return self._featureless
        return (vector / norm).astype(np.float32)


@lru_cache(maxsize=1 << 16)
def _signed_bucket(feature: str, dimensions: int) -> tuple[int, float]:
    # The sign halves the bias collisions add to dot products (Weinberger et al., 2009).
    value = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    sign = 1.0 if value >> 63 else -1.0
    return value % dimensions, sign
