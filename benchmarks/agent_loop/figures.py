"""What the prompts a loop sent say about its memory: was the asked-for fact in the memory block, and when.

A probe is a request step (the agent's thoughts say "I need <fact>"). Auto-GPT 0.2.2 queries memory with
its last 9 messages, 3 per step (the trigger, the reply, the command's result), so a request stays in the
query for the 3 prompts after it: the probe *hits next* when the fact's text is in the memory block of
the very next prompt, and *hits in window* when it is in the block of any of those 3.
"""

from __future__ import annotations

import ast
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.agent_loop.script import Script

__all__ = ["WINDOW_PROMPTS", "ProbeResult", "Timings", "memory_block", "probe_results", "timings"]

WINDOW_PROMPTS = 3
_BLOCK_PREFIX = "This reminds you of these events from your past:\n"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One request and what memory gave the prompts after it.

    Attributes:
        run: 0 before the restart, 1 after it.
        step: the request's step number in its run (from 0).
        fact: the asked-for fact's key.
        next_hit: the fact is in the very next prompt's memory block.
        window_hit: it is in the block of one of the :data:`WINDOW_PROMPTS` prompts after the request.
        next_rank: its position in the next block (1 = first), or None.
        next_block: how many memories the next block held.
    """

    run: int
    step: int
    fact: str
    next_hit: bool
    window_hit: bool
    next_rank: int | None
    next_block: int


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds spent inside memory calls, from the driver's timing lines.

    Attributes:
        memory_calls: every call the loop made on the memory object, summed.
        factory: the memory factory (opening the memory, and whatever it does at start).
        by_call: call name -> (count, total seconds, median seconds).
    """

    memory_calls: float
    factory: float
    by_call: dict[str, tuple[int, float, float]]


def memory_block(messages: Sequence[dict[str, Any]]) -> list[str] | None:
    """The memories in a prompt's "This reminds you of these events from your past" message, best first.

    Returns:
        The list Auto-GPT put there ([] when it was empty or trimmed to nothing); None when the prompt has
        no such message.
    """
    for message in messages:
        content = message.get("content")
        if message.get("role") == "system" and isinstance(content, str) and content.startswith(_BLOCK_PREFIX):
            payload = content[len(_BLOCK_PREFIX) :].strip()
            if not payload:
                return []
            value = ast.literal_eval(payload)
            if isinstance(value, str):
                return [value]
            return [str(v) for v in value]
    return None


def probe_results(script: Script, prompts: Sequence[Sequence[Sequence[dict[str, Any]]]]) -> list[ProbeResult]:
    """Score every probe of ``script`` on the prompts each run sent (``prompts[run][number]``: messages)."""
    results = []
    for run, step, request in script.probes():
        assert request.fact is not None
        fact = request.fact.text
        blocks = [memory_block(p) or [] for p in prompts[run][step + 1 : step + 1 + WINDOW_PROMPTS]]
        if not blocks:
            raise ValueError(f"run {run} ended before the prompt after step {step}")
        positions = [i for i, memory in enumerate(blocks[0], start=1) if fact in memory]
        results.append(
            ProbeResult(
                run=run,
                step=step,
                fact=request.fact.key,
                next_hit=bool(positions),
                window_hit=any(fact in memory for block in blocks for memory in block),
                next_rank=positions[0] if positions else None,
                next_block=len(blocks[0]),
            )
        )
    return results


def timings(lines: Sequence[dict[str, Any]]) -> Timings:
    """Sum the driver's timing lines (``{"call": name, "seconds": s}``)."""
    by_name: dict[str, list[float]] = {}
    for line in lines:
        by_name.setdefault(str(line["call"]), []).append(float(line["seconds"]))
    by_call = {name: (len(v), sum(v), statistics.median(v)) for name, v in sorted(by_name.items())}
    return Timings(
        memory_calls=sum(total for name, (_, total, _) in by_call.items() if name != "factory"),
        factory=by_call.get("factory", (0, 0.0, 0.0))[1],
        by_call=by_call,
    )
