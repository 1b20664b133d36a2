"""Recall speed: latency vs namespace size against bare FAISS and LangChain, the index pool, cold open.

    python -m benchmarks.recall_speed [--quick] [--sizes 10000,100000,1000000] [--queries 200] [--out DIR]

One run measures, with query embedding excluded (every system gets precomputed query vectors, see
:mod:`benchmarks.precomputed`) but for the end-to-end rows:

1. For each namespace size: memories ingested through ``MemoryStore.add_many`` (SQLite + the live flat
   FAISS index, batches of 10,000, created_at spread over 6 months, importance uniform in [0, 1]); then, on
   the same vectors in the same process, one query at a time (FAISS at one OpenMP thread, as agentmem sets):
   - the floor: a bare ``faiss.IndexFlatIP`` search, k 10;
   - agentmem's exact path (``index="faiss"``: from 20,000 memories a float16 screen whose top 10 is
     certified exact, see :mod:`agentmem.ranking.certified`) and scale path (``hnsw``, ``ivf``, ``sq8``; ``hnsw``
     only up to ``--hnsw-max``), each ``retrieve(k=10)`` with the store's default scoring at a fixed
     ``now``: ranking alone (``touch=False``) and with access recording (``touch=True``: shown in the
     replica at once and written behind, :mod:`agentmem.store.access_log`);
   - the exact path for the same queries naming a day and a month (memories are created over 6 months):
     the cost of the time match (``RecallConfig.time_weight``);
   - LangChain's ``TimeWeightedVectorStoreRetriever`` (k 10, fetching 100, importance as an extra score key)
     over a LangChain FAISS inner-product store of the same vectors, timed through ``invoke``.
   - end to end, as an agent recalls (after the rest): the real query embedding (the bundled model on a
     real question, :mod:`benchmarks.end_to_end`) and ``touch=True``, against one encode of the same
     questions alone in the same run;
   The ``touch=False`` calls of every system are interleaved query by query, so drifting machine load hits
   them alike; ``touch=True`` runs after (it changes what later rankings see). Each scale path's top-10 is
   compared with the exact path's (same query, scoring and ``now``), and the exact path's with a brute-force
   numpy scoring of every memory.
2. The index pool, in fresh subprocesses (:mod:`benchmarks.recall_pool`): many namespaces in one database
   under a memory budget, recalled in random order; RSS against the budget.
3. Cold open of the store of ``--cold-size`` memories: open + first retrieve, with the index file and with it
   deleted (rebuilt from the vectors in SQL).

Results: ``benchmarks/results/recall_speed[-quick].json`` and a markdown table on stdout.

What the data can and cannot say (``--vectors locomo``, :mod:`benchmarks.precomputed`): the first 5,882
memories are real MiniLM vectors of LoCoMo turns, the rest noisy copies of them (about as close to their
turn as real turns are to their nearest neighbour). Exact systems (the floor, agentmem's exact path,
LangChain's flat store) scan every vector whatever they hold, so their times do not depend on the data.
Approximate indexes and agentmem's certified screen do: the screen needs the memories whose cosine is
within the largest recency + importance term (0.12 by default) of the 10th best score — at most 72 here at
100k and 193 at 1M (medians 36 and 84) — and HNSW's recall of them is what the scale path's agreement
measures. Copies of a turn crowd each other, which could be blamed for HNSW's poor agreement at 1M
(0.71 / 0.81 / 0.92 of the exact top 10 at efSearch 256 / 512 / 1,024): the same test on a second synthetic
set, each memory beyond the real ones a random mix of two turns plus small noise (a memory about two
things, as a mean-pooled embedding of their concatenation roughly is), gave 0.74 / 0.86 / 0.93, so the
copies are kept; IVF (nprobe 128 of 4,000 lists) reached 0.9985 on them. Queries are named ``q<j>`` and
memories ``m<i>``, so the hybrid lexical search runs on every agentmem recall but matches nothing: with real
text it costs more (0.2-15 ms at 100k memories for BM25, MEASURED.md), which this suite does not measure.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agentmem import MemoryStore
from agentmem.config import RecallConfig
from benchmarks.common import (
    ROOT,
    Figure,
    add_output_option,
    median,
    percentile,
    rss_bytes,
    timed,
    write_timed_results,
)
from benchmarks.end_to_end import QueryEncodingEmbedder, query_texts
from benchmarks.precomputed import NOISE, PrecomputedEmbedder, VectorSet, expand, vector_set
from benchmarks.recall_systems import (
    BATCH,
    LANGCHAIN_FETCH,
    NOW,
    SPREAD,
    K,
    System,
    attributes,
    blas_controllers,
    blocked,
    brute_force,
    faiss_flat,
    floor_search,
    ingest,
    interleaved,
    langchain_ranker,
    langchain_retriever,
    one_blas_thread,
    overlap,
    ranker,
    toucher,
)

GIB = 2**30
FLOOR = "faiss flat (floor)"
EXACT = "agentmem exact (faiss)"
EXACT_1T = "agentmem exact (faiss), 1 BLAS thread"
LANGCHAIN = "langchain time-weighted"
ENCODE = "one query embedding alone (bundled model)"
# Queries naming a time (the query vector unchanged): a day holds 1/182 of the memories (certified with
# them as candidates: at most agentmem.ranking.certified.MAX_DATED_SHARE), a month 1/6 (the full pass).
NAMED_TIMES = {
    "agentmem exact (faiss), query naming a day, 1 BLAS thread": " on 2024-05-02",
    "agentmem exact (faiss), query naming a month, 1 BLAS thread": " in May 2024",
}


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: 10k only, fewer queries, small pool")
    parser.add_argument("--sizes", help="namespace sizes, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--queries", type=int, help="queries per size (default 200, quick 50)")
    parser.add_argument("--vectors", choices=("locomo", "clustered"), help="default: locomo, quick: clustered")
    parser.add_argument("--hnsw-max", type=int, default=1_000_000, help="largest size to build HNSW at")
    parser.add_argument("--langchain-max", type=int, default=1_000_000, help="largest size to run LangChain at")
    parser.add_argument("--candidates", default="256,1024", help="scale-path candidates C to try (first: the store's)")
    parser.add_argument("--cold-size", type=int, help="store size for the cold open (default 100000, quick 10k)")
    parser.add_argument("--pool", help="namespaces x memories (default 100x10000, quick 10x2000)")
    parser.add_argument("--pool-recalls", type=int, help="recalls in random order (default 1000, quick 100)")
    parser.add_argument("--no-pool", action="store_true", help="skip the index pool part")
    parser.add_argument("--workdir", help="folder for the databases (default: a temporary folder)")
    parser.add_argument("--blas-threads", type=int, help="limit numpy's BLAS threads for the whole run")
    add_output_option(parser)
    args = parser.parse_args(argv)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")
    quick = args.quick
    sizes = [int(s) for s in (args.sizes or ("10000" if quick else "10000,100000,1000000")).split(",")]
    queries = args.queries or (50 if quick else 200)
    vectors = vector_set(args.vectors or ("clustered" if quick else "locomo"), queries=queries)
    cold_size = args.cold_size or (10_000 if quick else 100_000)
    pool_ns, pool_size = (int(x) for x in (args.pool or ("10x2000" if quick else "100x10000")).split("x"))
    pool_recalls = args.pool_recalls or (100 if quick else 1000)
    candidates = [int(c) for c in args.candidates.split(",")] if not quick else [256]
    parameters: dict[str, Any] = {
        "sizes": sizes, "queries": queries, "k": K, "vectors": vectors.description, "noise": NOISE,
        "created_at": f"uniform over {SPREAD.days} days before now={NOW.isoformat()}", "importance": "uniform [0, 1]",
        "scoring": "store default (RecallConfig().scoring)", "scoring_value": repr(RecallConfig().scoring),
        "ingest_batch": BATCH, "faiss_threads": 1, "hnsw_max": args.hnsw_max, "langchain_max": args.langchain_max,
        "langchain": f"TimeWeightedVectorStoreRetriever(k={K}, search_kwargs k={LANGCHAIN_FETCH}, "
        "other_score_keys=['importance'], decay_rate default 0.01) over FAISS(IndexFlatIP)",
        "scale_candidates": candidates, "cold_size": cold_size, "blas_threads": args.blas_threads or "default",
        "blas": [{k: c.info()[k] for k in ("internal_api", "num_threads", "version")} for c in blas_controllers()],
        "pool": {"namespaces": pool_ns, "memories_each": pool_size, "recalls": pool_recalls},
    }  # fmt: skip
    parameters["agentmem_source"] = source_state()
    started = time.perf_counter()
    figures: list[Figure] = []
    rows: list[dict[str, Any]] = []
    workdir = Path(args.workdir) if args.workdir else None
    tmp = Path(tempfile.mkdtemp(prefix="recall-speed-", dir=workdir))
    try:
        for size in sizes:
            folder = tmp / f"n{size}"
            kinds = ["hnsw", "ivf", "sq8"] if size <= args.hnsw_max else ["ivf", "sq8"]
            result = measure_size(
                size, vectors, folder, kinds=kinds, candidates=candidates,
                langchain=size <= args.langchain_max, queries=queries,
            )  # fmt: skip
            figures += result["figures"]
            rows.append(result)
            if size != cold_size:
                shutil.rmtree(folder, ignore_errors=True)
            gc.collect()
        if cold_size in sizes:
            figures += cold_open(tmp / f"n{cold_size}", vectors, repeats=1 if quick else 3)
        if not args.no_pool:
            budget = round(GIB * pool_ns * pool_size / 1_000_000)
            figures += run_pool(tmp / "pool", vectors, pool_ns, pool_size, pool_recalls, budget, quick=quick)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    path, runtime = write_timed_results(
        "recall_speed", figures, started=started, parameters=parameters, quick=quick, out=args.out
    )
    print(markdown(figures, rows))
    print(f"\nruntime {runtime:.0f} s -> {path}")
    return figures


# -- one namespace size ---------------------------------------------------------------------------


def measure_size(
    size: int,
    vectors: VectorSet,
    folder: Path,
    *,
    kinds: list[str],
    candidates: list[int],
    langchain: bool,
    queries: int,
) -> dict[str, Any]:
    """Every part-1 figure at one namespace size (see the module doc)."""
    say(f"== {size:,} memories")
    folder.mkdir(parents=True, exist_ok=True)
    base = {"memories": size, "queries": queries, "k": K}
    figures: list[Figure] = []
    matrix = expand(vectors, size)
    embedder = QueryEncodingEmbedder(PrecomputedEmbedder(vectors.queries, matrix), query_texts(queries))
    created, importance = attributes(size)
    db = folder / "store.db"

    exact = MemoryStore.open(db, embedder=embedder, index="faiss", clock=lambda: NOW)
    seconds, first_load, ids = ingest(exact, created, importance, 0, size)
    figures += [
        Figure("ingest add_many", size / seconds, "memories/s", {**base, "batch": BATCH, "seconds": seconds}),
        Figure("ingest first replica load", first_load, "s", {**base, "when": "after the first batch"}),
        Figure("sqlite file", db.stat().st_size / size, "bytes/memory", base),
    ]
    say(f"ingest {seconds:.1f} s ({size / seconds:,.0f}/s)")

    # Phase A, interleaved query by query: every system that leaves no thread spinning after it returns.
    systems: dict[str, System] = {}
    systems[FLOOR] = floor_search(faiss_flat(matrix), vectors.queries)
    blas = blas_controllers()
    # agentmem's exact path scores with numpy's mat-vec, which runs on OpenBLAS's default thread count
    # (agentmem sets FAISS's threads to 1, not numpy's); OpenBLAS's worker then spins ~30 ms after each call,
    # slowing whatever runs next. So the exact path as shipped is timed in its own block (phase B), and here
    # with numpy's BLAS held at one thread during the call (identical results).
    systems[EXACT_1T] = one_blas_thread(ranker(exact), blas)
    for name, naming in NAMED_TIMES.items():
        systems[name] = one_blas_thread(ranker(exact, naming=naming), blas)
    stores: dict[str, MemoryStore] = {}
    for kind in kinds:
        store = MemoryStore.open(
            db, embedder=embedder, index=kind, clock=lambda: NOW, recall=RecallConfig(scale_candidates=candidates[0])
        )
        build = timed(lambda s=store: s.retrieve("q0", k=K, now=NOW))
        figures.append(Figure(f"{kind} index build from SQL + first query", build, "s", base))
        say(f"{kind}: built from SQL in {build:.1f} s")
        stores[f"agentmem {kind}"] = store
        systems[f"agentmem {kind}"] = ranker(store)
        for c in candidates[1:]:
            # The same loaded index with another C: a store over the same parts (as with_namespace makes),
            # only the recall settings differ, so no second copy of the index is held.
            parts = dataclasses.replace(store._db, recall=RecallConfig(scale_candidates=c))
            systems[f"agentmem {kind} C={c}"] = ranker(MemoryStore(parts, store.namespace))
            stores[f"agentmem {kind} C={c}"] = store
    retriever = None
    if langchain:
        retriever, lc_seconds = langchain_retriever(matrix, created, importance, embedder)
        figures.append(Figure("langchain ingest add_documents", size / lc_seconds, "memories/s", base))
        say(f"langchain ingest {lc_seconds:.1f} s")
        systems[LANGCHAIN] = langchain_ranker(retriever)
    latencies, results = interleaved(systems, queries)
    say("phase A (interleaved) done")

    # Phase B: the exact path as shipped, in one block; phase C: as an agent recalls (touch=True), one
    # block per store, after every touch=False ranking (touching changes what later rankings see).
    time.sleep(0.2)
    block, results[EXACT] = blocked(ranker(exact), queries)
    latencies = {EXACT: block, **latencies}
    touched: dict[str, list[float]] = {}
    for name, fn in [(EXACT_1T, one_blas_thread(toucher(exact), blas)), (EXACT, toucher(exact))] + [
        (n, toucher(s)) for n, s in stores.items() if " C=" not in n
    ]:
        time.sleep(0.2)
        touched[name], _ = blocked(fn, queries)
    say("phases B and C done")
    # Phase D, end to end as an agent recalls: the real query embedding (bundled model) and touch included;
    # the same-run reference is one encode of the same query texts alone.
    embedder.encoding = True
    end_to_end: dict[str, list[float]] = {}
    embedder.encode_only(0)  # the model loaded before any timing
    end_to_end[ENCODE], _ = blocked(embedder.encode_only, queries)
    for name, fn in [(EXACT, toucher(exact))] + [(n, toucher(s)) for n, s in stores.items() if " C=" not in n]:
        time.sleep(0.2)
        end_to_end[name], _ = blocked(fn, queries)
    embedder.encoding = False
    say("phase D done")

    reference = brute_force(matrix, vectors.queries[:queries], created, importance, ids)
    exact_top = results[EXACT_1T]
    figures += [
        Figure("agentmem exact vs brute-force numpy top-10", overlap(exact_top, reference), "recall@10", base),
        Figure(
            "agentmem exact: default vs 1 BLAS thread top-10", overlap(results[EXACT], exact_top), "recall@10", base
        ),
    ]
    row: dict[str, Any] = {"size": size, "systems": {}, "exact_vs_bruteforce": figures[-2].value}
    for name, times in latencies.items():
        entry = {"p50_ms": 1e3 * median(times), "p95_ms": 1e3 * percentile(times, 95)}
        params = {**base, "system": name, "touch": False, "timing": "block" if name == EXACT else "interleaved"}
        if name in touched:
            entry["touch_p50_ms"] = 1e3 * median(touched[name])
            entry["touch_p95_ms"] = 1e3 * percentile(touched[name], 95)
            figures += [
                Figure(f"{name} p50 touch", entry["touch_p50_ms"], "ms", {**params, "touch": True, "timing": "block"}),
                Figure(f"{name} p95 touch", entry["touch_p95_ms"], "ms", {**params, "touch": True, "timing": "block"}),
            ]
        if name in stores:
            entry["recall10"] = overlap(results[name], exact_top)
            figures.append(Figure(f"{name} recall@10 vs exact path", entry["recall10"], "recall@10", params))
        figures += [
            Figure(f"{name} p50", entry["p50_ms"], "ms", params),
            Figure(f"{name} p95", entry["p95_ms"], "ms", params),
        ]
        row["systems"][name] = entry
    for name, times in end_to_end.items():
        entry = row["systems"].setdefault(name, {"p50_ms": float("nan"), "p95_ms": float("nan")})
        entry["e2e_p50_ms"], entry["e2e_p95_ms"] = 1e3 * median(times), 1e3 * percentile(times, 95)
        params = {**base, "system": name, "touch": name != ENCODE, "query_embedding": True, "timing": "block"}
        figures += [
            Figure(f"{name} p50 end to end", entry["e2e_p50_ms"], "ms", params),
            Figure(f"{name} p95 end to end", entry["e2e_p95_ms"], "ms", params),
        ]
    row["figures"] = figures
    for store in {id(s): s for s in [exact, *stores.values()]}.values():
        store.close()
    del retriever, systems
    gc.collect()
    return row


# -- cold open ------------------------------------------------------------------------------------


def cold_open(folder: Path, vectors: VectorSet, *, repeats: int) -> list[Figure]:
    """Open + first retrieve of the ``faiss`` store in ``folder``: from its index file, then without it."""
    db = folder / "store.db"
    embedder = PrecomputedEmbedder(vectors.queries)
    index_files = sorted((folder / "store.db.indexes").glob("*.faiss.idx"))
    figures = []
    for mode in ("index file", "index file deleted (rebuild from SQL)"):
        opens, firsts = [], []
        for _ in range(repeats):
            if mode.startswith("index file deleted"):
                for path in index_files:
                    path.unlink(missing_ok=True)
            gc.collect()
            began = time.perf_counter()
            store = MemoryStore.open(db, embedder=embedder, index="faiss", clock=lambda: NOW)
            opened = time.perf_counter()
            store.retrieve("q1", k=K, now=NOW)
            done = time.perf_counter()
            store.close()  # saves the rebuilt index, so the next "index file" round has one
            opens.append(opened - began)
            firsts.append(done - began)
        params = {
            "memories": int(folder.name.lstrip("n")),
            "repeats": repeats,
            "mode": mode,
            "os_page_cache": "warm (same machine run)",
        }
        figures += [
            Figure(f"cold open: MemoryStore.open ({mode})", median(opens), "s", params),
            Figure(f"cold open: open + first retrieve ({mode})", median(firsts), "s", params),
        ]
        say(f"cold open ({mode}): {median(firsts):.2f} s")
    return figures


# -- index pool (subprocesses) --------------------------------------------------------------------


def run_pool(
    folder: Path, vectors: VectorSet, namespaces: int, size: int, recalls: int, budget: int, *, quick: bool
) -> list[Figure]:
    """Ingest the pool database in one subprocess, then measure recall and RSS in a fresh one."""
    folder.mkdir(parents=True, exist_ok=True)
    common = ["--folder", str(folder), "--vectors", vectors.name, "--queries", str(len(vectors.queries)),
              "--namespaces", str(namespaces), "--size", str(size)]  # fmt: skip
    figures = []
    for phase, extra in (("ingest", []), ("measure", ["--recalls", str(recalls), "--budget", str(budget)])):
        say(f"pool {phase} ({namespaces} x {size:,})")
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.recall_pool", phase, *common, *extra],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        payload = json.loads(done.stdout.strip().splitlines()[-1])
        figures += [Figure(**f) for f in payload["figures"]]
    return figures


def source_state() -> dict[str, str]:
    """The git commit and a hash of agentmem's sources as run (other work may change them between runs)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "agentmem").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"git_head": commit, "agentmem_sources_sha256": digest.hexdigest()[:16]}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message} (rss {rss_bytes() / GIB:.2f} GiB)", file=sys.stderr, flush=True)


