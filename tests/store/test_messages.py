"""Recall for an agent's recent messages, and for query strings longer than the embedding model reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from agentmem import Chunking, ConfigError, Embedder, MemoryStore, Message, QueryPolicy, RecallConfig
from agentmem.text.tokens import WhitespaceTokenizer, default_tokenizer
from tests.support import CountingEmbedder

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
HISTORY = [
    "Alice booked the flight to Lisbon for Friday morning at nine forty",
    "Bob said the quarterly report is due on the last Monday of June",
    "The build failed because test payments timed out after thirty seconds",
]


def open_store(url: str, tmp_path: Path, embedder: CountingEmbedder, **options: Any) -> MemoryStore:
    return MemoryStore.open(
        url, namespace="agent", embedder=embedder, index_dir=tmp_path / "idx", clock=lambda: NOW, **options
    )


@pytest.fixture
def store(tmp_path: Path, embedder: CountingEmbedder) -> Iterator[MemoryStore]:
    with open_store(str(tmp_path / "m.db"), tmp_path, embedder) as s:
        yield s


def _messages(question: str) -> list[dict[str, str]]:
    return [{"role": "user" if i % 2 else "assistant", "content": text} for i, text in enumerate(HISTORY)] + [
        {"role": "user", "content": question}
    ]


def test_memories_that_repeat_the_messages_are_left_out(
    db_url: str, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    with open_store(db_url, tmp_path, embedder) as store:
        copies = store.add_many(HISTORY)  # the loop stored its messages as it went
        others = store.add_many([f"note {i}: Alice and Bob talked about the Lisbon flight report" for i in range(12)])
        ranked = store.retrieve(_messages("when does Alice fly to Lisbon?"), k=10)
        ids = {m.memory.id for m in ranked}
        assert len(ranked) == 10 and ids <= {r.id for r in others}
        assert not ids & {r.id for r in copies}
        # The same question as a string keeps them: a string has nothing to repeat.
        as_string = store.retrieve("Alice booked the flight to Lisbon for Friday morning", k=3)
        assert as_string[0].memory.id == copies[0].id


def test_enough_other_memories_come_back_when_many_repeat(tmp_path: Path, embedder: CountingEmbedder) -> None:
    with open_store(str(tmp_path / "m.db"), tmp_path, embedder) as store:
        steps = [f"step {i}: the agent read file number {i} of the archive and summarised it" for i in range(40)]
        store.add_many(steps)
        fresh = store.add_many([f"fact {i}: the archive index lives in folder {i}" for i in range(5)])
        messages = [Message("system", s) for s in steps] + [Message("user", "where is the archive index?")]
        ranked = store.retrieve(messages, k=5)
        assert sorted(m.memory.id for m in ranked) == sorted(r.id for r in fresh)
        assert len(store.retrieve(messages, k=50)) == 5  # everything the namespace has that is new


def test_recall_spends_no_budget_on_repeats_and_touches_only_what_it_returns(
    store: MemoryStore, embedder: CountingEmbedder
) -> None:
    copies = store.add_many(HISTORY)
    fact = store.add("Alice's Lisbon flight leaves from gate B12", importance=0.9)
    block = store.recall(_messages("which gate does Alice's Lisbon flight leave from?"), token_budget=200)
    assert [m.memory.id for m in block.memories] == [fact.id]
    assert block.tokens <= 200 and "gate B12" in block.text and "Bob said" not in block.text
    untouched = {r.id: r.access_count for r in store.list_memories()}
    assert untouched[fact.id] == 1 and all(untouched[c.id] == 0 for c in copies)


def test_the_query_is_built_from_the_agents_newest_turn_without_its_wrapper(
    store: MemoryStore, embedder: CountingEmbedder
) -> None:
    store.add("anything at all")
    reply = {"thoughts": {"text": "find the port", "speak": "find the port"}, "command": {"name": "read_file"}}
    messages = [
        Message("user", "GENERATE NEXT COMMAND JSON"),
        {"role": "assistant", "content": json.dumps(reply)},
        {"role": "system", "content": "  Command read_file returned: port 8443  "},
    ]
    embedder.calls.clear()
    store.retrieve(messages, k=1)
    # One batch: the agent's newest turn (no tool name), the result after it (no label), then the older
    # messages newest first; no roles, keys or brackets.
    assert embedder.calls == [["find the port", "port 8443", messages[0].content]]


def test_messages_and_mappings_rank_alike(store: MemoryStore) -> None:
    store.add_many(["the cat is called Miso", "the dog is called Rex", "revenue grew 12 percent"])
    as_dicts = [{"role": "user", "content": "pets"}, {"role": "user", "content": "what is the cat called?"}]
    as_messages = [Message(m["role"], m["content"]) for m in as_dicts]
    assert [m.memory.id for m in store.retrieve(as_dicts, k=3)] == [
        m.memory.id for m in store.retrieve(as_messages, k=3)
    ]


def test_the_policy_decides_context_and_repeats(tmp_path: Path, embedder: CountingEmbedder) -> None:
    policy = QueryPolicy(context_messages=0, repeat_containment=None)
    with open_store(str(tmp_path / "m.db"), tmp_path, embedder, recall=RecallConfig(query=policy)) as store:
        copies = store.add_many(HISTORY)
        embedder.calls.clear()
        ranked = store.retrieve(_messages(HISTORY[1]), k=1)
        assert embedder.calls == [[HISTORY[1]]]  # the newest message alone
        assert ranked[0].memory.id == copies[1].id  # kept, although the messages repeat it


@pytest.mark.parametrize(
    "bad",
    [[], [{"role": "user"}], [{"role": "user", "content": "   "}], ["just a string in a list"], "   "],
)
def test_bad_queries_are_refused(store: MemoryStore, bad: Any) -> None:
    store.add("something")
    with pytest.raises(ConfigError):
        store.retrieve(bad, k=3)
    with pytest.raises(ConfigError):
        store.recall(bad)


def test_an_empty_namespace_still_checks_the_query(store: MemoryStore) -> None:
    assert store.retrieve([Message("user", "anything?")], k=3) == []
    with pytest.raises(ConfigError):
        store.retrieve([{"content": "no role"}], k=3)


def test_a_long_query_string_is_read_from_its_newest_window(tmp_path: Path, embedder: CountingEmbedder) -> None:
    chunking = Chunking(window=12, overlap=0, tokenizer=WhitespaceTokenizer())
    with open_store(str(tmp_path / "m.db"), tmp_path, embedder, chunking=chunking) as store:
        store.add("anything at all")
        sentences = [f"Sentence {i} talks about topic number {i} at some length here." for i in range(12)]
        query = " ".join(sentences)
        embedder.calls.clear()
        store.retrieve(query, k=1)
        (batch,) = embedder.calls
        # The newest window first, then the 8 before it; nothing is cut to the oldest part.
        assert batch[0] == sentences[-1] and batch[1:] == sentences[-2:-10:-1]
        assert all(len(text.split()) <= 12 for text in batch)


def test_a_long_query_strings_newest_sentences_lead(tmp_path: Path, embedder: CountingEmbedder) -> None:
    chunking = Chunking(window=12, overlap=0, tokenizer=WhitespaceTokenizer())
    recall = RecallConfig(query=QueryPolicy(newest_window=5))
    with open_store(str(tmp_path / "m.db"), tmp_path, embedder, chunking=chunking, recall=recall) as store:
        store.add("anything at all")
        sentences = [f"Fact {i} is here." for i in range(9)]
        embedder.calls.clear()
        store.retrieve(" ".join(sentences), k=1)
        (batch,) = embedder.calls
        # The last sentence alone (5 tokens at most), then what comes before it in 12-token windows.
        assert batch == [
            sentences[8],
            " ".join(sentences[6:8]),
            " ".join(sentences[3:6]),
            " ".join(sentences[:3]),
        ]


@pytest.mark.model
def test_a_long_query_string_is_not_cut_to_its_oldest_part(tmp_path: Path, real_embedder: Embedder) -> None:
    with MemoryStore.open(tmp_path / "real.db", embedder=real_embedder, index_dir=tmp_path / "i") as store:
        store.add_many(
            [
                "Recipe notes: the tomato sauce needs basil, garlic and a long simmer.",
                "Infrastructure: the staging server listens on port 8443, behind the VPN.",
            ]
        )
        older = " ".join(f"Step {i}: simmer the tomato sauce with basil and garlic, stirring often." for i in range(30))
        newer = " ".join(
            f"Deploy note {i}: the staging server needs its port and VPN settings checked before release."
            for i in range(12)
        )
        query = f"{older} {newer}"
        tokenizer = default_tokenizer()
        assert tokenizer.count(older) > 256 and tokenizer.count(query) > 2 * 256
        # What the model reads of the whole string: only the recipe.
        assert store.search(tokenizer.truncate(query, 254), k=1)[0].memory.text.startswith("Recipe")
        assert store.retrieve(query, k=1)[0].memory.text.startswith("Infrastructure")
