"""The classic Auto-GPT memory provider contract, on the real model and a real store.

From the interface's documentation: ``add(data)`` adds to memory; ``get(data)`` gets the single most
relevant; ``get_relevant(data, num_relevant=5)`` returns a list of texts, best first; ``clear()`` empties
memory; ``get_stats()`` reports what is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentmem import MemoryStore
from agentmem.adapters.autogpt import AgentMemMemory
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from agentmem.store.jsonl import memory_from_json
from agentmem.text.tokens import default_tokenizer

pytestmark = pytest.mark.model

STEPS = [
    'Assistant Reply: {"command": {"name": "google", "args": {"input": "weather in Lisbon"}}} \n'
    "Result: Lisbon is sunny, 24 degrees, light wind from the north. \nHuman Feedback: GENERATE NEXT COMMAND JSON ",
    'Assistant Reply: {"command": {"name": "read_file", "args": {"file": "config/staging.yaml"}}} \n'
    "Result: host: staging.internal port: 8443 \nHuman Feedback: GENERATE NEXT COMMAND JSON ",
    'Assistant Reply: {"command": {"name": "write_to_file", "args": {"file": "recipe.txt"}}} \n'
    "Result: Wrote a pasta carbonara recipe with eggs, pecorino and guanciale. \nHuman Feedback: y ",
    "The user's cat is called Miso and sleeps on the radiator.",
    "Quarterly revenue grew 12 percent, driven by the new subscription plan.",
]


@pytest.fixture
def memory(tmp_path: Path, real_embedder: SentenceTransformerEmbedder) -> Iterator[AgentMemMemory]:
    with AgentMemMemory(MemoryStore.open(tmp_path / "autogpt.db", namespace="autogpt", embedder=real_embedder)) as m:
        yield m


@pytest.fixture
def filled(memory: AgentMemMemory) -> AgentMemMemory:
    for step in STEPS:
        memory.add(step)
    return memory


def test_add_then_get_relevant_finds_it(filled: AgentMemMemory) -> None:
    relevant = filled.get_relevant("which port does the staging server use?", 3)
    assert isinstance(relevant, list) and 1 <= len(relevant) <= 3
    assert all(isinstance(text, str) for text in relevant)
    assert relevant[0] == STEPS[1]
    assert filled.get_relevant("what is the cat's name?")[0] == STEPS[3]
    assert len(filled.get_relevant("anything", 10)) < len(STEPS)  # only what bears on the query: no padding


def test_get_relevant_is_best_first(filled: AgentMemMemory) -> None:
    query = "how warm is it in Lisbon today?"
    relevant = filled.get_relevant(query, 5)
    assert relevant[0] == STEPS[0]
    hits = filled.store.search(query, k=5)
    assert relevant[:2] == [h.memory.text for h in hits[: min(2, len(relevant))]]


def test_get_returns_the_single_best(filled: AgentMemMemory, memory: AgentMemMemory) -> None:
    assert filled.get("did revenue go up last quarter?") == [STEPS[4]]


def test_get_on_empty_memory_is_none(memory: AgentMemMemory) -> None:
    assert memory.get("anything") is None
    assert memory.get_relevant("anything", 5) == []
    assert memory.get_relevant("   ") == []


def test_add_returns_where_it_went_and_skips_command_errors(memory: AgentMemMemory) -> None:
    answer = memory.add("The deploy finished at 14:02.")
    assert answer.startswith("Inserting data into memory at index: 1:") and "The deploy finished" in answer
    assert memory.add("Result: Command Error: read_file failed, no such file") == ""
    assert memory.get_stats()["memories"] == 1


def test_clear_empties(filled: AgentMemMemory) -> None:
    archived = memory_from_json(
        {"id": 99, "text": "an archived memory", "created_at": "2024-01-01T00:00:00+00:00", "status": "archived"}
    )
    filled.store.import_memories([archived])
    assert filled.clear() == "Obliviated"
    assert filled.get_relevant("staging port", 5) == []
    assert filled.get("cat") is None
    stats = filled.get_stats()
    assert (stats["memories"], stats["archived"], stats["index_size"]) == (0, 0, 0)
    filled.add("after the wipe")
    assert filled.get_relevant("wipe", 5) == ["after the wipe"]


def test_get_stats_reports_counts(filled: AgentMemMemory) -> None:
    stats = filled.get_stats()
    assert stats["backend"] == "agentmem" and stats["namespace"] == "autogpt"
    assert stats["memories"] == len(STEPS) and stats["archived"] == 0
    assert stats["by_kind"] == {"observation": len(STEPS)}
    assert stats["model"] == "sentence-transformers/all-MiniLM-L6-v2" and stats["dimensions"] == 384
    assert stats["index_size"] == len(STEPS) and stats["sql_bytes"] > 0


def test_get_relevant_within_returns_the_best_block_that_fits(memory: AgentMemMemory) -> None:
    notes = [
        f"Note {i}: the staging server was restarted after incident {i} because port 8443 hung." for i in range(40)
    ]
    for note in notes:
        memory.add(note)
    memory.add(STEPS[3])
    within = memory.get_relevant_within("staging server port incidents", token_budget=100)
    tokenizer = default_tokenizer()
    assert 1 < len(within) < len(notes)
    assert sum(tokenizer.count(text) for text in within) <= 100
    assert set(within) <= set(notes)
    assert within[0] == memory.get_relevant("staging server port incidents", 1)[0]
    assert len(memory.get_relevant_within("staging server port incidents", token_budget=100_000)) > len(within)


def test_get_relevant_within_cuts_a_best_memory_too_long_for_the_budget(memory: AgentMemMemory) -> None:
    long_text = "The migration plan: " + " ".join(f"step {i} moves table {i} to the new cluster." for i in range(300))
    memory.add(long_text)
    (cut,) = memory.get_relevant_within("migration plan for the new cluster", token_budget=60)
    assert cut.startswith("The migration plan: step 0") and cut.endswith("[…]")
    assert default_tokenizer().count(cut) <= 60 < default_tokenizer().count(long_text)


def _reply(text: str, reasoning: str, plan: str, command: str, args: dict[str, str]) -> dict[str, str]:
    thoughts = {"text": text, "reasoning": reasoning, "plan": plan, "criticism": "Be efficient.", "speak": text}
    return {
        "role": "assistant",
        "content": json.dumps({"thoughts": thoughts, "command": {"name": command, "args": args}}),
    }


def test_a_long_autogpt_query_is_read_from_its_newest_end(memory: AgentMemMemory) -> None:
    # Auto-GPT queries with str(last 9 messages): ~800 word pieces, newest message last. The model reads
    # only the first 256, so embedding the query as it is matches the oldest messages.
    history: list[dict[str, str]] = []
    for step in range(4):
        history.append(
            _reply(
                f"Step {step} of the recipe: simmer the tomato sauce",
                "The sauce needs basil and garlic and a long simmer to taste right.",
                "- chop garlic\n- add basil\n- simmer",
                "write_to_file",
                {"file": "recipe.txt", "text": "tomato sauce with basil and garlic"},
            )
        )
        history.append({"role": "system", "content": "Command write_to_file returned: File written to successfully."})
    history.append(
        _reply(
            "I need the port of the staging server",
            "The deploy script reads the port from the staging configuration file.",
            "- read config/staging.yaml\n- write the port to notes.txt",
            "read_file",
            {"file": "config/staging.yaml"},
        )
    )
    history.append({"role": "system", "content": "Command read_file returned: host: staging.internal port: 8443"})
    query = str(history[-9:])
    assert default_tokenizer().count(query) > 700
    memory.add("Recipe notes: tomato sauce needs basil, garlic and a long simmer.")
    memory.add("Infrastructure: the staging server's port is 8443, behind the VPN.")
    # What a plain embedding sees: the model reads the first 254 word pieces, the oldest messages.
    assert memory.store.search(default_tokenizer().truncate(query, 254), k=1)[0].memory.text.startswith("Recipe")
    assert memory.get_relevant(query, 1)[0].startswith("Infrastructure")
    assert memory.get_relevant_within(query, token_budget=2500)[0].startswith("Infrastructure")


def _step(reply: dict[str, str], result: str) -> str:
    """A step as Auto-GPT 0.2 writes it to memory."""
    return f"Assistant Reply: {reply['content']} \nResult: {result} \nHuman Feedback: GENERATE NEXT COMMAND JSON "


def test_the_newest_message_finds_a_stored_fact_not_the_copies_of_the_older_messages(
    memory: AgentMemMemory,
) -> None:
    memory.add("Infrastructure: the staging server listens on port 8443, behind the VPN.")
    memory.add("The user's cat is called Miso and sleeps on the radiator.")
    memory.add("Quarterly revenue grew 12 percent, driven by the new subscription plan.")
    # The loop at work: each step is stored as it happens and its messages stay in the history.
    history: list[dict[str, str]] = [{"role": "user", "content": "Determine which next command to use"}]
    copies = []
    for step in range(3):
        reply = _reply(
            f"Step {step}: look up which port the staging server listens on for the deploy",
            "The deploy needs the staging server's port; the wiki and the config should say.",
            "- search the wiki for the staging port\n- read config/staging.yaml",
            "google",
            {"input": f"staging server port deploy {step}"},
        )
        result = f"Command google returned: no result about the staging server port on page {step}"
        copies.append(_step(reply, result))
        memory.add(copies[-1])
        history += [
            reply,
            {"role": "system", "content": result},
            {"role": "user", "content": "GENERATE NEXT COMMAND JSON"},
        ]
    history.append({"role": "user", "content": "Which port does the staging server listen on?"})
    query = str(history[-9:])
    # Without reading the messages, their stored copies match best: they are the query's own words.
    assert memory.store.search(query, k=1)[0].memory.text in copies
    relevant = memory.get_relevant(query, 5)
    assert relevant[0] == "Infrastructure: the staging server listens on port 8443, behind the VPN."
    assert not set(relevant) & set(copies)
    assert relevant == [relevant[0]]  # the cat and the revenue bear on nothing here: no padding
    assert memory.get_relevant_within(query, token_budget=2500)[0] == relevant[0]
    assert memory.get(query) == [relevant[0]]


def test_steps_are_returned_as_stored_and_found_by_their_result(memory: AgentMemMemory) -> None:
    for step in STEPS:
        memory.add(step)
    older = [{"role": "user", "content": "GENERATE NEXT COMMAND JSON"}]
    relevant = memory.get_relevant(str([*older, {"role": "user", "content": "what port did the config give?"}]), 2)
    assert relevant[0] == STEPS[1]  # the stored string, byte for byte
    stored = memory.store.list_memories()
    assert [r.text for r in stored] == STEPS
