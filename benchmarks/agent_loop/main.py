"""The real Auto-GPT 0.2.2 loop with agentmem and with LocalCache: ``python -m benchmarks.agent_loop``.

Builds (or reuses) Auto-GPT's venv, starts the fake OpenAI server, runs the scripted agent through the
unmodified loop with each backend (first run, then a restart), and writes
``benchmarks/results/agent_loop.{json,md}`` (``--out DIR`` elsewhere). ``--parallel`` runs the two
backends at the same time: half the wall time, but their timings then share the two cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.agent_loop import report
from benchmarks.agent_loop.loop import BACKENDS, BackendResult, run_backends
from benchmarks.agent_loop.script import SCRIPT
from benchmarks.agent_loop.server import FakeOpenAI
from benchmarks.agent_loop.venv import ensure
from benchmarks.common import add_output_option, results_folder, write_timed_results

__all__ = ["main", "measure"]


def measure(folder: Path, *, parallel: bool = False) -> dict[str, BackendResult]:
    """Both backends through the real loop on :data:`~benchmarks.agent_loop.script.SCRIPT`, in ``folder``."""
    from agentmem import SentenceTransformerEmbedder

    env = ensure()
    embedder = SentenceTransformerEmbedder()
    with FakeOpenAI(embedder.embed) as server:
        return run_backends(env, server, folder, backends=BACKENDS, parallel=parallel)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parallel", action="store_true", help="run both backends at once")
    parser.add_argument("--quick", action="store_true", help="same run (it has no smaller size); results to quick/")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (logs, workspaces, memories)")
    add_output_option(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agent-loop-") as scratch:
        folder = args.keep or Path(scratch)
        results = measure(folder, parallel=args.parallel)
    figures, parameters = report.figures(results, parallel=args.parallel, script=SCRIPT)
    path, _ = write_timed_results(
        "agent_loop", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    markdown = results_folder(args.out, quick=args.quick) / f"agent_loop{'-quick' if args.quick else ''}.md"
    markdown.write_text(report.markdown(results, parallel=args.parallel))
    print(markdown.read_text())
    print(f"wrote {path} and {markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
