"""Export and import throughput: a store to JSONL and back into a fresh database, with and without vectors.

    python -m benchmarks.export_import [--quick] [--memories N] [--out DIR]

A namespace of N memories (:mod:`benchmarks.corpus`: real LoCoMo turn texts; synthetic clustered vectors,
since the bytes moved do not depend on their values) is filled with ``add_many``.
Then, timed separately, each in the way the CLI's ``export`` / ``import`` do it:

- ``export_memories(vectors=...)`` written with :func:`agentmem.store.jsonl.write_jsonl` to a file;
- that file read back with :func:`agentmem.store.jsonl.read_jsonl` and ``import_memories(keep_ids=True)`` into a
  fresh SQLite database; the imported namespace is exported again and compared line by line with the first
  export (the exact round trip the format promises), also without the ``version`` field: a namespace-local
  change counter, which an import into a fresh namespace restarts.

Import without vectors re-embeds every text: here the embedder answers from the precomputed vectors, so that
figure is agentmem's own cost; the model's is the ingest suite's limit.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from agentmem import MemoryStore
from agentmem.store.jsonl import read_jsonl, write_jsonl
from benchmarks.common import Figure, add_output_option, write_timed_results
from benchmarks.corpus import TextLookupEmbedder, distinct_texts, fill
from benchmarks.precomputed import expand, vector_set
from benchmarks.recall_systems import NOW


def export_file(store: MemoryStore, path: Path, *, vectors: bool) -> float:
    began = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(store.export_memories(vectors=vectors), out)
    return time.perf_counter() - began


def import_file(store: MemoryStore, path: Path) -> tuple[float, int]:
    began = time.perf_counter()
    with path.open(encoding="utf-8") as source:
        imported = store.import_memories(read_jsonl(source, name=path.name), keep_ids=True)
    return time.perf_counter() - began, len(imported)


def identical(first: Path, second: Path, *, ignore: tuple[str, ...] = ()) -> float:
    """Share of lines of ``first`` equal to the same line of ``second`` (0 if their counts differ), comparing
    the parsed objects without the ``ignore`` fields."""
    a = first.read_text(encoding="utf-8").splitlines()
    b = second.read_text(encoding="utf-8").splitlines()
    if len(a) != len(b) or not a:
        return 0.0

    def fields(line: str) -> dict[str, Any]:
        return {k: v for k, v in json.loads(line).items() if k not in ignore}

    return sum(fields(x) == fields(y) for x, y in zip(a, b, strict=True)) / len(a)


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 memories (CI smoke)")
    parser.add_argument("--memories", type=int, default=100_000)
    add_output_option(parser)
    args = parser.parse_args(argv)
    count = 2_000 if args.quick else args.memories
    started = time.perf_counter()
    vectors = vector_set("clustered", queries=1)
    texts = distinct_texts(count)
    embedder = TextLookupEmbedder(texts, expand(vectors, count))
    parameters: dict[str, Any] = {
        "memories": count,
        "texts": "LoCoMo turns, cycled and numbered to be distinct",
        "vectors": vectors.description,
        "metadata": "two keys per memory",
        "database": "SQLite file, index faiss",
        "keep_ids": True,
    }
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="export-import-") as tmp:
        folder = Path(tmp)
        with MemoryStore.open(folder / "source.db", embedder=embedder, clock=lambda: NOW) as source:
            seconds = fill(source, texts)
            stored = source.stats().active  # a text repeated within LoCoMo strengthens its first copy
            parameters["stored"] = stored
            figures.append(Figure("add_many (reference)", count / seconds, "memories/s", parameters))
            print(f"filled {stored:,} memories in {seconds:.1f} s", flush=True)
            for vectors_too in (True, False):
                mode = "with vectors" if vectors_too else "without vectors (import re-embeds)"
                params = {**parameters, "vectors_exported": vectors_too}
                exported = folder / f"export-{vectors_too}.jsonl"
                took = export_file(source, exported, vectors=vectors_too)
                size = exported.stat().st_size
                with MemoryStore.open(
                    folder / f"target-{vectors_too}.db", embedder=embedder, clock=lambda: NOW
                ) as target:
                    import_seconds, imported = import_file(target, exported)
                    again = folder / f"again-{vectors_too}.jsonl"
                    export_file(target, again, vectors=vectors_too)
                assert imported == stored, f"imported {imported} of {stored} memories"
                figures += [
                    Figure(f"export {mode}", stored / took, "memories/s", params),
                    Figure(f"export file {mode}", size / stored, "bytes/memory", params),
                    Figure(f"import {mode}", stored / import_seconds, "memories/s", params),
                    Figure(f"round trip {mode}: identical lines", identical(exported, again), "fraction", params),
                    Figure(
                        f"round trip {mode}: identical but for version",
                        identical(exported, again, ignore=("version",)),
                        "fraction",
                        params,
                    ),
                ]
                print(
                    f"{mode}: export {stored / took:,.0f}/s ({size / stored:,.0f} B/memory), "
                    f"import {stored / import_seconds:,.0f}/s",
                    flush=True,
                )
    path, runtime = write_timed_results(
        "export_import", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    print(f"runtime {runtime:.0f} s -> {path}")
    return figures


if __name__ == "__main__":
    main()
