"""LangGraph store speed: AgentMemStore against LangGraph's own InMemoryStore, same embeddings, same run.

    python -m benchmarks.langgraph_store [--sizes 1000,10000,100000] [--queries 100] [--vectors locomo]

At each size one LangGraph namespace holds that many items ``{"text": "m<i>", "n": i % 10}`` in both
stores. Both get the same embedding function: a lookup of precomputed vectors (:mod:`benchmarks.precomputed`;
``locomo``: real all-MiniLM-L6-v2 vectors of LoCoMo turns and questions, noisy copies beyond 5,882 items), so
embedding costs the same negligible lookup in both and the timings are the stores'. Measured, one call at a
time through the public ``BaseStore`` methods:

- ``search`` p50 / p95 with a query (top 10), and with a query and a value filter (``n < 5``); the ratio
  is InMemoryStore's time over AgentMemStore's (above 1: AgentMemStore is faster).
- ``get`` by key p50.
- put throughput: ``batch`` of 1,000 ``PutOp`` s (how the fill runs), and single ``put`` calls (what a graph
  node does; each a committed SQLite transaction for AgentMemStore, ``synchronous=FULL``) of new keys and of
  existing keys (a replacement, which also removes the old vector from the FAISS index).
- top-10 overlap of the two stores' results: AgentMemStore ranks by agentmem's score (relevance with
  lexical fusion, recency, importance), InMemoryStore by cosine alone, so they need not agree exactly.
- ``sweep_ttl`` time over the whole store (no item has a TTL: the cost of looking).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from langgraph.store.base import BaseStore, PutOp
from langgraph.store.memory import InMemoryStore

from agentmem.adapters.langgraph import AgentMemStore
from benchmarks.common import Figure, add_output_option, percentile, write_timed_results
from benchmarks.precomputed import PrecomputedEmbedder, expand, langchain_embeddings, vector_set

NAMESPACE = ("bench", "items")
BATCH = 1_000
SINGLE_PUTS = 200
K = 10


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: 1,000 items, 20 queries, clustered vectors")
    parser.add_argument("--sizes", help="items per store, comma-separated (default 1000,10000,100000)")
    parser.add_argument("--queries", type=int, help="queries per size (default 100, quick 20)")
    parser.add_argument("--vectors", choices=("locomo", "clustered"), help="default: locomo, quick: clustered")
    add_output_option(parser)
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = [int(s) for s in (args.sizes or ("1000" if quick else "1000,10000,100000")).split(",")]
    queries = args.queries or (20 if quick else 100)
    vectors = vector_set(args.vectors or ("clustered" if quick else "locomo"), queries=queries)
    parameters: dict[str, Any] = {
        "sizes": sizes,
        "queries": queries,
        "k": K,
        "vectors": vectors.description,
        "embedding": "the same precomputed-vector lookup for both stores (query embedding included, negligible)",
        "items": '{"text": "m<i>", "n": i % 10} in one namespace; index fields ["text"]',
        "filter": '{"n": {"$lt": 5}} (half the items pass)',
        "agentmem": "AgentMemStore on a SQLite file, faiss index, the store's default scoring (hybrid on)",
        "put_batch": BATCH,
        "single_puts": SINGLE_PUTS,
    }
    started = time.perf_counter()
    figures: list[Figure] = []
    rows: list[dict[str, Any]] = []
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="langgraph-store-"))
        try:
            row = measure(size, vectors, queries, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        rows.append(row)
        figures += row.pop("figures")
        gc.collect()
    path, runtime = write_timed_results(
        "langgraph_store", figures, started=started, parameters=parameters, quick=quick, out=args.out
    )
    report = markdown(rows, parameters)
    path.with_suffix(".md").write_text(report)
    print(report)
    print(f"\nruntime {runtime:.0f} s -> {path}")
    return figures


def measure(size: int, vectors: Any, queries: int, folder: Path) -> dict[str, Any]:
    embedder = PrecomputedEmbedder(vectors.queries, expand(vectors, size))
    index: Any = {"dims": embedder.dimensions, "embed": langchain_embeddings(embedder), "fields": ["text"]}
    stores: dict[str, BaseStore] = {
        "InMemoryStore": InMemoryStore(index=index),
        "AgentMemStore": AgentMemStore(folder / "m.db", index=index, model_id=embedder.model_id),
    }
    figures: list[Figure] = []
    row: dict[str, Any] = {"size": size}
    for name, store in stores.items():
        seconds = 0.0
        for first in range(0, size, BATCH):
            ops = [
                PutOp(NAMESPACE, f"k{i}", {"text": f"m{i}", "n": i % 10})
                for i in range(first, min(size, first + BATCH))
            ]
            seconds += _timed(partial(store.batch, ops))
        row[f"{name} batch put/s"] = size / seconds
        figures.append(Figure("put throughput (batch)", size / seconds, "items/s", {"store": name, "size": size}))
    for name, store in stores.items():
        # Single puts of new items (the store grows by SINGLE_PUTS), then overwrites of existing ones with new
        # values (a replacement: agentmem deletes the old memory and its vector, inserts the new one).
        for label, key, text in (("new", "new{}", "m{}"), ("overwrite", "k{}", "m{}")):
            times = [
                _timed(partial(store.put, NAMESPACE, key.format(i), {"text": text.format(size - 1 - i), "n": 0}))
                for i in range(SINGLE_PUTS)
            ]
            rate = 1 / statistics.mean(times)
            row[f"{name} single put {label}/s"] = rate
            figures.append(
                Figure(f"put throughput (single put, {label} key)", rate, "items/s", {"store": name, "size": size})
            )
    found: dict[str, list[list[str]]] = {}
    for name, store in stores.items():
        # InMemoryStore scans in Python: at 100k a query takes seconds, so it gets fewer queries there.
        asked = queries if name == "AgentMemStore" or size <= 10_000 else max(queries // 5, 10)
        for label, filter in (("search", None), ("search + filter", {"n": {"$lt": 5}})):
            store.search(NAMESPACE, query="q0", filter=filter, limit=K)  # warm: load the index
            times, results = [], []
            for j in range(asked):
                began = time.perf_counter()
                hits = store.search(NAMESPACE, query=f"q{j}", filter=filter, limit=K)
                times.append(time.perf_counter() - began)
                results.append([h.key for h in hits])
            if filter is None:
                found[name] = results
            p50, p95 = statistics.median(times) * 1000, percentile(times, 95) * 1000
            row[f"{name} {label} p50 ms"], row[f"{name} {label} p95 ms"] = p50, p95
            params = {"store": name, "size": size, "queries": asked}
            figures += [Figure(f"{label} p50", p50, "ms", params), Figure(f"{label} p95", p95, "ms", params)]
        keys = [f"k{i}" for i in np.random.default_rng(size).integers(0, size, 200)]
        p50 = statistics.median(_timed(partial(store.get, NAMESPACE, key)) for key in keys) * 1000
        row[f"{name} get p50 ms"] = p50
        figures.append(Figure("get p50", p50, "ms", {"store": name, "size": size}))
    for label in ("search", "search + filter"):
        ratio = row[f"InMemoryStore {label} p50 ms"] / row[f"AgentMemStore {label} p50 ms"]
        row[f"{label} ratio"] = ratio
        figures.append(Figure(f"{label} p50 ratio InMemoryStore/AgentMemStore", ratio, "x", {"size": size}))
    shared = min(len(found["AgentMemStore"]), len(found["InMemoryStore"]))
    overlap = statistics.mean(
        len(set(a) & set(b)) / K
        for a, b in zip(found["AgentMemStore"][:shared], found["InMemoryStore"][:shared], strict=True)
    )
    row["top-10 overlap"] = overlap
    figures.append(Figure("top-10 overlap with InMemoryStore", overlap, "fraction", {"size": size, "queries": shared}))
    ours = stores["AgentMemStore"]
    assert isinstance(ours, AgentMemStore)
    sweep = _timed(ours.sweep_ttl) * 1000
    row["sweep_ttl ms"] = sweep
    figures.append(Figure("sweep_ttl (no expiring items)", sweep, "ms", {"size": size}))
    ours.close()
    return {**row, "figures": figures}


def _timed(fn: Callable[[], Any]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def markdown(rows: list[dict[str, Any]], parameters: dict[str, Any]) -> str:
    lines = [
        "# LangGraph store: AgentMemStore vs InMemoryStore",
        "",
        f"Same embedding function for both: {parameters['embedding']}. Vectors: {parameters['vectors']}.",
        f"Items: {parameters['items']}. {parameters['agentmem']}.",
        "Ratio = InMemoryStore p50 / AgentMemStore p50 (above 1: AgentMemStore is faster). Generated by",
        "`python -m benchmarks.langgraph_store`.",
        "",
        "| items | search p50 InMemory / AgentMem (ms) | ratio | search + filter p50 (ms) | ratio "
        "| get p50 (ms) | batch put/s | single put/s (new key) | single put/s (overwrite) | top-10 overlap "
        "| sweep_ttl (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} "
            f"| {r['InMemoryStore search p50 ms']:.2f} / {r['AgentMemStore search p50 ms']:.2f} "
            f"| {r['search ratio']:.1f}x "
            f"| {r['InMemoryStore search + filter p50 ms']:.2f} / {r['AgentMemStore search + filter p50 ms']:.2f} "
            f"| {r['search + filter ratio']:.1f}x "
            f"| {r['InMemoryStore get p50 ms']:.3f} / {r['AgentMemStore get p50 ms']:.3f} "
            f"| {r['InMemoryStore batch put/s']:,.0f} / {r['AgentMemStore batch put/s']:,.0f} "
            f"| {r['InMemoryStore single put new/s']:,.0f} / {r['AgentMemStore single put new/s']:,.0f} "
            f"| {r['InMemoryStore single put overwrite/s']:,.0f} / {r['AgentMemStore single put overwrite/s']:,.0f} "
            f"| {r['top-10 overlap']:.2f} | {r['sweep_ttl ms']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
