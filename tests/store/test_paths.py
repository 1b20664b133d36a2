"""The scale path agrees with the exact path; hybrid search finds what embeddings blur; the index pool."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from agentmem import HashingEmbedder, MemoryStore, NewMemory, SentenceTransformerEmbedder

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
TOPICS = ["flight", "hotel", "budget", "meeting", "invoice", "garden", "server", "recipe", "concert", "doctor"]


def _memories(n: int, seed: int = 7) -> list[NewMemory]:
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n):
        words = rng.choice(TOPICS, size=3)
        items.append(
            NewMemory(
                f"note {i}: {' '.join(words)} item{i % 97}",
                importance=float(rng.uniform()),
                created_at=NOW - timedelta(hours=float(rng.uniform(0, 24 * 180))),
            )
        )
    return items


def test_scale_path_agrees_with_the_exact_path(tmp_path: Path) -> None:
    items = _memories(3000)
    results = {}
    for kind in ("faiss", "hnsw"):
        with MemoryStore.open(
            tmp_path / f"{kind}.db", embedder=HashingEmbedder(64), index=kind, clock=lambda: NOW
        ) as s:
            for start in range(0, len(items), 1000):
                s.add_many(items[start : start + 1000])
            results[kind] = [
                [m.memory.text for m in s.retrieve(f"{a} {b}", k=10)]
                for a, b in zip(TOPICS, TOPICS[3:] + TOPICS[:3], strict=True)
            ]
    overlap = [len(set(e) & set(a)) / 10 for e, a in zip(results["faiss"], results["hnsw"], strict=True)]
    assert np.mean(overlap) >= 0.95


@pytest.mark.model
def test_hybrid_finds_a_rare_code_that_embeddings_blur(
    real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    with MemoryStore.open(tmp_path / "h.db", embedder=real_embedder, clock=lambda: NOW) as store:
        store.add_many(
            [f"Booked a flight for the team offsite, reference {code}." for code in ("KX1123", "QZ7741", "LM0456")]
        )
        store.add_many([f"The flight to the conference was delayed by {h} hours." for h in range(2, 12)])
        hybrid = store.retrieve("QZ7741", k=3, hybrid=True)
        assert "QZ7741" in hybrid[0].memory.text


def test_index_pool_stays_within_its_memory_budget(tmp_path: Path) -> None:
    budget = 3 * 200 * (64 * 4 + 200)  # room for about three namespaces of 200 memories
    with MemoryStore.open(
        tmp_path / "pool.db", embedder=HashingEmbedder(64), memory_budget=budget, clock=lambda: NOW
    ) as s:
        stores = [s.with_namespace(f"agent-{i}") for i in range(8)]
        for i, store in enumerate(stores):
            store.add_many([f"agent {i} memory {j}" for j in range(200)])
        replicas = s._db.replicas
        for round_ in range(3):
            for i, store in enumerate(stores):
                assert (
                    store.search(f"agent {i} memory {round_ * 7}", k=1)[0].memory.text
                    == f"agent {i} memory {round_ * 7}"
                )
                assert replicas.memory_bytes() <= budget
        assert replicas.loaded_count() < len(stores)
