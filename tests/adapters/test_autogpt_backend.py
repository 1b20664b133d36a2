"""Choosing and configuring the backend the way Auto-GPT's get_memory does; restarts keep memories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentmem.adapters import embedder_named
from agentmem.adapters.autogpt import AgentMemMemory, get_memory, loop_query, step_text
from agentmem.embedders.hashing import HashingEmbedder
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from agentmem.errors import ConfigError
from agentmem.types import Message


@pytest.fixture
def opened() -> Iterator[list[AgentMemMemory]]:
    """Backends a test opened, closed after it (get_memory keeps instances, like the loops' singletons)."""
    found: list[AgentMemMemory] = []
    yield found
    for memory in found:
        memory.close()


def _get(opened: list[AgentMemMemory], cfg: object | None, init: bool = False) -> AgentMemMemory:
    memory = get_memory(cfg, init=init)
    assert memory is not None
    opened.append(memory)
    return memory


def test_calling_it_chooses_agentmem_whatever_memory_backend_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opened: list[AgentMemMemory]
) -> None:
    monkeypatch.setenv("AGENTMEM_MODEL", "hashing-64")
    monkeypatch.setenv("MEMORY_BACKEND", "redis")
    memory = _get(opened, SimpleNamespace(memory_backend="local", agentmem_db=str(tmp_path / "m.db")))
    assert isinstance(memory, AgentMemMemory)
    assert _get(opened, None) is not None


def test_selected_by_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opened: list[AgentMemMemory]) -> None:
    monkeypatch.setenv("MEMORY_BACKEND", "agentmem")
    monkeypatch.setenv("AGENTMEM_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("AGENTMEM_NAMESPACE", "from-env")
    monkeypatch.setenv("AGENTMEM_MODEL", "hashing-64")
    memory = _get(opened, None)
    memory.add("stored through the environment's settings")
    stats = memory.get_stats()
    assert (stats["namespace"], stats["model"], stats["memories"]) == ("from-env", "hashing-64", 1)
    assert (tmp_path / "env.db").is_file()
    assert get_memory(SimpleNamespace(memory_backend="agentmem")) is memory  # one instance per configuration


def test_cfg_attributes_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opened: list[AgentMemMemory]
) -> None:
    monkeypatch.setenv("MEMORY_BACKEND", "local")
    monkeypatch.setenv("AGENTMEM_NAMESPACE", "from-env")
    cfg = SimpleNamespace(
        memory_backend="AgentMem",
        agentmem_db=str(tmp_path / "cfg.db"),
        agentmem_namespace="from-cfg",
        agentmem_model="hashing-32",
    )
    stats = _get(opened, cfg).get_stats()
    assert (stats["namespace"], stats["model"], stats["dimensions"]) == ("from-cfg", "hashing-32", 32)


def test_default_namespace_and_location(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opened: list[AgentMemMemory]
) -> None:
    monkeypatch.setenv("AGENTMEM_MODEL", "hashing-64")
    memory = _get(opened, SimpleNamespace(memory_backend="agentmem"))
    memory.add("x")
    assert memory.get_stats()["namespace"] == "autogpt"
    assert (tmp_path / "home" / "agentmem.db").is_file()


def test_init_keeps_memories_unless_wiping_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opened: list[AgentMemMemory]
) -> None:
    cfg = SimpleNamespace(memory_backend="agentmem", agentmem_db=str(tmp_path / "keep.db"), agentmem_model="hashing-64")
    _get(opened, cfg, init=True).add("remember me across restarts")
    assert _get(opened, cfg, init=True).get_stats()["memories"] == 1
    monkeypatch.setenv("AGENTMEM_WIPE_ON_INIT", "1")
    assert _get(opened, cfg, init=False).get_stats()["memories"] == 1  # wiping happens only on init
    assert _get(opened, cfg, init=True).get_stats()["memories"] == 0
    monkeypatch.delenv("AGENTMEM_WIPE_ON_INIT")
    memory = _get(opened, cfg, init=True)
    memory.add("again")
    wiping = SimpleNamespace(**vars(cfg), agentmem_wipe_on_init=True)
    assert _get(opened, wiping, init=True).get_stats()["memories"] == 0


