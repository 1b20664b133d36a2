"""What every embedder checks of the texts it is given (the plug point, ``Embedder``, is in :mod:`agentmem.types`)."""

from __future__ import annotations

from collections.abc import Sequence

from agentmem.errors import ConfigError

__all__ = ["ensure_texts"]


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
