"""Embedding through the SQL embedding cache: the same text is never embedded twice for one model.

Texts longer than the embedder's window are embedded as chunks (:mod:`agentmem.text.chunking`); the cache then
holds all of a text's chunk vectors under the text's content hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from agentmem.config import Chunking
from agentmem.db.repository import Repository
from agentmem.errors import ConfigError
from agentmem.text.chunking import TextChunker
from agentmem.text.tokens import HuggingFaceTokenizer, default_tokenizer
from agentmem.types import Embedder, Tokenizer, content_hash
from agentmem.vectors import MemoryVectors

# Special tokens a BERT-style model adds around every text ([CLS] and [SEP]), inside its window.
SPECIAL_TOKENS = 2

__all__ = ["PROGRESS_SLICE", "CachedEmbedding", "Progress", "resolve_chunker"]

Progress = Callable[[int, int], None]
"""Called with (texts embedded so far, texts in all) while a batch is embedded."""

PROGRESS_SLICE = 256
"""Texts embedded between two progress reports: small enough to move a bar, large enough to batch well."""


class CachedEmbedding:
    """An embedder checked for shape and finiteness, with memories' vectors cached in SQL by content hash.

    Args:
        embedder: the model.
        repository: where the cache lives.
        chunking: how texts longer than the model reads are split; default :class:`Chunking`.
        tokenizer: the store's tokenizer, used for chunking when the embedder has none of its own.
    """

    def __init__(
        self,
        embedder: Embedder,
        repository: Repository,
        *,
        chunking: Chunking | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.embedder = embedder
        self._repository = repository
        self._chunking = chunking or Chunking()
        self._tokenizer = tokenizer
        self._chunker: TextChunker | bool | None = False  # False: not resolved yet

    @property
    def chunker(self) -> TextChunker | None:
        """What splits long texts, or None when texts are embedded whole (resolved on first use, as
        reading the window of a model given by name may load it)."""
        if self._chunker is False:
            self._chunker = resolve_chunker(self._chunking, self.embedder, self._tokenizer)
        assert not isinstance(self._chunker, bool)
        return self._chunker

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed without the cache or chunking (queries: caching them would cost a write per recall)."""
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        expected = (len(texts), self.embedder.dimensions)
        if vectors.shape != expected or not np.all(np.isfinite(vectors)):
            raise ConfigError(
                f"embedder {self.embedder.model_id} returned {vectors.shape} (or non-finite values) "
                f"for {expected[0]} texts; expected {expected} finite values"
            )
        return vectors

    def vectors_for(self, texts: Sequence[str], *, progress: Progress | None = None) -> MemoryVectors:
        """The vectors of ``texts`` (chunked when long), embedding only what the cache does not hold.

        Everything missing is embedded in one batch, or with ``progress`` in slices of
        :data:`PROGRESS_SLICE` texts, ``progress(done, total)`` being called after each (texts the cache
        held count as done at once). The new vectors are written to the cache by the caller's insert
        transaction, keyed by ``content_hash(text)``.
        """
        model_id, dims = self.embedder.model_id, self.embedder.dimensions
        hashes = [content_hash(t) for t in texts]
        known = self._repository.cached_embeddings(model_id, hashes, dims)
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
        total = len(texts)
        if progress is not None:
            progress(total - len(missing), total)
        step = len(missing) if progress is None else PROGRESS_SLICE
        pending = list(missing.items())
        for begin in range(0, len(pending), max(step, 1)):
            part = pending[begin : begin + step]
            chunker = self.chunker
            pieces = [chunker.split(t) if chunker else [t] for _, t in part]
            fresh = self.embed([p for chunks in pieces for p in chunks])
            start = 0
            for (h, _), chunks in zip(part, pieces, strict=True):
                known[h] = fresh[start : start + len(chunks)]
                start += len(chunks)
            if progress is not None:
                progress(total - len(missing) + begin + len(part), total)
        return MemoryVectors.stack([known[h] for h in hashes], dims)


def resolve_chunker(chunking: Chunking, embedder: Embedder, store_tokenizer: Tokenizer | None) -> TextChunker | None:
    if not chunking.enabled:
        return None
    window = chunking.window
    if window is None:
        max_tokens = getattr(embedder, "max_tokens", None)
        if not isinstance(max_tokens, int) or max_tokens <= SPECIAL_TOKENS:
            return None
        window = (max_tokens - SPECIAL_TOKENS) // 2
        reads = max_tokens - SPECIAL_TOKENS
    else:
        reads = window
    tokenizer = chunking.tokenizer
    if tokenizer is None:
        tokenizer_file = getattr(embedder, "tokenizer_file", None)
        path = tokenizer_file() if callable(tokenizer_file) else None
        tokenizer = HuggingFaceTokenizer(path) if path is not None else store_tokenizer or default_tokenizer()
    if chunking.overlap >= window:
        raise ConfigError(f"chunk overlap {chunking.overlap} must be smaller than the window of {window} tokens")
    return TextChunker(tokenizer, window, chunking.overlap, whole_up_to=max(reads, window))
