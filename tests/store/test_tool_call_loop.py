"""The scripted agent of the real-loop benchmark as a custom chat loop with OpenAI tool calls and AgentMemory."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.agent_loop.chat_loop import ChatProbe, run_chat_loop

pytestmark = pytest.mark.model

# Before queries were built from intent (the newest message, a bare "Text appended successfully.", was the
# query): next 2/12, window 2/12, after the restart 0/4.


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> list[ChatProbe]:
    folder: Path = tmp_path_factory.mktemp("chat-loop")
    return run_chat_loop(folder)


def test_every_request_is_probed(probes: list[ChatProbe]) -> None:
    assert sum(p.run == 0 for p in probes) >= 12
    assert sum(p.run == 1 for p in probes) >= 4


def test_the_fact_is_in_the_next_block(probes: list[ChatProbe]) -> None:
    first = [p for p in probes if p.run == 0]
    assert sum(p.next_hit for p in first) >= 0.9 * len(first)


def test_the_fact_is_in_every_window_and_after_a_restart(probes: list[ChatProbe]) -> None:
    assert all(p.window_hit for p in probes)
