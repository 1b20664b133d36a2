"""Okapi BM25 in numpy, the lexical baseline of the retrieval benchmarks (no extra dependency).

Tokens are lower-cased ``\\w+`` runs minus a short English stop list. Scoring is the standard one with
k1 = 1.2, b = 0.75 and Lucene's non-negative idf ``ln(1 + (N - n + 0.5) / (n + 0.5))``; a query term counts
once per occurrence in the query, as in rank-bm25.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["BM25", "STOP_WORDS", "tokenize"]

_WORD = re.compile(r"\w+")

# The NLTK English list, which most BM25 baselines use.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now d ll m o re ve y
    ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn
    """.split()  # noqa: SIM905 - a word list reads better than 179 quoted strings
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` without stop words."""
    return [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


class BM25:
    """BM25 scores of a fixed set of documents for any query.

    Args:
        documents: the document texts; their order gives the score positions.
        k1: term-frequency saturation.
        b: length normalisation.
    """

    def __init__(self, documents: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        tokens = [tokenize(d) for d in documents]
        self._vocabulary: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        for row, words in enumerate(tokens):
            for word in words:
                rows.append(row)
                columns.append(self._vocabulary.setdefault(word, len(self._vocabulary)))
        count = len(documents)
        frequency = np.zeros((count, max(len(self._vocabulary), 1)), dtype=np.float64)
        np.add.at(frequency, (np.asarray(rows, dtype=np.intp), np.asarray(columns, dtype=np.intp)), 1.0)
        lengths = frequency.sum(axis=1)
        average = float(lengths.mean()) if count and lengths.mean() > 0 else 1.0
        containing = (frequency > 0).sum(axis=0)
        idf = np.log1p((count - containing + 0.5) / (containing + 0.5))
        norm = k1 * (1.0 - b + b * lengths / average)
        # One column per term: its contribution to each document's score, so a query is a column sum.
        self._weights: NDArray[np.float64] = idf * frequency * (k1 + 1.0) / (frequency + norm[:, None])
        self._count = count

    def scores(self, query: str) -> NDArray[np.float64]:
        """Score of every document for ``query`` (0 for documents that share no term with it)."""
        columns = [self._vocabulary[word] for word in tokenize(query) if word in self._vocabulary]
        if not columns:
            return np.zeros(self._count, dtype=np.float64)
        result: NDArray[np.float64] = self._weights[:, columns].sum(axis=1)
        return result
