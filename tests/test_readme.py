"""README's agent-loop snippets run as written: each Python block, in a fresh folder, as a user would paste it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Auto-GPT and other agent loops"


def _snippets() -> list[str]:
    text = README.read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_section_has_its_snippets() -> None:
    assert len(_snippets()) == 2
    assert "python -m agentmem.adapters.autogpt_run" in README.read_text()  # run by tests/benchmarks/test_agent_loop.py


@pytest.mark.model
@pytest.mark.parametrize("number", range(2))
def test_snippet_runs_as_written_and_recalls_the_asked_for_fact(number: int, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTMEM_", "OPENAI_", "MEMORY_BACKEND"))}
    env.update(HF_HUB_OFFLINE="1", AGENTMEM_HOME=str(tmp_path / "home"))
    done = subprocess.run(
        [sys.executable, "-c", _snippets()[number]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "The door code of the Lisbon office is 4417." in done.stdout
