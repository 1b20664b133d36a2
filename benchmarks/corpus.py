"""A benchmark namespace of real-text memories with precomputed vectors: for the suites that measure bytes
and throughput of storing memories (export/import, memory footprint), where the text's length matters and the
vectors' values do not.

Texts are LoCoMo turns, cycled and numbered beyond the 5,882 real ones, so every copy is distinct; the few
texts LoCoMo itself repeats are folded into one memory by the store's default policy.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np
from numpy.typing import NDArray

from agentmem import MemoryStore, NewMemory
from benchmarks.common import locomo_turns
from benchmarks.recall_systems import attributes

__all__ = ["BATCH", "TextLookupEmbedder", "distinct_texts", "fill"]

BATCH = 10_000


class TextLookupEmbedder:
    """An agentmem Embedder returning row i of ``vectors`` for the i-th text it was built with."""

    def __init__(self, texts: Sequence[str], vectors: NDArray[np.float32]) -> None:
        self._row = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors
        self.model_id = "benchmarks/precomputed-384"
        self.dimensions = int(vectors.shape[1])

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.ascontiguousarray(self._vectors[[self._row[t] for t in texts]])


def distinct_texts(count: int) -> list[str]:
    """``count`` real LoCoMo turn texts, cycled, each copy after the first numbered."""
    turns = [t["text"] for t in locomo_turns()]
    return [turns[i % len(turns)] + (f" ({i // len(turns)})" if i >= len(turns) else "") for i in range(count)]


def fill(store: MemoryStore, texts: Sequence[str]) -> float:
    """``add_many`` the texts in batches of 10,000 (importance uniform in [0, 1], created over six months, two
    metadata keys each); returns the seconds spent in ``add_many``."""
    created, importance = attributes(len(texts))
    seconds = 0.0
    for lo in range(0, len(texts), BATCH):
        items = [
            NewMemory(
                texts[i],
                importance=float(importance[i]),
                created_at=datetime.fromtimestamp(float(created[i]), tz=timezone.utc),
                metadata={"source": "benchmark", "n": i},
            )
            for i in range(lo, min(len(texts), lo + BATCH))
        ]
        began = time.perf_counter()
        store.add_many(items)
        seconds += time.perf_counter() - began
    return seconds
