"""AgentMemory, the facade for custom agent loops: observe, then context_for a goal."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from agentmem import AgentMemory, ConfigError, HashingEmbedder
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from agentmem.text.tokens import WhitespaceTokenizer


def _open(path: Path, namespace: str = "scout") -> AgentMemory:
    return AgentMemory.open(path, namespace=namespace, embedder=HashingEmbedder(64), tokenizer=WhitespaceTokenizer())


def test_observe_stores_what_it_is_given(tmp_path: Path) -> None:
    when = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    with _open(tmp_path / "a.db") as memory:
        record = memory.observe(
            "The north gate is guarded at night.", importance=0.8, kind="fact", metadata={"where": "north"}, when=when
        )
        assert (record.text, record.kind, record.importance) == ("The north gate is guarded at night.", "fact", 0.8)
        assert record.metadata == {"where": "north"} and record.created_at == when
        assert record.namespace == memory.namespace == "scout"
        assert memory.store.get(record.id) == record
        assert memory.observe("plain").kind == "observation"


def test_context_for_is_the_recall_block_within_budget(tmp_path: Path) -> None:
    with _open(tmp_path / "a.db") as memory:
        assert memory.context_for("anything") == ""
        memory.observe("The north gate is guarded at night by two soldiers.")
        memory.observe("The market sells saffron on Tuesdays.")
        memory.observe("The east gate opens at dawn for merchant caravans.")
        block = memory.context_for("which gate is guarded at night?", token_budget=30)
        lines = block.splitlines()
        assert lines[0] == "Relevant memories:" and lines[1].endswith(
            "The north gate is guarded at night by two soldiers."
        )
        assert len(block.split()) <= 30
        # Only what bears on the question: the saffron market is no padding.
        whole = memory.context_for("which gate is guarded at night?", token_budget=1000)
        assert "north gate" in whole and "saffron" not in whole


def test_context_for_recent_messages_leaves_out_what_they_already_say(tmp_path: Path) -> None:
    with _open(tmp_path / "a.db") as memory:
        memory.observe("The north gate is guarded at night by two soldiers.")
        memory.observe("The east gate opens at dawn for merchant caravans.")
        messages = [
            {"role": "assistant", "content": "The east gate opens at dawn for merchant caravans."},
            {"role": "user", "content": "which gate is guarded at night?"},
        ]
        lines = memory.context_for(messages).splitlines()
        assert lines[1:] and lines[1].endswith("The north gate is guarded at night by two soldiers.")
        assert not any("east gate" in line for line in lines)  # the loop's prompt has it already


def test_context_for_errors(tmp_path: Path) -> None:
    with _open(tmp_path / "a.db") as memory:
        memory.observe("x")
        with pytest.raises(ConfigError):
            memory.context_for("  ")
        with pytest.raises(ConfigError):
            memory.context_for("x", token_budget=-1)
        with pytest.raises(ConfigError):
            memory.observe("x", importance=1.5)


def test_agents_sharing_a_database_are_isolated(tmp_path: Path) -> None:
    with _open(tmp_path / "shared.db", "scout") as scout, _open(tmp_path / "shared.db", "cook") as cook:
        scout.observe("The north gate is guarded at night.")
        cook.observe("The stew needs more salt.")
        assert "stew" not in scout.context_for("the stew and the gate")
        assert "gate" not in cook.context_for("the stew and the gate")
        assert sorted(scout.store.namespaces()) == ["cook", "scout"]


def test_memories_persist_across_opens(tmp_path: Path) -> None:
    with _open(tmp_path / "a.db") as memory:
        memory.observe("A merchant caravan arrives every Tuesday.")
    with _open(tmp_path / "a.db") as memory:
        assert "caravan" in memory.context_for("when does the merchant caravan arrive?")


@pytest.mark.model
def test_context_for_ranks_by_meaning_with_the_real_model(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder
) -> None:
    with AgentMemory.open(tmp_path / "real.db", namespace="pet", embedder=real_embedder) as memory:
        memory.observe("The cat sat on the mat by the fireplace.")
        memory.observe("The quarterly revenue grew by twelve percent.")
        memory.observe("Bob prefers green tea to coffee.")
        lines = memory.context_for("a kitten sleeping on a rug", token_budget=1000).splitlines()
        assert lines[1].endswith("The cat sat on the mat by the fireplace.")
