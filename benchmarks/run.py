"""Run the benchmark suites, then regenerate the report.

    python -m benchmarks.run [suite ...] [--quick] [--out DIR]

Each suite runs in its own process (one suite's memory, threads or a crash never reach the next), in the
order below, cheapest first; with ``--quick`` they run in this process instead, sharing one import of torch
(``--no-in-process`` isolates them anyway). Each can also be run alone as ``python -m benchmarks.<suite>``.
With no suite named, all run. Results go to ``benchmarks/results/`` (``--quick``:
``benchmarks/results/quick/``, which is not committed), or to ``--out``; then :mod:`benchmarks.report`
writes the report from that folder (the committed ``benchmarks/RESULTS.md`` for a full run into the default
folder). ``run[-quick].json`` in that folder records each suite's wall time, status and the machine's load
(suites not run this time keep their earlier entry). Exits non-zero if any suite failed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.common import ROOT, Figure, add_output_option, results_folder, write_results

__all__ = ["BY_NAME", "SUITES", "Suite", "main"]


@dataclass(frozen=True, slots=True)
class Suite:
    """One benchmark suite.

    Attributes:
        name: its module in ``benchmarks``.
        measures: what it measures.
        quick: extra arguments of the harness's ``--quick`` run (sized so that all suites fit CI's 3 minutes).
    """

    name: str
    measures: str
    quick: tuple[str, ...] = ()


SUITES = (
    Suite("ingest", "add_many throughput against the raw SentenceTransformer.encode limit"),
    Suite("locomo", "LoCoMo evidence recall: agentmem and its ablations, baselines, LangChain, mem0"),
    Suite("consolidation", "active memories and evidence recall before and after reflection"),
    Suite("long_memory", "LoCoMo sessions as single memories; Auto-GPT-shaped queries: plain, chunked, BM25, agentmem"),
    Suite("export_import", "export / import throughput through JSONL, exact round trip"),
    Suite("memory_footprint", "SQL and index bytes per memory on disk, replica RSS, for flat, SQ8, HNSW"),
    Suite(
        "langgraph_store", "LangGraph BaseStore: AgentMemStore vs InMemoryStore search, get and put, same embeddings"
    ),
    Suite("chunked_recall", "retrieve on a namespace of chunked long memories against single-vector memories"),
    Suite("cold_start", "a fresh `agentmem recall` process: wall, CPU, RSS and where the time goes"),
    Suite(
        "recall_speed",
        "recall latency vs namespace size against FAISS and LangChain; pool; cold open",
        quick=("--queries", "30", "--pool", "4x2000", "--pool-recalls", "60"),
    ),
)
BY_NAME = {s.name: s for s in SUITES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("suites", nargs="*", metavar="suite", help=f"any of: {', '.join(BY_NAME)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="every suite's CI smoke size")
    parser.add_argument("--no-report", action="store_true", help="only run the suites")
    parser.add_argument(
        "--in-process",
        action=argparse.BooleanOptionalAction,
        help="run the suites in this process (default: with --quick, where they share one import of torch)",
    )
    add_output_option(parser)
    args = parser.parse_args(argv)
    unknown = [s for s in args.suites if s not in BY_NAME]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(BY_NAME)}")
    chosen = [s for s in SUITES if not args.suites or s.name in args.suites]
    folder = results_folder(args.out, quick=args.quick)
    flags = [*(["--quick"] if args.quick else []), "--out", str(folder)]
    in_process = args.quick if args.in_process is None else args.in_process

    started = time.perf_counter()
    figures = _earlier(
        folder / f"run{'-quick' if args.quick else ''}.json", keep={s.name for s in SUITES} - {s.name for s in chosen}
    )
    failed: list[str] = []
    for number, suite in enumerate(chosen, start=1):
        _say(f"[{number}/{len(chosen)}] {suite.name}: {suite.measures}")
        began = time.perf_counter()
        extra = suite.quick if args.quick else ()
        code = _run(suite, [*flags, *extra], in_process=in_process)
        seconds = time.perf_counter() - began
        status = "ok" if code == 0 else f"failed (exit code {code})"
        if code:
            failed.append(suite.name)
        when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        load = [round(x, 2) for x in os.getloadavg()]
        parameters = {"suite": suite.name, "status": status, "finished": when, "load_average": load}
        figures.append(Figure(f"{suite.name} seconds", seconds, "s", parameters))
        _say(f"[{number}/{len(chosen)}] {suite.name}: {status} in {seconds:.0f} s")
    order = {s.name: n for n, s in enumerate(SUITES)}
    figures.sort(key=lambda f: order[f.parameters["suite"]])
    run_parameters = {"suites": [f.parameters["suite"] for f in figures], "last_run": [s.name for s in chosen],
                      "failed": failed, "quick": args.quick}  # fmt: skip
    write_results("run", figures, parameters=run_parameters, quick=args.quick, out=folder)
    if not args.no_report:
        _say("report")
        report.main(["--results", str(folder), *(["--quick"] if args.quick else [])])
    _say(f"done in {time.perf_counter() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _run(suite: Suite, argv: list[str], *, in_process: bool) -> int:
    """Run one suite; returns its exit code."""
    if not in_process:
        return subprocess.run([sys.executable, "-m", f"benchmarks.{suite.name}", *argv], cwd=ROOT).returncode
    try:
        importlib.import_module(f"benchmarks.{suite.name}").main(argv)
    except SystemExit as exc:  # argparse, or a suite that exits
        return exc.code if isinstance(exc.code, int) else 1
    # A failed suite is recorded and the others still run, whatever it raised.
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    return 0


def _earlier(path: Path, *, keep: set[str]) -> list[Figure]:
    """The timings of the suites in ``keep`` from an earlier run into the same folder."""
    if not path.is_file():
        return []
    figures = [Figure(**f) for f in json.loads(path.read_text())["figures"]]
    return [f for f in figures if f.parameters.get("suite") in keep and f.value is not None]


def _say(message: str) -> None:
    print(f"== [{time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
