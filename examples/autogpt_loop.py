"""An Auto-GPT-style think-act loop whose long-term memory is agentmem, and survives restarts.

    python examples/autogpt_loop.py        # run it twice: the second run starts from what the first learned

Each step does what Auto-GPT 0.2 does: ask memory for what is relevant to the last messages, think, run
the chosen command, and store "Assistant Reply / Result / Human Feedback" as one memory. The memory comes
from agentmem's get_memory(cfg, init=True), as Auto-GPT's own factory would hand it out, and start-up does
not wipe it. (To run the real Auto-GPT 0.2.2 with agentmem: python -m agentmem.adapters.autogpt_run.)

Thinking: with OPENAI_BASE_URL and OPENAI_API_KEY set (any OpenAI-compatible server; OPENAI_MODEL picks the
model), an LLM chooses each command. Otherwise a scripted, deterministic policy does, so it runs anywhere.
Memory lives in $AGENTMEM_DB, else $AGENTMEM_HOME/agentmem.db (./.agentmem/agentmem.db), namespace
$AGENTMEM_NAMESPACE or "autogpt". Inspect it with `agentmem -n autogpt ls`.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from typing import Any

from agentmem.adapters.autogpt import AgentMemMemory, get_memory

GOAL = "Find the port the staging server listens on and write it to notes.txt."
# The tools act on a small simulated workspace, fresh at every run: only memory carries over.
FILES = {
    "README.md": "Runbook: each environment's settings live in config/<environment>.yaml.",
    "config/prod.yaml": "host: prod.internal\nport: 443\n",
    "config/staging.yaml": "host: staging.internal\nport: 8443\n",
}
COMMANDS = {
    "list_files": "list the workspace's files, args: {}",
    "read_file": 'read a file, args: {"path": "<path>"}',
    "write_file": 'write a file, args: {"path": "<path>", "text": "<text>"}',
    "task_complete": 'stop: the goal is met, args: {"reason": "<why>"}',
}
MAX_STEPS = 8
TOKEN_BUDGET = 2500  # what Auto-GPT leaves for memories in its prompt


class Config:
    """Auto-GPT's Config as the backend reads it: agentmem_* attributes, else AGENTMEM_* variables."""


def main() -> None:
    memory = get_memory(Config(), init=True)
    with memory:
        run(memory, think=llm_policy if llm_configured() else scripted_policy)


def run(memory: AgentMemMemory, think: Any) -> None:
    print(f"goal: {GOAL}")
    print(f"memories at start: {memory.get_stats()['memories']} ({'an LLM' if think is llm_policy else 'scripted'})")
    workspace = dict(FILES)
    history: list[dict[str, str]] = []
    for step in range(1, MAX_STEPS + 1):
        # Auto-GPT asks with the last 9 messages; before the first message there is only the goal.
        query = str(history[-9:]) if history else GOAL
        relevant = memory.get_relevant_within(query, token_budget=TOKEN_BUDGET)
        reply = think(relevant, history)
        name, args = reply["command"]["name"], reply["command"].get("args", {})
        result = execute(workspace, name, args)
        print(f"step {step}: recalled {len(relevant)} | {reply['thoughts']} | {name} {json.dumps(args)} -> {result}")
        history.append({"role": "assistant", "content": json.dumps(reply)})
        history.append({"role": "system", "content": f"Command {name} returned: {result}"})
        memory.add(
            f"Assistant Reply: {json.dumps(reply)} \nResult: {result} \nHuman Feedback: GENERATE NEXT COMMAND JSON "
        )
        if name == "task_complete":
            break
    print(f"notes.txt: {workspace.get('notes.txt', '(not written)')}")
    print(f"memories now: {memory.get_stats()['memories']}: run again and the next run starts from them")


def execute(workspace: dict[str, str], name: str, args: dict[str, str]) -> str:
    if name == "list_files":
        return ", ".join(sorted(workspace))
    if name == "read_file":
        found = workspace.get(args.get("path", ""))
        return " ".join(found.split()) if found is not None else f"Command Error: no such file {args.get('path')!r}"
    if name == "write_file":
        workspace[args["path"]] = args["text"]
        return f"wrote {args['path']}"
    if name == "task_complete":
        return args.get("reason", "done")
    return f"Command Error: unknown command {name!r}"


def scripted_policy(relevant: list[str], history: list[dict[str, str]]) -> dict[str, Any]:
    """A deterministic stand-in for the LLM: explore until the port is known (from memory or this run)."""
    done = [json.loads(m["content"])["command"]["name"] for m in history if m["role"] == "assistant"]
    if "write_file" in done:
        return _reply("notes.txt holds the staging port", "task_complete", reason="the staging port is in notes.txt")
    port, source = _known_port([m["content"] for m in history]), "what I just read"
    if port is None:
        port, source = _known_port(relevant), "my long-term memory"
    if port is not None:
        return _reply(f"I know the staging port from {source}: {port}", "write_file", path="notes.txt", text=port)
    if "list_files" not in done:
        return _reply("I do not know where the settings are; look around", "list_files")
    return _reply("the staging settings should be in config/staging.yaml", "read_file", path="config/staging.yaml")


def _known_port(texts: list[str]) -> str | None:
    for text in texts:
        found = re.search(r"staging\.internal port: (\d+)", text)
        if found:
            return found.group(1)
    return None


def _reply(thoughts: str, command: str, **args: str) -> dict[str, Any]:
    return {"thoughts": thoughts, "command": {"name": command, "args": args}}


def llm_configured() -> bool:
    return bool(os.environ.get("OPENAI_BASE_URL") and os.environ.get("OPENAI_API_KEY"))


def llm_policy(relevant: list[str], history: list[dict[str, str]]) -> dict[str, Any]:
    """Ask an OpenAI-compatible chat endpoint for the next command, in Auto-GPT's JSON reply format."""
    commands = "\n".join(f"- {name}: {usage}" for name, usage in COMMANDS.items())
    system = (
        f"You are an autonomous agent. Goal: {GOAL}\nCommands:\n{commands}\n"
        f"This reminds you of these events from your past:\n{relevant}\n"
        'Respond only with JSON: {"thoughts": "<one sentence>", "command": {"name": "<command>", "args": {...}}}'
    )
    body = {
        "model": os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
        "messages": [
            {"role": "system", "content": system},
            *history[-9:],
            {"role": "user", "content": "Next command?"},
        ],
        "temperature": 0,
    }
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        content = json.load(response)["choices"][0]["message"]["content"]
    try:
        reply: dict[str, Any] = json.loads(content[content.index("{") : content.rindex("}") + 1])
        if not isinstance(reply["command"]["name"], str):
            raise TypeError("command name")
    except (ValueError, KeyError, TypeError):
        return _reply(
            f"(unparsable reply: {content[:80]!r})", "task_complete", reason="the model did not answer in JSON"
        )
    reply.setdefault("thoughts", "")
    return reply


if __name__ == "__main__":
    main()
