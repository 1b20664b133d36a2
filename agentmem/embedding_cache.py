"""Embedding through the SQL embedding cache: the same text is never embedded twice for one model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agentmem.db.repository import Repository
from agentmem.embedders import Embedder, content_hash
from agentmem.errors import ConfigError

__all__ = ["CachedEmbedding"]


class CachedEmbedding:
    """An embedder checked for shape and finiteness, with memories' vectors cached in SQL by content hash."""

    def __init__(self, embedder: Embedder, repository: Repository) -> None:
        self.embedder = embedder
        self._repository = repository

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed without the cache (queries: caching them would cost a write per recall)."""
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        expected = (len(texts), self.embedder.dimensions)
        if vectors.shape != expected or not np.all(np.isfinite(vectors)):
            raise ConfigError(
                f"embedder {self.embedder.model_id} returned {vectors.shape} (or non-finite values) "
                f"for {expected[0]} texts; expected {expected} finite values"
            )
        return vectors

    def vectors_for(self, texts: Sequence[str]) -> tuple[list[str], NDArray[np.float32]]:
        """Content hashes and vectors of ``texts``, embedding only what the cache does not hold.

        The new vectors are written to the cache by the caller's insert transaction.
        """
        model_id, dims = self.embedder.model_id, self.embedder.dimensions
        hashes = [content_hash(t) for t in texts]
        known = self._repository.cached_embeddings(model_id, hashes, dims)
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
        if missing:
            fresh = self.embed(list(missing.values()))
            known.update(zip(missing.keys(), list(fresh), strict=True))
        return hashes, np.stack([known[h] for h in hashes]).astype(np.float32, copy=False)
