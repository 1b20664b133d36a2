"""The real client: Auto-GPT 0.2.2 from PyPI, unmodified, running its loop with agentmem and with LocalCache.

One run of :mod:`benchmarks.agent_loop` (both backends at once, a few minutes; Auto-GPT's venv is built once
under .agpt-venv/ and cached), then the acceptance figures of the scripted agent's probes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.agent_loop.loop import BackendResult
from benchmarks.agent_loop.main import measure

pytestmark = [pytest.mark.model, pytest.mark.timeout(1500)]

# Before queries were built from intent and the relevance floor (the loop's newest message, a bare
# "Text appended successfully.", was the query): agentmem next 3/12, window 3/12, after the restart 0/4;
# LocalCache 2/12, 2/12, 0/4 (wiped). Time inside memory calls is a benchmark figure, not asserted here
# (timed on a shared machine it would be noise): `python -m benchmarks.agent_loop` reports both backends'.


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BackendResult]:
    folder: Path = tmp_path_factory.mktemp("agent-loop")
    return measure(folder, parallel=True)


def test_both_backends_ran_every_probe(loop: dict[str, BackendResult]) -> None:
    for result in loop.values():
        assert result.hits(run=0)[1] >= 12
        assert result.hits(run=1)[1] >= 4
        assert result.timings.by_call["get_relevant"][0] >= len(result.probes)


def test_localcache_forgets_at_restart(loop: dict[str, BackendResult]) -> None:
    assert loop["local"].hits(run=1)[0] == 0


def test_agentmem_puts_the_fact_in_the_next_prompt(loop: dict[str, BackendResult]) -> None:
    hits, probes = loop["agentmem"].hits(run=0)
    assert hits >= 0.9 * probes


def test_agentmem_puts_the_fact_in_every_window(loop: dict[str, BackendResult]) -> None:
    hits, probes = loop["agentmem"].hits(run=0, window=True)
    assert hits == probes


def test_agentmem_memory_survives_a_restart(loop: dict[str, BackendResult]) -> None:
    hits, probes = loop["agentmem"].hits(run=1, window=True)
    assert hits == probes
