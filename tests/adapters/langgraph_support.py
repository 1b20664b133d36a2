"""What the LangGraph adapter tests share: one embedding function for both stores, and store factories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langgraph.store.memory import InMemoryStore

from agentmem import HashingEmbedder, RecallConfig, Scoring
from agentmem.adapters.langgraph import AgentMemStore

DIMS = 64
_HASHING = HashingEmbedder(DIMS)
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)

# Relevance alone, no lexical fusion, no time matching: agentmem's score is then the cosine LangGraph's
# InMemoryStore reports, so the two stores' search scores can be compared number for number.
COSINE_ONLY = RecallConfig(scoring=Scoring(relevance=1.0, recency=0.0, importance=0.0), hybrid=False, time_weight=0.0)


def embed(texts: Sequence[str]) -> list[list[float]]:
    """The embedding function both stores get (deterministic, lexical: no model to load)."""
    return [[float(x) for x in row] for row in _HASHING.embed(list(texts))]


def index_config(fields: list[str] | None = None) -> Any:
    return {"dims": DIMS, "embed": embed, "fields": fields or ["text"]}


def reference(fields: list[str] | None = None) -> InMemoryStore:
    return InMemoryStore(index=index_config(fields))


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def agentmem_store(
    tmp_path: Path, *, url: str | None = None, fields: list[str] | None = None, **options: Any
) -> AgentMemStore:
    """An AgentMemStore with the shared embedding function on ``url`` (default: a fresh SQLite file)."""
    options.setdefault("recall", COSINE_ONLY)
    return AgentMemStore(
        url or tmp_path / "memories.db", index=index_config(fields), index_dir=tmp_path / "indexes", **options
    )


def as_tuples(items: Sequence[Any] | None) -> list[tuple[tuple[str, ...], str, dict[str, Any]]]:
    return [(tuple(i.namespace), i.key, i.value) for i in items or () if i is not None]
