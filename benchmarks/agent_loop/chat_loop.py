"""The scripted agent as a custom chat loop: OpenAI-format tool calls, memory through :class:`agentmem.AgentMemory`.

No Auto-GPT here: the loop keeps an OpenAI chat history (a system prompt, then per step the assistant's
message with its ``tool_calls`` and the ``tool`` message with the result), executes the tools itself on a
workspace folder, and before each model call asks memory for the block of its prompt from the last 9
messages (``AgentMemory.context_for(messages[-9:])``). After each step it stores what happened
(``observe``). A restart closes the memory, opens it again and starts a new history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.agent_loop.figures import WINDOW_PROMPTS
from benchmarks.agent_loop.script import SCRIPT, Script

__all__ = ["SYSTEM_PROMPT", "ChatProbe", "run_chat_loop"]

SYSTEM_PROMPT = "You are Archivist, an assistant that writes the office handbook from the notes in the notes folder."
WINDOW_MESSAGES = 9


@dataclass(frozen=True, slots=True)
class ChatProbe:
    """One request of the chat loop: whether the fact was in the next block, and in any block of the window."""

    run: int
    step: int
    fact: str
    next_hit: bool
    window_hit: bool


def run_chat_loop(
    folder: Path, *, token_budget: int = 1000, script: Script = SCRIPT, **store_options: Any
) -> list[ChatProbe]:
    """Run every run of ``script`` through the chat loop in ``folder``; returns the probes.

    Args:
        folder: where the workspace and the memory database go.
        token_budget: tokens of each prompt's memory block (AgentMemory.context_for's default).
        script: the agent.
        **store_options: passed to :meth:`agentmem.AgentMemory.open` (``embedder``, ``recall``...).
    """
    from agentmem import AgentMemory

    workspace = folder / "workspace"
    for path, text in script.files.items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(text, encoding="utf-8")
    blocks: list[list[str]] = []
    for run, steps in enumerate(script.runs):
        run_blocks: list[str] = []
        with AgentMemory.open(folder / "memory.db", namespace="chat-loop", **store_options) as memory:
            messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}]
            for number, step in enumerate(steps):
                has_history = len(messages) > 1
                recent = messages[-WINDOW_MESSAGES:]
                run_blocks.append(memory.context_for(recent, token_budget=token_budget) if has_history else "")
                call = step.tool_call(f"call_{run}_{number}")
                result = _execute(workspace, step.command, step.args)
                messages += [call, {"role": "tool", "tool_call_id": call["tool_calls"][0]["id"], "content": result}]
                arguments = json.dumps(dict(step.args))
                memory.observe(f"{step.thoughts['text']} Called {step.command}({arguments}); it returned: {result}")
        blocks.append(run_blocks)
    probes = []
    for run, number, request in script.probes():
        assert request.fact is not None
        window = blocks[run][number + 1 : number + 1 + WINDOW_PROMPTS]
        fact = request.fact.text
        probes.append(ChatProbe(run, number, request.fact.key, fact in window[0], any(fact in b for b in window)))
    return probes


def _execute(workspace: Path, command: str, args: Mapping[str, str]) -> str:
    """The tools, answering as Auto-GPT 0.2.2's file commands do."""
    if command == "do_nothing":
        return "No action performed."
    if command == "search_files":
        root = workspace / args.get("directory", "")
        return str(sorted(str(p.relative_to(workspace)) for p in root.rglob("*") if p.is_file()))
    path = workspace / args["filename"]
    if command == "read_file":
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            return f"Error: {error}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if command == "write_to_file":
        path.write_text(args["text"], encoding="utf-8")
        return "File written to successfully."
    if command == "append_to_file":
        with path.open("a", encoding="utf-8") as handle:
            handle.write(args["text"])
        return "Text appended successfully."
    return f"Unknown command '{command}'."
