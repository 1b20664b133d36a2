"""Run the real Auto-GPT 0.2.2 loop on the scripted agent, once per memory backend, and collect its prompts.

For each backend a fresh working folder gets the script's files (the notes, the documents), an
``ai_settings.yaml`` and the reply schema the loop validates against (:func:`script.schema`). Then
Auto-GPT runs as a subprocess in continuous mode for exactly as many steps as the script has, talking to
the fake OpenAI server on loopback, twice: the first run through the timing driver, then, after the
process has exited, a restart with the documented command and nothing else (``python -m
agentmem.adapters.autogpt_run`` for agentmem, ``python -m autogpt`` for LocalCache), in the same folder.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.agent_loop.figures import ProbeResult, Timings, probe_results, timings
from benchmarks.agent_loop.script import SCRIPT, Script, schema
from benchmarks.agent_loop.server import FakeOpenAI, RunLog
from benchmarks.agent_loop.venv import AgptEnv

__all__ = ["BACKENDS", "BackendResult", "run_backend", "run_backends"]

BACKENDS = ("agentmem", "local")
DRIVER = Path(__file__).with_name("driver.py")
_SETTINGS = """\
ai_name: Archivist
ai_role: an assistant that writes the office handbook from the notes in the notes folder
ai_goals:
- Read every note in the notes folder
- Write the handbook chapters, with the facts the notes give
- Keep a work log
"""
_STEP_TIMEOUT = 60  # seconds per step, start-up included: a hung loop fails the run instead of the suite


@dataclass(frozen=True, slots=True)
class BackendResult:
    """One backend's two runs of the loop on the script.

    Attributes:
        backend: ``agentmem`` or ``local``.
        probes: every request and what the prompts after it held.
        timings: the first run's time inside memory calls.
        seconds: wall time of each run (first, restart).
        folder: the working folder (logs, workspace, memory files).
    """

    backend: str
    probes: tuple[ProbeResult, ...]
    timings: Timings
    seconds: tuple[float, ...]
    folder: Path

    def hits(self, *, run: int, window: bool = False) -> tuple[int, int]:
        """(hits, probes) of one run, for the next prompt or (``window``) any prompt in the window."""
        chosen = [p for p in self.probes if p.run == run]
        return sum(p.window_hit if window else p.next_hit for p in chosen), len(chosen)


def run_backends(
    env: AgptEnv, server: FakeOpenAI, folder: Path, *, backends: Sequence[str] = BACKENDS, parallel: bool = False,
    script: Script = SCRIPT,
) -> dict[str, BackendResult]:  # fmt: skip
    """Every backend on the same script; at the same time when ``parallel`` (timings then share the CPUs)."""
    if not parallel:
        return {b: run_backend(env, server, folder / b, backend=b, script=script) for b in backends}
    with ThreadPoolExecutor(len(backends)) as pool:
        futures = {b: pool.submit(run_backend, env, server, folder / b, backend=b, script=script) for b in backends}
        return {b: f.result() for b, f in futures.items()}


def run_backend(
    env: AgptEnv, server: FakeOpenAI, folder: Path, *, backend: str, script: Script = SCRIPT
) -> BackendResult:
    """Both runs of the loop with one backend (see the module docs)."""
    _prepare(folder, script)
    timing_file = folder / "timings.jsonl"
    prompts, seconds = [], []
    for run, steps in enumerate(script.runs):
        key = f"sk-{backend}-{run}-{time.monotonic_ns()}"
        log = server.add_run(key, [s.autogpt_reply() for s in steps])
        options = ["--continuous", "--continuous-limit", str(len(steps)), "--ai-settings", "ai_settings.yaml",
                   "--skip-news"]  # fmt: skip
        if run == 0:
            command = [str(env.python), str(DRIVER), backend, str(timing_file), *options]
        elif backend == "agentmem":
            command = [str(env.python), "-m", "agentmem.adapters.autogpt_run", *options]
        else:
            command = [str(env.python), "-m", "autogpt", *options]
        extra = {"OPENAI_API_KEY": key, "OPENAI_API_BASE": server.base_url, "AGENTMEM_DB": str(folder / "agentmem.db")}
        if backend == "local":
            extra["MEMORY_BACKEND"] = "local"
        seconds.append(_run(command, env.environ(**extra), folder, log, run=run))
        prompts.append([list(p.messages) for p in log.prompts])
    lines = [json.loads(line) for line in timing_file.read_text().splitlines() if line.strip()]
    return BackendResult(backend, tuple(probe_results(script, prompts)), timings(lines), tuple(seconds), folder)


def _prepare(folder: Path, script: Script) -> None:
    workspace = folder / "auto_gpt_workspace"
    for path, text in script.files.items():
        target = workspace / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / "ai_settings.yaml").write_text(_SETTINGS, encoding="utf-8")
    schema_file = folder / "autogpt" / "json_utils" / "llm_response_format_1.json"
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file.write_text(json.dumps(schema(), indent=2), encoding="utf-8")


def _run(command: list[str], environ: dict[str, str], folder: Path, log: RunLog, *, run: int) -> float:
    output = folder / f"autogpt-run{run}.log"
    started = time.perf_counter()
    with output.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            command, cwd=folder, env=environ, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            timeout=_STEP_TIMEOUT * (len(log.replies) + 2),
        )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0 or len(log.prompts) != len(log.replies) or log.errors:
        tail = output.read_text(encoding="utf-8", errors="replace")[-6000:]
        raise RuntimeError(
            f"Auto-GPT run {run} in {folder} failed (exit code {done.returncode}, {len(log.prompts)} of "
            f"{len(log.replies)} prompts, server errors {log.errors}):\n{tail}"
        )
    return seconds


def summary(results: dict[str, BackendResult]) -> dict[str, Any]:
    """The headline figures per backend, as plain numbers."""
    table: dict[str, Any] = {}
    for backend, result in results.items():
        hits, probes = result.hits(run=0)
        in_window, _ = result.hits(run=0, window=True)
        kept, restarts = result.hits(run=1)
        table[backend] = {
            "next_prompt": [hits, probes],
            "in_window": [in_window, probes],
            "after_restart": [kept, restarts],
            "memory_call_seconds": result.timings.memory_calls,
            "factory_seconds": result.timings.factory,
            "run_seconds": list(result.seconds),
        }
    return table
