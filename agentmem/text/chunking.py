"""Long texts as several embeddings: splitting into chunks, and the vectors of chunked memories.

An embedding model reads a fixed number of tokens (all-MiniLM-L6-v2: 256 word pieces) and silently drops
the rest. A memory longer than that is embedded as overlapping chunks cut at turn (line) and sentence
boundaries; each chunk's vector is stored in SQL with the memory and held in the vector index under its
own id, which maps back to the memory (:func:`chunk_ids`, :func:`owners`). A memory's relevance is the best
of its chunks'.

Chunk ids: chunk 0 of a memory has the memory's own id; chunk ``j`` has ``id + j * 2**40``. Memory ids stay
below ``2**40`` (a trillion), so ``id & (2**40 - 1)`` recovers the memory from any chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError
from agentmem.text.tokens import Tokenizer

__all__ = [
    "CHUNK_ID_STRIDE",
    "MAX_MEMORY_ID",
    "MemoryVectors",
    "TextChunker",
    "best_per_memory",
    "chunk_ids",
    "owners",
    "split_text",
]

CHUNK_ID_STRIDE = 1 << 40
MAX_MEMORY_ID = CHUNK_ID_STRIDE - 1

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


@dataclass(frozen=True, slots=True)
class MemoryVectors:
    """The vectors of several memories, memory after memory: ``counts[i]`` rows (its chunks) each.

    Attributes:
        rows: ``(counts.sum(), dimensions)`` float32 unit vectors; a memory's chunks are consecutive rows.
        counts: rows per memory (>= 1).
    """

    rows: NDArray[np.float32]
    counts: NDArray[np.int64]

    @classmethod
    def single(cls, rows: NDArray[np.float32]) -> MemoryVectors:
        """One vector per memory."""
        return cls(rows, np.ones(len(rows), dtype=np.int64))

    @classmethod
    def stack(cls, parts: list[NDArray[np.float32]], dimensions: int) -> MemoryVectors:
        """From one ``(chunks, dimensions)`` array per memory."""
        if not parts:
            return cls(np.zeros((0, dimensions), dtype=np.float32), np.zeros(0, dtype=np.int64))
        return cls(
            np.ascontiguousarray(np.concatenate(parts), dtype=np.float32),
            np.asarray([len(p) for p in parts], dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.counts.size)

    @property
    def starts(self) -> NDArray[np.int64]:
        """Row of each memory's first chunk."""
        return _starts(self.counts)

    def of(self, position: int) -> NDArray[np.float32]:
        """The chunk vectors of the memory at ``position``."""
        start = int(self.counts[:position].sum())
        return self.rows[start : start + int(self.counts[position])]

    def split(self) -> list[NDArray[np.float32]]:
        """One ``(chunks, dimensions)`` array per memory."""
        return np.split(self.rows, self.starts[1:]) if self.counts.size else []

    def select(self, positions: NDArray[np.bool_] | NDArray[np.intp] | list[int]) -> MemoryVectors:
        """The memories at ``positions`` (indices or a mask), in that order."""
        chosen = np.arange(len(self))[positions]
        counts = self.counts[chosen]
        return MemoryVectors(self.rows[_row_numbers(self.starts[chosen], counts)], counts)

    def ids(self, memory_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The vector index id of every row, given the id of each memory."""
        return chunk_ids(memory_ids, self.counts)

    def first(self) -> NDArray[np.float32]:
        """Each memory's first chunk vector (its whole vector when it has one)."""
        return self.rows[self.starts] if self.counts.size else self.rows

    def means(self) -> NDArray[np.float32]:
        """Each memory's unit-norm mean chunk vector: one vector that stands for the whole memory."""
        if not self.counts.size or int(self.counts.max()) == 1:
            return self.rows
        sums = np.add.reduceat(self.rows, self.starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.ascontiguousarray(sums / np.maximum(norms, 1e-12), dtype=np.float32)


def chunk_ids(memory_ids: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Vector ids of every chunk of these memories, memory after memory.

    Raises:
        ConfigError: a memory id is too large to encode chunks beside it.
    """
    memory_ids = np.asarray(memory_ids, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if memory_ids.size and int(memory_ids.max()) > MAX_MEMORY_ID:
        raise ConfigError(f"memory ids must stay below 2**40 to be indexed, got {int(memory_ids.max())}")
    if not counts.size or int(counts.max()) == 1:
        return np.array(memory_ids, dtype=np.int64)
    chunk_no = np.arange(int(counts.sum())) - np.repeat(_starts(counts), counts)
    return np.asarray(np.repeat(memory_ids, counts) + chunk_no * CHUNK_ID_STRIDE, dtype=np.int64)


def owners(vector_ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """The memory id of each vector id."""
    return np.asarray(vector_ids, dtype=np.int64) & MAX_MEMORY_ID


def _starts(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    starts = np.zeros(counts.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def _row_numbers(starts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """The rows ``starts[i] .. starts[i] + counts[i] - 1`` of every i, in order."""
    offsets = np.arange(int(counts.sum())) - np.repeat(_starts(counts), counts)
    return np.repeat(starts, counts) + offsets


def best_per_memory(
    vector_ids: NDArray[np.int64], scores: NDArray[np.floating]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each memory's best chunk score, memories in id order.

    Args:
        vector_ids: vector index ids (chunk ids).
        scores: the score of each vector.

    Returns:
        The distinct memory ids, ascending, and the best score among each one's chunks.
    """
    memory_ids, position = np.unique(owners(vector_ids), return_inverse=True)
    best = np.full(memory_ids.size, -np.inf)
    np.maximum.at(best, position, np.asarray(scores, dtype=np.float64))
    return memory_ids, best
