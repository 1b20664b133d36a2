"""Long texts cut into overlapping chunks, each embedded on its own.

An embedding model reads a fixed number of tokens (all-MiniLM-L6-v2: 256 word pieces) and silently drops
the rest. A memory longer than that is embedded as overlapping chunks cut at turn (line) and sentence
boundaries; each chunk's vector is stored in SQL with the memory and held in the vector index under its
own id, which maps back to the memory (see :mod:`agentmem.vectors`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentmem.errors import ConfigError
from agentmem.types import Tokenizer

__all__ = ["TextChunker", "split_text"]

# A turn ends at a line break; a sentence at . ! ? (or …) followed by white space.
_BOUNDARY = re.compile(r"\n+|(?<=[.!?…])\s+")


def split_text(text: str, *, tokenizer: Tokenizer, window: int, overlap: int) -> list[str]:
    """Cut ``text`` into chunks of at most ``window`` tokens at line and sentence boundaries.

    Consecutive chunks share whole sentences worth up to ``overlap`` tokens, so a fact that straddles a
    cut is whole in one of them. A sentence longer than ``window`` is cut at token boundaries. A text that
    fits is returned as its only chunk, unchanged; every chunk is a substring of ``text``.

    Args:
        text: the text to cut.
        tokenizer: counts tokens the way the embedding model does.
        window: the most tokens in a chunk (>= 1).
        overlap: tokens of context repeated from the previous chunk (0 <= overlap < window).

    Returns:
        The chunks, in text order.

    Raises:
        ConfigError: ``window`` or ``overlap`` is out of range.
    """
    _check_window(window, overlap)
    return [text] if _fits(text, tokenizer, window) else _cut(text, tokenizer, window, overlap)


def _check_window(window: int, overlap: int) -> None:
    if window < 1 or not 0 <= overlap < window:
        raise ConfigError(f"chunk window must be >= 1 and overlap in [0, window), got {window} and {overlap}")


def _fits(text: str, tokenizer: Tokenizer, tokens: int) -> bool:
    # A token covers at least one character, so a text no longer than that in characters fits.
    return len(text) <= tokens or tokenizer.count(text) <= tokens


def _cut(text: str, tokenizer: Tokenizer, window: int, overlap: int) -> list[str]:
    units = [u for start, end in _sentences(text) for u in _fit(text, start, end, tokenizer, window)]
    chunks: list[str] = []
    first = 0
    while first < len(units):
        last, used = first, units[first][2]
        while last + 1 < len(units) and used + units[last + 1][2] <= window:
            last += 1
            used += units[last][2]
        chunks.append(text[units[first][0] : units[last][1]])
        if last + 1 >= len(units):
            break
        # The next chunk starts with the trailing sentences of this one that fit in the overlap.
        start, shared = last + 1, 0
        while start - 1 > first and shared + units[start - 1][2] <= overlap:
            start -= 1
            shared += units[start][2]
        first = start
    return chunks


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _fit(text: str, start: int, end: int, tokenizer: Tokenizer, window: int) -> list[tuple[int, int, int]]:
    """The span as (start, end, tokens) pieces of at most ``window`` tokens."""
    pieces = []
    while start < end:
        part = text[start:end]
        tokens = tokenizer.count(part)
        if tokens <= window:
            pieces.append((start, end, tokens))
            break
        cut = len(tokenizer.truncate(part, window)) or len(part.split(maxsplit=1)[0])
        pieces.append((start, start + cut, tokenizer.count(text[start : start + cut])))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    return pieces


@dataclass(frozen=True, slots=True)
class TextChunker:
    """Splits texts that exceed an embedding model's window (see :func:`split_text`).

    Attributes:
        tokenizer: the embedding model's tokenizer.
        window: tokens per chunk.
        overlap: tokens shared by consecutive chunks.
        whole_up_to: a text of at most this many tokens is its own only chunk, even if longer than
            ``window`` (the model reads it whole); default ``window``.
    """

    tokenizer: Tokenizer
    window: int
    overlap: int
    whole_up_to: int | None = None  # texts of at most this many tokens are embedded whole (default: window)

    def __post_init__(self) -> None:
        _check_window(self.window, self.overlap)

    def split(self, text: str) -> list[str]:
        """The chunks of ``text`` (the text itself when it fits)."""
        # One count decides: a text too long to read whole is longer than the (smaller) window too.
        if _fits(text, self.tokenizer, self.whole_up_to or self.window):
            return [text]
        return _cut(text, self.tokenizer, self.window, self.overlap)
