"""AgentMemRetriever (a real langchain_core BaseRetriever) and LangChainEmbedder."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.runnables import RunnableLambda

from agentmem import ConfigError, MemoryFilter, MemoryStore, NewMemory
from agentmem.adapters.langchain import AgentMemRetriever, LangChainEmbedder
from tests.adapters.langgraph_support import T0, StepClock
from tests.support import CountingEmbedder


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[MemoryStore]:
    with MemoryStore.open(
        tmp_path / "m.db", namespace="alice", embedder=CountingEmbedder(), index_dir=tmp_path / "i", clock=StepClock()
    ) as store:
        store.add_many(
            [
                NewMemory("Alice's flight to Lisbon leaves Friday at 09:40", importance=0.9, kind="fact"),
                NewMemory("Alice asked for a window seat on the Lisbon flight", metadata={"topic": "travel"}),
                NewMemory("Bob prefers green tea to coffee", metadata={"topic": "food"}),
                NewMemory("The Lisbon hotel has a pool on the roof " * 8, metadata={"topic": "travel"}),
            ]
        )
        yield store


def test_documents_carry_the_memory_and_its_score_components(memory: MemoryStore) -> None:
    retriever = AgentMemRetriever(memory=memory, k=2, touch=False)
    documents = retriever.invoke("Lisbon flight")
    ranked = memory.retrieve("Lisbon flight", k=2)
    assert [d.page_content for d in documents] == [m.memory.text for m in ranked]
    first, best = documents[0].metadata, ranked[0]
    assert (first["score"], first["relevance"], first["recency"], first["importance"]) == (
        best.score,
        best.relevance,
        best.recency,
        best.importance,
    )
    assert first["memory_id"] == best.memory.id == int(documents[0].id or 0)
    assert first["namespace"] == "alice" and first["created_at"] == T0.isoformat()
    assert documents[1].metadata["metadata"] == dict(ranked[1].memory.metadata)
    assert all(m.access_count == 0 for m in memory.list_memories())


def test_filters_token_budget_and_touch(memory: MemoryStore) -> None:
    travel = AgentMemRetriever(memory=memory, k=10, where=MemoryFilter(metadata={"topic": "travel"}), touch=False)
    assert {d.metadata["metadata"]["topic"] for d in travel.invoke("Lisbon")} == {"travel"}
    facts = AgentMemRetriever(memory=memory, k=10, where=MemoryFilter(kinds=("fact",)), touch=False)
    assert [d.metadata["kind"] for d in facts.invoke("Lisbon")] == ["fact"]
    budget = AgentMemRetriever(memory=memory, k=10, token_budget=30)
    documents = budget.invoke("Lisbon flight and hotel")
    block = memory.recall("Lisbon flight and hotel", token_budget=30, touch=False)
    assert [d.metadata["memory_id"] for d in documents] == [m.memory.id for m in block.memories]
    assert 0 < len(documents) < 4 and block.tokens <= 30
    # touch is on by default, as recall's: what was returned counts as accessed
    touched = {d.metadata["memory_id"] for d in documents}
    assert {m.id for m in memory.list_memories() if m.access_count} == touched
    assert AgentMemRetriever(memory=memory).invoke("   ") == []


def test_async_and_inside_a_runnable_chain(memory: MemoryStore) -> None:
    retriever = AgentMemRetriever(memory=memory, k=3, touch=False)
    synchronous = retriever.invoke("green tea")
    asynchronous = asyncio.run(retriever.ainvoke("green tea"))
    assert [d.page_content for d in asynchronous] == [d.page_content for d in synchronous]
    chain = retriever | RunnableLambda(lambda docs: docs[0].page_content)
    assert chain.invoke("green tea") == "Bob prefers green tea to coffee"
    assert asyncio.run(chain.ainvoke("green tea")) == "Bob prefers green tea to coffee"


class FixedEmbeddings(Embeddings):
    """LangChain embeddings of a known shape (not unit length)."""

    model = "fixed-3"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[3.0, 4.0, 0.0] if "a" in t else [0.0, 0.0, 0.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_langchain_embeddings_become_an_agentmem_embedder() -> None:
    embedder = LangChainEmbedder(FixedEmbeddings(), dimensions=3)
    vectors = embedder.embed(["a text", "xyz"])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]], rtol=1e-6)
    assert embedder.model_id.endswith("FixedEmbeddings:fixed-3") and embedder.dimensions == 3
    assert embedder.embed([]).shape == (0, 3)
    with pytest.raises(ConfigError, match="dims=4"):
        LangChainEmbedder(FixedEmbeddings(), dimensions=4).embed(["a"])
    with pytest.raises(ConfigError):
        LangChainEmbedder(FixedEmbeddings(), dimensions=0)
