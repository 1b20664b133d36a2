"""Every example runs offline, as a user would run it (a subprocess, the real model, a fresh home)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TIMEOUT = 600


def _run(example: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTMEM_", "OPENAI_", "MEMORY_BACKEND"))}
    # The installed `agentmem` executable must be found first, as in the user's activated venv.
    env.update(
        HF_HUB_OFFLINE="1",
        AGENTMEM_HOME=str(home),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="120",
    )
    command = ["bash", str(example)] if example.suffix == ".sh" else [sys.executable, str(example)]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, cwd=home, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{example.name} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def _examples() -> list[Path]:
    return sorted([*EXAMPLES.glob("*.py"), *EXAMPLES.glob("*.sh")])


def test_the_examples_are_all_here() -> None:
    names = {p.name for p in _examples()}
    assert {"quickstart.py", "autogpt_loop.py", "multi_agent.py", "inspect_and_prune.sh"} <= names


@pytest.mark.model
@pytest.mark.parametrize("example", _examples(), ids=lambda p: p.name)
def test_example_runs(example: Path, tmp_path: Path) -> None:
    assert _run(example, tmp_path).stdout.strip()


@pytest.mark.model
def test_autogpt_loop_remembers_across_runs(tmp_path: Path) -> None:
    first = _run(EXAMPLES / "autogpt_loop.py", tmp_path).stdout
    assert "memories at start: 0 (scripted)" in first
    assert "read_file" in first and "notes.txt: 8443" in first
    second = _run(EXAMPLES / "autogpt_loop.py", tmp_path).stdout
    assert "memories at start: 4" in second
    assert "from my long-term memory: 8443" in second and "read_file" not in second
    assert "notes.txt: 8443" in second
    steps = [line for line in second.splitlines() if line.startswith("step ")]
    assert len(steps) == 2  # write what it remembers, then stop


@pytest.mark.model
def test_multi_agent_keeps_agents_apart(tmp_path: Path) -> None:
    out = _run(EXAMPLES / "multi_agent.py", tmp_path, str(tmp_path / "agents.db")).stdout
    assert "namespaces: cook, scout" in out
    assert "all scout's own: True" in out and "all cook's own: True" in out


@pytest.mark.model
def test_inspect_script_tours_the_cli(tmp_path: Path) -> None:
    out = _run(EXAMPLES / "inspect_and_prune.sh", tmp_path).stdout
    assert "created an agentmem database" in out
    assert "added 4 memories to namespace 'shell-demo'" in out
    assert "relevance" in out and "Relevant memories:" in out
    assert "namespace 'shell-demo'" in out and "schema revision" in out
    assert "backup:" in out and "(5 memories)" in out


@pytest.mark.model
def test_langgraph_graph_remembers_across_processes(tmp_path: Path) -> None:
    """A StateGraph compiled with store=AgentMemStore, one process after the other on one SQLite file."""
    example = EXAMPLES / "langgraph_memory.py"
    first = _run(example, tmp_path, "Remember: my flight to Lisbon leaves Friday at 09:40").stdout
    assert "my flight to Lisbon" in first
    _run(example, tmp_path, "Remember: Bob prefers green tea")
    second = _run(example, tmp_path, "When does my flight leave?").stdout
    lines = [line for line in second.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and "Lisbon leaves Friday at 09:40" in lines[0]
    assert float(lines[0].split()[1]) > float(lines[1].split()[1])  # ranked by agentmem's score


@pytest.mark.model
def test_langchain_chain_reads_what_another_process_stored(tmp_path: Path) -> None:
    example = EXAMPLES / "langchain_retriever.py"
    facts = ["Alice's flight to Lisbon leaves Friday at 09:40.", "The build failed on test_payments.", "Bob likes tea."]
    assert "remembered 3 memories" in _run(example, tmp_path, *(f"--add={f}" for f in facts)).stdout
    prompt = _run(example, tmp_path, "When does Alice fly to Lisbon?").stdout
    context = [line for line in prompt.splitlines() if line.startswith("- (")]
    assert "Lisbon leaves Friday" in context[0] and prompt.rstrip().endswith("Question: When does Alice fly to Lisbon?")
