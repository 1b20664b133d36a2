"""What the recall speed suites run and time: ingest, the systems under test, timing loops, references.

Every system is a function of a query number j that returns the ids of its top-10 for query ``q<j>``
(embedded by a :class:`~benchmarks.precomputed.PrecomputedEmbedder`, so no model runs while timing).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem import MemoryStore
from agentmem.config import RecallConfig
from agentmem.types import NewMemory
from benchmarks.common import timed
from benchmarks.precomputed import PrecomputedEmbedder, langchain_embeddings

__all__ = [
    "BATCH",
    "LANGCHAIN_FETCH",
    "NOW",
    "SPREAD",
    "K",
    "System",
    "attributes",
    "blas_controllers",
    "blocked",
    "brute_force",
    "faiss_flat",
    "ingest",
    "interleaved",
    "langchain_ranker",
    "langchain_retriever",
    "one_blas_thread",
    "overlap",
    "ranker",
    "toucher",
]  # fmt: skip

NOW = datetime(2024, 7, 1, tzinfo=timezone.utc)
SPREAD = timedelta(days=182)
BATCH = 10_000
K = 10
LANGCHAIN_FETCH = 100  # the retriever's default search_kwargs k
WARMUP = 3

System = Callable[[int], NDArray[np.int64]]


def attributes(size: int, *, seed: int = 7) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """created_at (epoch seconds, uniform over SPREAD before NOW) and importance (uniform [0, 1])."""
    rng = np.random.default_rng([seed, size])
    return NOW.timestamp() - rng.uniform(0, SPREAD.total_seconds(), size), rng.uniform(0.0, 1.0, size)


def ingest(
    store: MemoryStore, created: NDArray[np.float64], importance: NDArray[np.float64], start: int, count: int
) -> tuple[float, float, NDArray[np.int64]]:
    """add_many in batches: (seconds in add_many, seconds of the first replica load, memory ids by row).

    The replica is loaded after the first batch (as in a store in use), so later batches also update the
    live index; building the NewMemory items is not timed.
    """
    ids = np.empty(count, dtype=np.int64)
    seconds = first_load = 0.0
    for lo in range(0, count, BATCH):
        hi = min(count, lo + BATCH)
        items = [
            NewMemory(text=f"m{start + i}", importance=float(importance[i]), created_at=_when(created[i]))
            for i in range(lo, hi)
        ]
        began = time.perf_counter()
        records = store.add_many(items)
        seconds += time.perf_counter() - began
        ids[lo:hi] = [r.id for r in records]
        if lo == 0:
            first_load = timed(lambda: store.retrieve(f"q{0}", k=K, now=NOW))
    return seconds, first_load, ids


def blocked(fn: System, queries: int) -> tuple[list[float], list[NDArray[np.int64]]]:
    """Per-query latency and top ids of one system running every query in a row (after a warm-up)."""
    for j in range(WARMUP):
        fn(j)
    latencies, results = [], []
    for j in range(queries):
        began = time.perf_counter()
        found = fn(j)
        latencies.append(time.perf_counter() - began)
        results.append(np.asarray(found))
    return latencies, results


def interleaved(
    systems: dict[str, System], queries: int
) -> tuple[dict[str, list[float]], dict[str, list[NDArray[np.int64]]]]:
    """Per-query latency and top ids of each system, taking turns query by query (rotating the order)."""
    names = list(systems)
    for name in names:
        for j in range(WARMUP):
            systems[name](j)
    latencies: dict[str, list[float]] = {n: [] for n in names}
    results: dict[str, list[NDArray[np.int64]]] = {n: [] for n in names}
    for j in range(queries):
        for name in names[j % len(names) :] + names[: j % len(names)]:
            began = time.perf_counter()
            found = systems[name](j)
            latencies[name].append(time.perf_counter() - began)
            results[name].append(np.asarray(found))
    return latencies, {n: [results[n][j] for j in range(queries)] for n in names}


def brute_force(
    matrix: NDArray[np.float32],
    queries: NDArray[np.float32],
    created: NDArray[np.float64],
    importance: NDArray[np.float64],
    ids: NDArray[np.int64],
) -> list[NDArray[np.int64]]:
    """Top-10 memory ids of every query by the default score over all memories, in plain numpy."""
    scoring = RecallConfig().scoring
    recency = 0.5 ** (np.maximum(NOW.timestamp() - created, 0) / scoring.half_life.total_seconds())
    prior = scoring.recency * recency + scoring.importance * importance
    scores = np.empty((len(queries), len(matrix)), dtype=np.float64)
    for lo in range(0, len(matrix), 100_000):
        scores[:, lo : lo + 100_000] = (queries @ matrix[lo : lo + 100_000].T) * scoring.relevance
    scores += prior
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    return [ids[row] for row in top]


def overlap(found: list[NDArray[np.int64]], truth: list[NDArray[np.int64]]) -> float:
    """Mean share of each truth top-10 found in the same query's result."""
    return float(
        np.mean([len(np.intersect1d(f[:K], t[:K])) / max(1, len(t[:K])) for f, t in zip(found, truth, strict=True)])
    )