# -- report ---------------------------------------------------------------------------------------


def markdown(figures: list[Figure], rows: list[dict[str, Any]]) -> str:
    """The headline tables: latency per size and system, the ratios, then the other figures."""
    lines = [
        "| memories | system | p50 ms | p95 ms | p50 ms, touch | p95 ms, touch | p50 ms, query embedding + touch "
        "| p95 ms, query embedding + touch | recall@10 vs exact |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for name, e in row["systems"].items():
            lines.append(
                f"| {row['size']:,} | {name} | {e['p50_ms']:.2f} | {e['p95_ms']:.2f} | "
                f"{_fmt(e.get('touch_p50_ms'))} | {_fmt(e.get('touch_p95_ms'))} | {_fmt(e.get('e2e_p50_ms'))} | "
                f"{_fmt(e.get('e2e_p95_ms'))} | {_fmt(e.get('recall10'), 3)} |"
            )
    lines += ["", "| memories | ratio | value |", "|---|---|---|"]
    for row in rows:
        s = row["systems"]
        floor = s[FLOOR]
        for name in (EXACT, EXACT_1T):
            lines.append(f"| {row['size']:,} | {name} p50 / FAISS flat p50 (touch off) | "
                         f"{s[name]['p50_ms'] / floor['p50_ms']:.2f} |")  # fmt: skip
        lines.append(
            f"| {row['size']:,} | exact path vs brute-force numpy, recall@10 | {row['exact_vs_bruteforce']:.3f} |"
        )
        encode = s.get(ENCODE, {}).get("e2e_p50_ms")
        for name, e in s.items():
            if encode and name != ENCODE and "e2e_p50_ms" in e:
                lines.append(
                    f"| {row['size']:,} | {name} p50 end to end / one query embedding p50 | "
                    f"{e['e2e_p50_ms'] / encode:.2f} |"
                )
        lang = s.get(LANGCHAIN)
        if lang:
            for name, e in s.items():
                if name.startswith("agentmem") and "touch_p50_ms" in e:
                    lines.append(
                        f"| {row['size']:,} | LangChain p50 / {name} p50 (touch on; off) | "
                        f"{lang['p50_ms'] / e['touch_p50_ms']:.2f}; {lang['p50_ms'] / e['p50_ms']:.2f} |"
                    )
                elif name.startswith("agentmem"):
                    ratio = lang["p50_ms"] / e["p50_ms"]
                    lines.append(f"| {row['size']:,} | LangChain p50 / {name} p50 (touch off) | {ratio:.2f} |")
    shown = ("ingest", "index build", "cold open", "pool", "sqlite", "langchain ingest", "benchmark runtime")
    lines += ["", "| figure | value | unit | parameters |", "|---|---|---|---|"]
    for f in figures:
        if f.name.startswith(shown):
            params = {k: v for k, v in f.parameters.items() if k not in ("queries", "k")}
            lines.append(f"| {f.name} | {f.value:,.3f} | {f.unit} | {json.dumps(params)} |")
    return "\n".join(lines)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
