"""The agent-loop results as figures (JSON) and as a markdown report."""

from __future__ import annotations

from typing import Any

from benchmarks.agent_loop.figures import WINDOW_PROMPTS
from benchmarks.agent_loop.loop import BackendResult
from benchmarks.agent_loop.script import Script
from benchmarks.common import Figure

__all__ = ["COMMAND", "figures", "markdown"]

COMMAND = "python -m benchmarks.agent_loop"
_NAMES = {"agentmem": "agentmem (python -m agentmem.adapters.autogpt_run)", "local": "Auto-GPT's own LocalCache"}


def figures(
    results: dict[str, BackendResult], *, parallel: bool, script: Script
) -> tuple[list[Figure], dict[str, Any]]:
    """One figure per backend and measure, and the run's parameters."""
    found = []
    for backend, result in results.items():
        for name, run, window in (
            ("asked-for fact in the next prompt's memory block", 0, False),
            ("asked-for fact in a prompt while the request is in the window", 0, True),
            ("asked-for fact in the next prompt after a restart", 1, False),
        ):
            hits, probes = result.hits(run=run, window=window)
            missed = [p.fact for p in result.probes if p.run == run and not (p.window_hit if window else p.next_hit)]
            found.append(Figure(name, hits / probes, "share", {"backend": backend, "hits": hits, "probes": probes,
                                                                "missed": missed}))  # fmt: skip
        timing = result.timings
        calls = {k: {"count": n, "seconds": s, "median": m} for k, (n, s, m) in timing.by_call.items()}
        found.append(Figure("time inside memory calls", timing.memory_calls, "s", {"backend": backend, "calls": calls}))
        found.append(Figure("memory factory (start)", timing.factory, "s", {"backend": backend}))
        for run, seconds in enumerate(result.seconds):
            found.append(Figure("loop wall time", seconds, "s", {"backend": backend, "run": run}))
    parameters = {
        "client": "agpt==0.2.2 (PyPI), unmodified, continuous mode",
        "steps": [len(steps) for steps in script.runs],
        "probes": [sum(1 for p in script.probes() if p[0] == run) for run in range(len(script.runs))],
        "window_prompts": WINDOW_PROMPTS,
        "backends_in_parallel": parallel,
        "embeddings": "fake OpenAI server: bundled all-MiniLM-L6-v2, padded to 1536, long inputs as the mean of "
        "150-word windows",
        "command": COMMAND,
    }
    return found, parameters


def markdown(results: dict[str, BackendResult], *, parallel: bool) -> str:
    """The report: the headline table, then every probe."""
    lines = [
        "# The real Auto-GPT loop: agentmem against LocalCache",
        "",
        "Auto-GPT 0.2.2 from PyPI, unmodified, in continuous mode, with each memory in turn on the same scripted "
        "agent (benchmarks/agent_loop/script.py: 16 one-fact notes, 8 look-alikes, unrelated work, then requests "
        '"I need <fact>" for facts read many steps before, 4 of them after a restart of the loop). A fake '
        "OpenAI server on 127.0.0.1 plays the agent and records every prompt; embeddings for LocalCache are the "
        "bundled MiniLM's. A probe hits when the fact's text is in the prompt's memory block (\"This reminds you "
        f'of these events from your past"); the window is the {WINDOW_PROMPTS} prompts whose query (the last 9 '
        "messages) still holds the request.",
        "",
        "| backend | fact in the very next prompt's memory block | in any prompt while the request is inside "
        "the window | after a restart | time inside memory calls | memory factory (start) |",
        "|---|---|---|---|---|---|",
    ]
    for backend, result in results.items():
        nxt, window, restart = result.hits(run=0), result.hits(run=0, window=True), result.hits(run=1)
        lines.append(
            f"| {_NAMES.get(backend, backend)} | {nxt[0]}/{nxt[1]} | {window[0]}/{window[1]} | "
            f"{restart[0]}/{restart[1]} | {result.timings.memory_calls:.1f} s | {result.timings.factory:.1f} s |"
        )
    lines += [
        "",
        "Time inside memory calls: every call the loop made on its memory object in the first run (add, "
        "get_relevant, get_stats), LocalCache's including its embedding requests to the local server. The "
        "factory is the start: agentmem opens its database and loads its embedding model there."
        + (" Both backends ran at the same time, sharing two cores." if parallel else " One backend at a time."),
        "",
        "Every probe (rank in the next block, 1 = first; - = absent; block = memories in that block):",
        "",
        "| run | step | fact | " + " | ".join(f"{b}: next (rank/block), window" for b in results) + " |",
        "|---|---|---|" + "---|" * len(results),
    ]
    first = next(iter(results.values()))
    for number, probe in enumerate(first.probes):
        cells = []
        for result in results.values():
            p = result.probes[number]
            rank = "-" if p.next_rank is None else str(p.next_rank)
            cells.append(f"{'yes' if p.next_hit else 'no'} ({rank}/{p.next_block}), {'yes' if p.window_hit else 'no'}")
        lines.append(f"| {'restart' if probe.run else 'first'} | {probe.step} | {probe.fact} | {' | '.join(cells)} |")
    lines += ["", f"Reproduce: `{COMMAND}` (builds Auto-GPT's venv under .agpt-venv/ on first use).", ""]
    return "\n".join(lines)