def ranker(store: MemoryStore, *, naming: str = "") -> System:
    """``retrieve`` for query j (``naming``: words after it, such as a time, that leave its vector as is)."""

    def rank(j: int) -> NDArray[np.int64]:
        found = store.retrieve(f"q{j}{naming}", k=K, now=NOW, touch=False)
        return np.asarray([m.memory.id for m in found], dtype=np.int64)

    return rank


def blas_controllers() -> list[Any]:
    """threadpoolctl's handles on the loaded BLAS libraries (empty without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return []
    return list(ThreadpoolController().select(user_api="blas").lib_controllers)


def one_blas_thread(fn: System, blas: list[Any]) -> System:
    def run(j: int) -> NDArray[np.int64]:
        before = [c.num_threads for c in blas]
        for c in blas:
            c.set_num_threads(1)
        try:
            return fn(j)
        finally:
            for c, n in zip(blas, before, strict=True):
                c.set_num_threads(n)

    return run


def toucher(store: MemoryStore) -> System:
    def recall(j: int) -> NDArray[np.int64]:
        return np.asarray([m.memory.id for m in store.retrieve(f"q{j}", k=K, now=NOW, touch=True)], dtype=np.int64)

    return recall


def faiss_flat(matrix: NDArray[np.float32]) -> Any:
    import faiss

    faiss.omp_set_num_threads(1)  # as agentmem sets it (agentmem.index.faiss_runtime)
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    return index


def floor_search(index: Any, queries: NDArray[np.float32]) -> System:
    """The floor: one bare FAISS search of query j, k 10."""
    return lambda j: index.search(queries[j : j + 1], K)[1][0]


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(float(epoch), timezone.utc)


# -- LangChain ------------------------------------------------------------------------------------


def langchain_retriever(
    matrix: NDArray[np.float32],
    created: NDArray[np.float64],
    importance: NDArray[np.float64],
    embedder: PrecomputedEmbedder,
) -> tuple[Any, float]:
    """LangChain's time-weighted retriever over a FAISS inner-product store of the same memories, filled
    through ``add_documents`` (its own path); returns it and the seconds that took."""
    import faiss
    from langchain_classic.retrievers import TimeWeightedVectorStoreRetriever
    from langchain_community.docstore.in_memory import InMemoryDocstore
    from langchain_community.vectorstores import FAISS
    from langchain_community.vectorstores.utils import DistanceStrategy
    from langchain_core.documents import Document

    store = FAISS(
        embedding_function=langchain_embeddings(embedder),
        index=faiss.IndexFlatIP(matrix.shape[1]),
        docstore=InMemoryDocstore(),
        index_to_docstore_id={},
        distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT,
    )
    retriever = TimeWeightedVectorStoreRetriever(
        vectorstore=store, k=K, search_kwargs={"k": LANGCHAIN_FETCH}, other_score_keys=["importance"]
    )
    # LangChain's recency is measured from the wall clock (datetime.now(), naive): place the same spread
    # of ages before the real now.
    shift = datetime.now().timestamp() - NOW.timestamp()
    seconds = 0.0
    for lo in range(0, len(matrix), BATCH):
        hi = min(len(matrix), lo + BATCH)
        docs = []
        for i in range(lo, hi):
            when = datetime.fromtimestamp(float(created[i]) + shift)
            meta = {"created_at": when, "last_accessed_at": when, "importance": float(importance[i])}
            docs.append(Document(page_content=f"m{i}", metadata=meta))
        seconds += timed(lambda d=docs: retriever.add_documents(d))
    return retriever, seconds


def langchain_ranker(retriever: Any) -> System:
    def rank(j: int) -> NDArray[np.int64]:
        with warnings.catch_warnings():
            # Inner products of unrelated texts are negative: LangChain warns that relevance is outside [0, 1].
            warnings.simplefilter("ignore")
            docs = retriever.invoke(f"q{j}")
        return np.asarray([d.metadata["buffer_idx"] for d in docs], dtype=np.int64)

    return rank
