"""The embedder plug point and the content hash that keys the embedding cache."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError

__all__ = ["Embedder", "content_hash", "ensure_texts"]


class Embedder(Protocol):
    """Turns texts into unit-norm float32 vectors.

    One method to implement; ``model_id`` and ``dimensions`` are recorded with each namespace so that a
    namespace is never searched with vectors from another model.
    """

    @property
    def model_id(self) -> str:
        """A stable name of the model, the same on every machine (not a local path when avoidable)."""
        ...

    @property
    def dimensions(self) -> int:
        """Length of every vector :meth:`embed` returns."""
        ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed a batch of texts.

        Args:
            texts: the texts, in order; may be empty.

        Returns:
            A C-contiguous ``(len(texts), dimensions)`` float32 array whose rows have unit L2 norm.

        Raises:
            ConfigError: ``texts`` is a bare string or holds something other than strings.
        """
        ...


def content_hash(text: str) -> str:
    """Key of a text in the embedding cache, shared by every component.

    Args:
        text: the exact text that is (or will be) embedded.

    Returns:
        The SHA-256 hex digest of the UTF-8 encoding of ``text`` (64 lower-case hex characters).

    Raises:
        ConfigError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ConfigError(f"content_hash takes a str, got {type(text).__name__}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ensure_texts(texts: Sequence[str]) -> list[str]:
    """Check a batch given to :meth:`Embedder.embed` and return it as a list.

    A bare ``str`` is itself a sequence of strings; accepting it would silently embed every character, so
    it is refused.

    Args:
        texts: the batch to check.

    Returns:
        The texts as a new list.

    Raises:
        ConfigError: ``texts`` is a string or not a sequence, or an item is not a string.
    """
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise ConfigError(f"embed() takes a sequence of str, got {type(texts).__name__}: wrap a single text in a list")
    items = list(texts)
    for position, item in enumerate(items):
        if not isinstance(item, str):
            raise ConfigError(f"embed() takes only str items, item {position} is {type(item).__name__}")
    return items
