"""The index pool under a memory budget: many namespaces in one database, recalled in random order.

Run by :mod:`benchmarks.recall_speed` in two fresh processes, so that resident memory is measured without
what ingesting (or the other suites) left in the heap:

    python -m benchmarks.recall_pool ingest  --folder DIR --namespaces 100 --size 10000 ...
    python -m benchmarks.recall_pool measure --folder DIR --namespaces 100 --size 10000 --recalls 1000 --budget B

``ingest`` fills namespace ``agent-<n>`` with ``size`` memories (``add_many``, batches of 10,000, the same
timestamps and importances as the latency suite) and saves each namespace's flat index file. ``measure``
opens the database with ``memory_budget=B``, records the baseline RSS, touches every namespace once in random
order (first loads), then recalls ``recalls`` random (namespace, query) pairs with ``retrieve(k=10,
touch=True)``, noting whether the namespace's replica was loaded (hit) or had to be read from its file
(miss). It prints one JSON line: ``{"figures": [...]}``.
"""

from __future__ import annotations

import argparse
import gc
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from agentmem import MemoryStore
from benchmarks.common import Figure, median, percentile, rss_bytes, timed
from benchmarks.precomputed import PrecomputedEmbedder, VectorSet, expand, vector_set
from benchmarks.recall_systems import NOW, K, attributes, ingest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("ingest", "measure"))
    parser.add_argument("--folder", required=True)
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--queries", type=int, required=True)
    parser.add_argument("--namespaces", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--recalls", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=2**30)
    args = parser.parse_args(argv)
    vectors = vector_set(args.vectors, queries=args.queries)
    db = Path(args.folder) / "pool.db"
    embedder = PrecomputedEmbedder(vectors.queries)
    names = [f"agent-{n:03d}" for n in range(args.namespaces)]
    params = {"namespaces": args.namespaces, "memories_each": args.size, "index": "faiss", "vectors": vectors.name}
    if args.phase == "ingest":
        figures = ingest_pool(db, embedder, vectors, names, args.size, params)
    else:
        figures = measure_pool(db, embedder, names, args.recalls, args.budget, args.queries, params)
    print(json.dumps({"figures": [asdict(f) for f in figures]}))


def ingest_pool(
    db: Path, embedder: PrecomputedEmbedder, vectors: VectorSet, names: list[str], size: int, params: dict[str, Any]
) -> list[Figure]:
    created, importance = attributes(size)
    seconds = 0.0
    for n, name in enumerate(names):
        # One store per namespace: closing it saves the index file a later process loads and unloads it.
        with MemoryStore.open(db, namespace=name, embedder=embedder, index="faiss", clock=lambda: NOW) as store:
            embedder.load(expand(vectors, size, start=n * size), offset=n * size)
            took, _, _ = ingest(store, created, importance, n * size, size)
            seconds += took
    total = len(names) * size
    return [
        Figure("pool ingest add_many", total / seconds, "memories/s", {**params, "seconds": seconds}),
        Figure("pool sqlite file", db.stat().st_size / total, "bytes/memory", params),
    ]


def measure_pool(
    db: Path,
    embedder: PrecomputedEmbedder,
    names: list[str],
    recalls: int,
    budget: int,
    queries: int,
    params: dict[str, Any],
) -> list[Figure]:
    params = {**params, "recalls": recalls, "memory_budget": budget, "touch": True, "k": K}
    gc.collect()
    baseline = rss_bytes()
    root = MemoryStore.open(db, embedder=embedder, index="faiss", memory_budget=budget, clock=lambda: NOW)
    replicas = root._db.replicas
    stores = [root.with_namespace(name) for name in names]
    ns_ids = [s._binding.row().id for s in stores]
    opened = rss_bytes()
    rng = np.random.default_rng(11)
    first = [timed(lambda s=stores[n]: s.retrieve("q0", k=K, now=NOW, touch=True)) for n in rng.permutation(len(names))]
    warm = rss_bytes()
    hits, misses, peak = [], [], warm
    for _ in range(recalls):
        n, j = int(rng.integers(len(names))), int(rng.integers(queries))
        loaded = ns_ids[n] in replicas._loaded
        took = timed(lambda s=stores[n], j=j: s.retrieve(f"q{j}", k=K, now=NOW, touch=True))
        (hits if loaded else misses).append(took)
        peak = max(peak, rss_bytes())
    after = rss_bytes()
    held = replicas.memory_bytes()
    loaded_count = replicas.loaded_count()
    root.close()
    every = hits + misses
    ms = 1e3
    return [
        Figure("pool recall p50", ms * median(every), "ms", params),
        Figure("pool recall p95", ms * percentile(every, 95), "ms", params),
        Figure("pool recall p50, replica loaded", ms * median(hits) if hits else float("nan"), "ms",
               {**params, "count": len(hits)}),
        Figure("pool recall p95, replica loaded", ms * percentile(hits, 95), "ms", {**params, "count": len(hits)}),
        Figure("pool recall p50, replica reloaded from file", ms * median(misses) if misses else float("nan"), "ms",
               {**params, "count": len(misses)}),
        Figure("pool recall p95, replica reloaded from file", ms * percentile(misses, 95), "ms",
               {**params, "count": len(misses)}),
        Figure("pool first recall per namespace p50", ms * median(first), "ms", params),
        Figure("pool RSS baseline (before open)", baseline / 2**20, "MiB", params),
        Figure("pool RSS after open", opened / 2**20, "MiB", params),
        Figure("pool RSS after first recall of every namespace", warm / 2**20, "MiB", params),
        Figure("pool RSS after recalls", after / 2**20, "MiB", params),
        Figure("pool RSS peak during recalls", peak / 2**20, "MiB", params),
        Figure("pool replicas memory_bytes", held / 2**20, "MiB", params),
        Figure("pool replicas loaded_count", loaded_count, "namespaces", params),
        Figure("pool memory budget", budget / 2**20, "MiB", params),
        Figure("pool overhead: RSS after - baseline - budget", (after - baseline - budget) / 2**20, "MiB", params),
        Figure("pool overhead: peak RSS - baseline - budget", (peak - baseline - budget) / 2**20, "MiB", params),
        Figure("pool RSS growth / replicas memory_bytes", (after - baseline) / held, "ratio", params),
    ]  # fmt: skip


if __name__ == "__main__":
    main()
