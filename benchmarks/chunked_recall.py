"""Recall on a namespace of long memories (several chunk vectors each) against one of single-vector memories.

    python -m benchmarks.chunked_recall [--quick] [--memories N] [--queries Q] [--vectors locomo|clustered]

Two namespaces of one SQLite file, the default index (``faiss``) and the default recall settings (touch on):

* **single**: N memories of one vector each;
* **chunked**: N memories of 1 to 4 chunk vectors each (2.5 on average, as a long memory cut by
  :mod:`agentmem.text.chunking`), imported with their vectors (``import_memories``), so no model runs.

Vectors are the ``locomo`` set of :mod:`benchmarks.precomputed` (real all-MiniLM-L6-v2 vectors of LoCoMo turns,
noisy copies beyond them) or the synthetic ``clustered`` one (``--quick``, CI). Queries are handed as vectors
(query embedding excluded, as in ``recall_speed``). Timed, one query at a time, interleaved so both namespaces see
the same machine load: ``retrieve(k=10)`` on each, and on the chunked namespace once more with the certified
path switched off (the full aggregate pass over every chunk that ran before chunked namespaces were certified).
The top 10 of the certified path is checked equal to the full pass's on every query.

Results: ``benchmarks/results/chunked_recall.json`` and ``.md``. Target: chunked p50 <= 1.5 x single p50.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from agentmem import MemoryStore
from benchmarks.common import Figure, add_output_option, median, percentile, write_timed_results
from benchmarks.corpus import fill
from benchmarks.precomputed import PrecomputedEmbedder, expand, vector_set

TARGET = 1.5
K = 10


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 memories, 50 queries, clustered vectors (CI)")
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--vectors", choices=["locomo", "clustered"], default="locomo")
    add_output_option(parser)
    args = parser.parse_args(argv)
    memories, queries, kind = (2_000, 50, "clustered") if args.quick else (args.memories, args.queries, args.vectors)
    started = time.perf_counter()
    vectors = vector_set(kind, queries=queries)
    queries = len(vectors.queries)
    counts = np.random.default_rng(7).integers(1, 5, memories).astype(np.int64)
    rows = expand(vectors, int(counts.sum()) + memories)
    single_rows, chunk_rows = rows[:memories], rows[memories:]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "chunked.db"
        embedder = PrecomputedEmbedder(vectors.queries, single_rows)
        with MemoryStore.open(db, embedder=embedder, namespace="single") as single:
            fill(single, [f"m{i}" for i in range(memories)])
            chunked = single.with_namespace("chunked")
            chunked.import_memories(_chunked_copies(single, chunk_rows, counts), keep_ids=False)
            report = _measure(single, chunked, queries)
    parameters: dict[str, Any] = {
        "memories": memories,
        "chunks per memory (mean)": float(counts.mean()),
        "chunk vectors": int(counts.sum()),
        "queries": queries,
        "k": K,
        "index": "faiss (default)",
        "vectors": vectors.description,
        "touch": True,
    }
    figures = [
        Figure(f"{name} retrieve p50", 1e3 * median(times), "ms", parameters) for name, times in report.times.items()
    ] + [
        Figure(f"{name} retrieve p95", 1e3 * percentile(times, 95), "ms", parameters)
        for name, times in report.times.items()
    ]
    ratio = median(report.times["chunked"]) / median(report.times["single"])
    figures += [
        Figure("chunked / single retrieve p50", ratio, "ratio", {**parameters, "target": TARGET}),
        Figure("certified top 10 equal to the full pass's", report.equal / queries, "share of queries", parameters),
    ]
    path, runtime = write_timed_results(
        "chunked_recall", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    path.with_suffix(".md").write_text(_markdown(report, ratio, parameters))
    print(path.with_suffix(".md").read_text())
    print(f"runtime {runtime:.0f} s", file=sys.stderr)
    return figures


def _chunked_copies(single: MemoryStore, rows: np.ndarray, counts: np.ndarray) -> Any:
    """The single namespace's memories, exported, each given ``counts[i]`` chunk vectors instead of one."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for position, item in enumerate(single.export_memories(vectors=True)):
        start, count = int(starts[position]), int(counts[position])
        blob = np.ascontiguousarray(rows[start : start + count], dtype="<f4").tobytes()
        yield dataclasses.replace(item, embedding=blob)


@dataclasses.dataclass
class _Report:
    times: dict[str, list[float]]
    equal: int


def _measure(single: MemoryStore, chunked: MemoryStore, queries: int) -> _Report:
    def retrieve(store: MemoryStore) -> Callable[[str], list[int]]:
        return lambda query: [r.memory.id for r in store.retrieve(query, k=K)]

    def uncertified(query: str) -> list[int]:
        with mock.patch("agentmem.ranking.paths.certified_rank", return_value=None):
            return retrieve(chunked)(query)

    systems = {"single": retrieve(single), "chunked": retrieve(chunked), "chunked, full pass": uncertified}
    for fn in systems.values():  # indexes loaded, float16 copies built, before any timing
        fn("q0")
    times: dict[str, list[float]] = {name: [] for name in systems}
    equal = 0
    for j in range(queries):
        got: dict[str, list[int]] = {}
        for name, fn in systems.items():
            began = time.perf_counter()
            got[name] = fn(f"q{j}")
            times[name].append(time.perf_counter() - began)
        equal += got["chunked"] == got["chunked, full pass"]
    return _Report(times, equal)


def _markdown(report: _Report, ratio: float, parameters: dict[str, Any]) -> str:
    lines = [
        "# Recall on long memories: chunked namespace against single-vector memories",
        "",
        f"{parameters['memories']:,} memories per namespace; the chunked one holds {parameters['chunk vectors']:,} "
        f"chunk vectors ({parameters['chunks per memory (mean)']:.2f} per memory). Index `faiss` (default), "
        f"default recall settings (touch on), k = {K}, {parameters['queries']} queries handed as vectors, "
        f"interleaved. Vectors: {parameters['vectors']}. `python -m benchmarks.chunked_recall`.",
        "",
        "| namespace | retrieve p50 ms | p95 ms | p50 / single |",
        "|---|---|---|---|",
    ]
    single = median(report.times["single"])
    for name, times in report.times.items():
        lines.append(
            f"| {name} | {1e3 * median(times):.2f} | {1e3 * percentile(times, 95):.2f} | {median(times) / single:.2f} |"
        )
    met = "met" if ratio <= TARGET else "not met"
    lines += [
        "",
        f"Chunked / single p50: **{ratio:.2f}** (target <= {TARGET}: {met}). The certified path's top 10 equals the "
        f"full pass's on {report.equal} of {parameters['queries']} queries.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
