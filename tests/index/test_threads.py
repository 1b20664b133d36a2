"""FAISS's OpenMP thread count is a per-thread setting: every thread that searches or adds gets agentmem's,
not OpenMP's default of one thread per core (which spins and collapses on a busy machine)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from agentmem.index.faiss_runtime import DEFAULT_FAISS_THREADS, THREADS_ENV_VAR
from agentmem.index.kinds import create_index
from tests.index.vectors import unit


@pytest.mark.parametrize("kind", ["faiss", "hnsw", "ivf", "sq8"])
def test_a_worker_thread_searches_and_adds_with_the_configured_thread_count(kind: str) -> None:
    import faiss

    if os.environ.get(THREADS_ENV_VAR) or (os.cpu_count() or 1) <= DEFAULT_FAISS_THREADS:
        pytest.skip("OpenMP's default already equals the configured count here: nothing to tell apart")
    index = create_index(kind, 16)
    index.upsert(np.arange(200, dtype=np.int64), unit(200))

    def in_a_new_thread(operation: str) -> int:
        if operation == "search":
            index.search(unit(1, seed=1), 5)
        else:
            index.upsert(np.array([1_000], dtype=np.int64), unit(1, seed=2))
        return int(faiss.omp_get_max_threads())

    for operation in ("search", "upsert"):
        with ThreadPoolExecutor(1) as pool:  # a fresh thread, which never set a count of its own
            assert pool.submit(in_a_new_thread, operation).result() == DEFAULT_FAISS_THREADS, operation