def test_a_closed_backend_is_reopened(tmp_path: Path, opened: list[AgentMemMemory]) -> None:
    cfg = SimpleNamespace(memory_backend="agentmem", agentmem_db=str(tmp_path / "r.db"), agentmem_model="hashing-64")
    first = _get(opened, cfg)
    first.add("kept in SQL")
    first.close()
    second = _get(opened, cfg)
    assert second is not first and second.get_relevant("kept", 1) == ["kept in SQL"]


def test_embedder_named() -> None:
    assert isinstance(embedder_named(None), SentenceTransformerEmbedder)
    assert embedder_named(" ").model_id == "sentence-transformers/all-MiniLM-L6-v2"
    hashing = embedder_named("hashing-48")
    assert isinstance(hashing, HashingEmbedder) and hashing.dimensions == 48
    assert embedder_named("all-MiniLM-L6-v2").model_id == "sentence-transformers/all-MiniLM-L6-v2"
    for bad in ("hashing-", "hashing-0", "hashing-x"):
        with pytest.raises(ConfigError, match="hashing-<dimensions>"):
            embedder_named(bad)


def test_the_loops_message_list_is_recalled_for_as_messages() -> None:
    history = [
        {
            "role": "user",
            "content": "Determine which next command to use, and respond using the format specified above:",
        },
        {
            "role": "assistant",
            "content": json.dumps({"thoughts": {"text": 'It\'s "quoted"'}, "command": {"name": "x"}}),
        },
        {"role": "system", "content": "Command x returned: it's done\nwith 'quotes'"},
    ]
    assert loop_query(str(history)) == [Message(m["role"], m["content"]) for m in history]
    assert loop_query(json.dumps(history)) == loop_query(str(history))


@pytest.mark.parametrize(
    "query",
    [
        "which port does staging use?",
        "[{'role': 'user', 'content': 'truncated",
        "[{'role': 'user', 'content': 'x'}] plus words",
        "['just', 'strings']",
        "[{'content': 'no role'}]",
        "[]",
    ],
)
def test_anything_else_stays_a_plain_query(query: str) -> None:
    assert loop_query(query) == query


def test_a_step_is_embedded_from_its_thoughts_command_and_result() -> None:
    reply = {
        "thoughts": {
            "text": "I need the staging port",
            "reasoning": "The deploy script reads it",
            "plan": "- read config/staging.yaml",
            "criticism": "Be quick.",
            "speak": "I need the staging port",
        },
        "command": {"name": "read_file", "args": {"file": "config/staging.yaml"}},
    }
    step = (
        f"Assistant Reply: {json.dumps(reply)} \nResult: Command read_file returned: port: 8443 "
        "\nHuman Feedback: GENERATE NEXT COMMAND JSON "
    )
    assert step_text(step) == (
        "I need the staging port\nThe deploy script reads it\n- read config/staging.yaml\nBe quick.\n"
        "config/staging.yaml\nport: 8443"
    )
    typed = step.replace("GENERATE NEXT COMMAND JSON", "use the VPN host instead")
    typed_text = step_text(typed)
    assert typed_text is not None and typed_text.endswith("port: 8443\nuse the VPN host instead")
    prose = "Assistant Reply: I will think first. \nResult: None \nHuman Feedback: y "
    assert step_text(prose) == "I will think first.\nNone"
    for other in ("The user's cat is called Miso.", "Assistant Reply: no result part", "Result: x \nHuman Feedback: y"):
        assert step_text(other) is None


_RESTART = r"""
import json, sys
from agentmem.adapters.autogpt import get_memory
memory = get_memory(None, init=True)
print(json.dumps({"stats": memory.get_stats(), "relevant": memory.get_relevant(sys.argv[1], 2)}))
memory.close()
"""


@pytest.mark.model
def test_a_restarted_process_recalls_the_first_ones_memories(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, real_embedder: SentenceTransformerEmbedder
) -> None:
    settings = {"MEMORY_BACKEND": "agentmem", "AGENTMEM_DB": str(tmp_path / "agent.db"), "AGENTMEM_NAMESPACE": "bot"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    first = get_memory(None, init=True)
    assert first is not None
    first.add("Assistant Reply: read config/staging.yaml \nResult: host: staging.internal port: 8443 ")
    first.add("Assistant Reply: google weather \nResult: Lisbon is sunny today ")
    first.close()

    env = {**os.environ, **settings, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _RESTART, "which port does staging listen on?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["stats"]["memories"] == 2  # init=True did not wipe
    assert "port: 8443" in answer["relevant"][0]
