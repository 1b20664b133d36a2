"""End-to-end recall timing: the real query embedding included, as agents run it.

The speed suites give every system precomputed query vectors, so that the ranking alone is compared. An agent
also embeds its query: :class:`QueryEncodingEmbedder` serves the same precomputed rows (the rankings stay
identical), but when switched on it first runs the bundled model on a real query text for each ``q<j>``, so
the time of ``retrieve`` includes one real encode per query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agentmem import SentenceTransformerEmbedder
from benchmarks.common import LOCOMO, locomo_questions
from benchmarks.precomputed import PrecomputedEmbedder

__all__ = ["QueryEncodingEmbedder", "query_texts"]

_QUERY = re.compile(r"^q(\d+)$")


def query_texts(count: int) -> list[str]:
    """``count`` real questions: LoCoMo's when the data is there, else questions of the same shape."""
    if LOCOMO.is_file():
        questions = [q["question"] for q in locomo_questions()]
    else:
        places = ("museum", "beach", "park", "concert", "library")
        questions = [f"When did Caroline go to the {p} with her {w}?" for p in places for w in ("kids", "friends")]
    return [questions[i % len(questions)] for i in range(count)]


class QueryEncodingEmbedder:
    """A :class:`PrecomputedEmbedder` that, once :attr:`encoding` is set, also encodes a real text per query."""

    def __init__(self, inner: PrecomputedEmbedder, texts: list[str]) -> None:
        self.inner = inner
        self.model = SentenceTransformerEmbedder()
        self.texts = texts
        self.encoding = False

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if self.encoding:
            real = [self.texts[int(found.group(1))] for t in texts if (found := _QUERY.match(t))]
            if real:
                self.model.embed(real)
        return self.inner.embed(texts)

    def encode_only(self, j: int) -> NDArray[np.int64]:
        """One real query encode and nothing else: the same-run reference of the end-to-end rows."""
        self.model.embed([self.texts[j]])
        return np.zeros(0, dtype=np.int64)
