"""The Auto-GPT launcher's refusals (the launcher itself runs Auto-GPT in tests/benchmarks/test_agent_loop.py)."""

from __future__ import annotations

import importlib.util

import pytest

from agentmem import ConfigError
from agentmem.adapters import autogpt_run


@pytest.mark.skipif(importlib.util.find_spec("autogpt") is not None, reason="Auto-GPT is installed here")
def test_install_says_what_to_install_without_autogpt() -> None:
    with pytest.raises(ConfigError, match=r"pip install agpt==0\.2\.2"):
        autogpt_run.install()


@pytest.mark.parametrize("option", [["-m", "local"], ["--use-memory", "redis"], ["--use-memory=redis"]])
def test_the_launcher_refuses_another_memory(option: list[str]) -> None:
    with pytest.raises(ConfigError, match="--use-memory"):
        autogpt_run.main(["--continuous", *option])
