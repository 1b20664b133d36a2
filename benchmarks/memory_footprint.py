"""Memory footprint: on-disk bytes per memory (SQL and index separately) and resident memory of a loaded index.

    python -m benchmarks.memory_footprint [--quick] [--memories N] [--kinds faiss,sq8,hnsw] [--out DIR]

One SQLite database of N memories (:mod:`benchmarks.corpus`: real LoCoMo turn texts, two metadata keys each,
synthetic clustered 384-d vectors, since no byte count depends on their values) is filled with ``add_many``
and closed. SQL bytes are the database file (and its WAL), split by table and index with SQLite's ``dbstat``.
Then, for each index kind, two fresh processes (so nothing else is in their heap):

1. *build*: open the database with ``index=<kind>`` and retrieve once (the flat index loads its file; the
   others are built from the vectors in SQL), close (the index file is saved);
2. *measure*: open the store and retrieve once from a 10-memory namespace of the same database (so FAISS,
   BLAS and SQLite have done their one-off allocations: RSS before), then retrieve once from the namespace
   under test (its index is read from its file) and 20 more times (RSS settled). The replica's resident
   bytes are the growth from before to settled: the index and the scoring attributes (last access,
   importance) it keeps per memory, plus whatever a query allocates in proportion to the namespace.

The child prints one JSON line; ``python -m benchmarks.memory_footprint measure ...`` is that child.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.common import Figure, add_output_option, rss_bytes, write_timed_results

QUERIES = 20
WARMUP = "warmup"  # a 10-memory namespace: the one-off allocations of a first retrieve happen there
SMALL_TABLE = 0.01  # tables and indexes under this share of the file are summed as one row
FLOAT32_BYTES = 384 * 4
MIB = 2**20


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 memories, flat and SQ8 (CI smoke)")
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--kinds", help="index kinds (default faiss,sq8,hnsw; quick faiss,sq8)")
    add_output_option(parser)
    args = parser.parse_args(argv)
    count = 5_000 if args.quick else args.memories
    kinds = (args.kinds or ("faiss,sq8" if args.quick else "faiss,sq8,hnsw")).split(",")
    started = time.perf_counter()
    parameters: dict[str, Any] = {
        "memories": count,
        "kinds": kinds,
        "texts": "LoCoMo turns, cycled and numbered to be distinct",
        "vectors": "synthetic clustered, 384-d float32",
        "database": "SQLite file (WAL)",
        "rss": "psutil RSS of a fresh process; replica = growth over 1 + 20 retrieves after open",
    }
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        db = Path(tmp) / "footprint.db"
        stored, seconds = _child("fill", db, "faiss", count)
        parameters["stored"] = stored["stored"]
        print(f"filled {stored['stored']:,} memories in {seconds:.1f} s", flush=True)
        per = float(stored["stored"])
        figures.append(Figure("sqlite file", stored["sqlite_bytes"] / per, "bytes/memory", parameters))
        figures.append(
            Figure("sql_bytes (NamespaceStats)", stored["stats_sql_bytes"] / per, "bytes/memory", parameters)
        )
        for table, size in stored["tables"].items():
            figures.append(Figure(f"sqlite table {table}", size / per, "bytes/memory", {**parameters, "table": table}))
        figures.append(Figure("float32 vector (reference)", FLOAT32_BYTES, "bytes/memory", parameters))
        for kind in kinds:
            built, build_seconds = _child("build", db, kind, count)
            measured, _ = _child("measure", db, kind, count)
            params = {**parameters, "index": kind}
            figures += [
                Figure(f"{kind} index file", built["index_file_bytes"] / per, "bytes/memory", params),
                Figure(f"{kind} replica RSS", measured["replica_rss"] / per, "bytes/memory", params),
                Figure(f"{kind} process RSS with the replica loaded", measured["rss_settled"] / MIB, "MiB", params),
                Figure(f"{kind} process RSS before the first retrieve", measured["rss_open"] / MIB, "MiB", params),
                Figure(f"{kind} index build or load + first retrieve", built["first_retrieve"], "s", params),
                Figure(f"{kind} index load from file + first retrieve", measured["first_retrieve"], "s", params),
            ]
            print(
                f"{kind}: index file {built['index_file_bytes'] / per:,.0f} B/memory, replica RSS "
                f"{measured['replica_rss'] / per:,.0f} B/memory (build {build_seconds:.1f} s)",
                flush=True,
            )
    path, runtime = write_timed_results(
        "memory_footprint", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    print(f"runtime {runtime:.0f} s -> {path}")
    return figures


def _child(phase: str, db: Path, kind: str, count: int) -> tuple[dict[str, Any], float]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory_footprint", phase, "--db", str(db), "--kind", kind,
         "--memories", str(count)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - began


# -- the child processes --------------------------------------------------------------------------


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.memory_footprint (child)")
    parser.add_argument("phase", choices=("fill", "build", "measure"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--kind", required=True)
    parser.add_argument("--memories", type=int, required=True)
    args = parser.parse_args(argv)
    from agentmem import MemoryStore
    from benchmarks.corpus import TextLookupEmbedder, distinct_texts, fill
    from benchmarks.precomputed import expand, vector_set
    from benchmarks.recall_systems import NOW

    vectors = vector_set("clustered", queries=QUERIES + 1)
    texts = distinct_texts(args.memories) if args.phase == "fill" else []
    embedder = TextLookupEmbedder(
        [*texts, *(f"q{j}" for j in range(QUERIES + 1))],
        _stack(expand(vectors, len(texts)) if texts else None, vectors.queries),
    )
    result: dict[str, Any] = {}
    if args.phase == "fill":
        with MemoryStore.open(args.db, embedder=embedder, index=args.kind, clock=lambda: NOW) as store:
            fill(store, texts)
            stats = store.stats()
            store.with_namespace(WARMUP).add_many(texts[:10])
        result = {
            "stored": stats.active,
            "stats_sql_bytes": stats.sql_bytes,
            "sqlite_bytes": sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*") if p.is_file()),
            "tables": _table_bytes(args.db),
        }
    else:
        del texts
        gc.collect()
        store = MemoryStore.open(args.db, embedder=embedder, index=args.kind, clock=lambda: NOW)
        store.with_namespace(WARMUP).retrieve("q0", k=10, now=NOW, touch=False)
        gc.collect()
        rss_open = rss_bytes()
        began = time.perf_counter()
        store.retrieve("q0", k=10, now=NOW, touch=False)
        first = time.perf_counter() - began
        for j in range(1, QUERIES + 1):
            store.retrieve(f"q{j}", k=10, now=NOW, touch=False)
        gc.collect()
        settled = rss_bytes()
        store.close()
        result = {
            "rss_open": rss_open,
            "rss_settled": settled,
            "replica_rss": settled - rss_open,
            "first_retrieve": first,
            "index_file_bytes": index_file_bytes(args.db, args.kind),
        }
    print(json.dumps(result))


def _stack(memories: NDArray[np.float32] | None, queries: NDArray[np.float32]) -> NDArray[np.float32]:
    return queries if memories is None else np.concatenate([memories, queries])


def index_file_bytes(db: Path, kind: str) -> int:
    """Bytes of the namespace under test's index file: the largest of the kind (the other is the warm-up's)."""
    return max(p.stat().st_size for p in (db.parent / f"{db.name}.indexes").glob(f"*.{kind}.idx"))


def _table_bytes(db: Path) -> dict[str, int]:
    """Bytes of every table and index in the SQLite file (``dbstat``), largest first; FTS5's shadow tables
    summed as one, and those under 1% of the file as one more."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    connection.close()
    total = sum(int(size) for _, size in rows)
    sizes: dict[str, int] = {}
    for name, size in rows:
        key = "agentmem_memories_fts (FTS5)" if "_fts" in name else name
        sizes[key] = sizes.get(key, 0) + int(size)
    grouped: dict[str, int] = {}
    for key, size in sizes.items():
        name = key if size >= SMALL_TABLE * total else "other tables and indexes (each < 1%)"
        grouped[name] = grouped.get(name, 0) + size
    return dict(sorted(grouped.items(), key=lambda item: -item[1]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("fill", "build", "measure"):
        child(sys.argv[1:])
    else:
        main()
