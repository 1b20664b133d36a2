"""Precomputed vectors for speed benchmarks, and embedders that hand them out instead of running a model.

Speed suites time recall with query embedding excluded (it dominates latency up to ~100k memories and is the
same for every system), and ingest millions of memories that no model could embed in time. So vectors are
computed once here, and the stores under test get an embedder whose ``embed`` looks them up by text:
memory texts are ``m<i>`` (row i of the memory vectors), query texts ``q<j>`` (row j of the query vectors).

Two vector sets, each with its queries:

- ``locomo``: real all-MiniLM-L6-v2 vectors of the 5,882 LoCoMo turns (memories) and LoCoMo questions
  (queries), cached in ``benchmarks/.cache/`` (see :func:`benchmarks.common.cached_embeddings`). Sizes
  beyond 5,882 add noisy copies of the turns (see :func:`expand`).
- ``clustered``: synthetic, no model needed (CI): 1,000 Gaussian clusters in 384-d. MEASURED.md warns that
  isotropic random vectors are pathological for ANN indexes; clustered ones are not, but neither tells how an
  ANN index does on real embeddings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.common import cached_embeddings, locomo_questions, locomo_turns

__all__ = ["NOISE", "PrecomputedEmbedder", "VectorSet", "expand", "langchain_embeddings", "vector_set"]

DIMENSIONS = 384
# Scale of the isotropic noise added to a base vector to make a memory (norm of the noise relative to the unit
# vector it is added to). 0.7 puts a copy at cosine ~0.82 to its turn and ~0.67 to the other copies of the
# same turn: the cosine of a real LoCoMo turn to its nearest other turn (median 0.68, 10th-90th percentile
# 0.57-0.78, measured on the cached MiniLM vectors), so the synthetic memories are about as crowded as real
# ones at 5,882 memories (a real million-memory history would be more crowded still).
NOISE = 0.7
CLUSTERS = 1_000
_MEMORY_TEXT = re.compile(r"m(\d+)\Z")
_QUERY_TEXT = re.compile(r"q(\d+)(?:\Z| )")  # "q<j>", or "q<j> ..." (a query naming a time, say)


@dataclass(frozen=True, slots=True)
class VectorSet:
    """Unit-norm base memory vectors and query vectors, with where they came from."""

    name: str
    base: NDArray[np.float32]
    queries: NDArray[np.float32]
    description: str
    exact_prefix: bool  # the first len(base) memories are the base rows themselves (real vectors)


def vector_set(name: str, *, queries: int, seed: int = 0) -> VectorSet:
    """The ``locomo`` or ``clustered`` vectors, with ``queries`` query vectors."""
    rng = np.random.default_rng(seed)
    if name == "clustered":
        centers = _unit(rng.standard_normal((CLUSTERS, DIMENSIONS), dtype=np.float32))
        query_vectors = _noisy(centers[rng.integers(0, CLUSTERS, queries)], rng)
        description = (
            f"synthetic: {CLUSTERS} random unit centres in {DIMENSIONS}-d, memory i = centre i mod {CLUSTERS} "
            f"plus Gaussian noise {NOISE}, queries likewise around random centres; unit-normalised"
        )
        return VectorSet(name, centers, query_vectors, description, exact_prefix=False)
    if name == "locomo":
        turns, questions = _locomo_vectors()
        chosen = rng.choice(len(questions), size=min(queries, len(questions)), replace=False)
        description = (
            f"all-MiniLM-L6-v2 vectors of the {len(turns)} LoCoMo turns (memories beyond that: noisy copies, "
            f"noise {NOISE}) and of {len(chosen)} random LoCoMo questions (queries)"
        )
        return VectorSet(name, turns, questions[chosen], description, exact_prefix=True)
    raise ValueError(f"unknown vector set {name!r}: expected 'locomo' or 'clustered'")


def expand(vectors: VectorSet, count: int, *, start: int = 0, seed: int = 1) -> NDArray[np.float32]:
    """Memory vectors ``start .. start+count-1``: row i is base row ``i % len(base)`` plus noise (:data:`NOISE`),
    except the first ``len(base)`` rows of an ``exact_prefix`` set, which are the base rows themselves.
    Each row is the same whatever slice asked for it."""
    base = vectors.base
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    chunk = 50_000
    for first in range(start - start % chunk, start + count, chunk):
        rng = np.random.default_rng([seed, first // chunk])
        rows = np.arange(first, first + chunk)
        block = _noisy(base[rows % len(base)], rng)
        if vectors.exact_prefix:
            exact = rows < len(base)
            block[exact] = base[rows[exact]]
        lo, hi = max(first, start), min(first + chunk, start + count)
        if lo < hi:
            out[lo - start : hi - start] = block[lo - first : hi - first]
    return out


class PrecomputedEmbedder:
    """An agentmem :class:`~agentmem.Embedder` returning precomputed rows: ``m<i>`` → memory row i,
    ``q<j>`` → query row j. Memory rows may be swapped in batch by batch (:meth:`load`) to bound memory."""

    def __init__(self, queries: NDArray[np.float32], memories: NDArray[np.float32] | None = None) -> None:
        self._queries = queries
        self._memories = memories if memories is not None else np.zeros((0, queries.shape[1]), np.float32)
        self._offset = 0

    @property
    def model_id(self) -> str:
        return "benchmarks/precomputed-384"

    @property
    def dimensions(self) -> int:
        return int(self._queries.shape[1])

    def load(self, memories: NDArray[np.float32], *, offset: int = 0) -> None:
        """Serve ``m<offset + r>`` from row r of ``memories`` from now on."""
        self._memories, self._offset = memories, offset

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        rows = np.empty(len(texts), dtype=np.int64)
        memory = np.empty(len(texts), dtype=bool)
        for position, text in enumerate(texts):
            found = _MEMORY_TEXT.match(text)
            if found:
                rows[position], memory[position] = int(found.group(1)) - self._offset, True
                continue
            found = _QUERY_TEXT.match(text)
            if found is None:
                raise ValueError(f"no precomputed vector for {text!r}")
            rows[position], memory[position] = int(found.group(1)), False
        if memory.all():
            return np.ascontiguousarray(self._memories[rows])
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        out[memory] = self._memories[rows[memory]]
        out[~memory] = self._queries[rows[~memory]]
        return out


def langchain_embeddings(embedder: PrecomputedEmbedder) -> Any:
    """The same lookup as a LangChain ``Embeddings`` (imported here: a benchmark-only dependency)."""
    from langchain_core.embeddings import Embeddings

    class PrecomputedEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            # A list, as the Embeddings contract says: LangChain's FAISS turns it back into an array.
            return embedder.embed([text])[0].tolist()

    return PrecomputedEmbeddings()


def _unit(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _noisy(vectors: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    noise = rng.standard_normal(vectors.shape, dtype=np.float32) * (NOISE / np.sqrt(vectors.shape[1]))
    return _unit(vectors + noise)


def _locomo_vectors() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """MiniLM vectors of every LoCoMo turn and question (embedded once, then read from benchmarks/.cache)."""
    from agentmem import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(batch_size=64)  # the model loads only if a batch is not cached
    turns = cached_embeddings([t["text"] for t in locomo_turns()], embedder=embedder)
    questions = cached_embeddings([q["question"] for q in locomo_questions()], embedder=embedder)
    return turns, questions
