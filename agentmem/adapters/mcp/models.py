"""The server's wire values: what tools take and return, as frozen pydantic models.

The SDK turns these into each tool's input and output JSON schemas, validates arguments against them before
a tool runs, and the results against them before they are sent; clients validate the results again. Values
come from agentmem's frozen dataclasses through the ``of`` constructors, never built field by field twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from agentmem import (
    MemoryFilter,
    MemoryRecord,
    Message,
    NamespaceStats,
    PromptMemory,
    PruneResult,
    Reflection,
    ScoredMemory,
    Scoring,
)

__all__ = [
    "ChatMessage",
    "ContextBlock",
    "ContextEntry",
    "DeleteResult",
    "Filters",
    "MemoryPage",
    "MemoryView",
    "PruneReceipt",
    "PrunedMemory",
    "ReflectResult",
    "ReflectionView",
    "ScoredView",
    "SearchResult",
    "StatsView",
    "UpdateResult",
    "Weights",
]

FilterValue = str | int | float | bool
ListOrder = Literal["id", "created_at", "last_accessed_at", "importance", "access_count"]


class _Wire(BaseModel):
    # Frozen like agentmem's own values; unknown fields are a caller's mistake, not something to ignore.
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- inputs ---------------------------------------------------------------------------------------


class Filters(_Wire):
    """Which memories a search, context or listing may consider (applied before ranking)."""

    kinds: list[str] | None = Field(None, description="Only these kinds (e.g. ['fact', 'observation']).")
    metadata: dict[str, FilterValue | list[FilterValue]] | None = Field(
        None, description="Each key must equal the value given; a list means any of its values."
    )
    created_after: AwareDatetime | None = Field(None, description="Only memories created at or after this time.")
    created_before: AwareDatetime | None = Field(None, description="Only memories created before this time.")
    accessed_after: AwareDatetime | None = Field(None, description="Only memories last recalled at or after this.")
    accessed_before: AwareDatetime | None = Field(None, description="Only memories last recalled before this.")
    include_archived: bool = Field(
        False, description="Also consider memories archived by reflection, pruning or update."
    )

    @staticmethod
    def to_filter(filters: Filters | None) -> MemoryFilter | None:
        if filters is None:
            return None
        return MemoryFilter(
            kinds=None if filters.kinds is None else tuple(filters.kinds),
            metadata=dict(filters.metadata or {}),
            created_after=filters.created_after,
            created_before=filters.created_before,
            accessed_after=filters.accessed_after,
            accessed_before=filters.accessed_before,
            include_archived=filters.include_archived,
        )


class ChatMessage(_Wire):
    """One message of the conversation, as chat APIs carry it."""

    role: str = Field(description="user, assistant, system, or a tool's name.")
    content: str = Field(description="What the message says.")

    @staticmethod
    def to_messages(messages: Sequence[ChatMessage]) -> list[Message]:
        return [Message(m.role, m.content) for m in messages]


# -- outputs --------------------------------------------------------------------------------------


class MemoryView(_Wire):
    """One stored memory."""

    id: int
    namespace: str
    text: str
    kind: str
    importance: float = Field(description="In [0, 1].")
    created_at: datetime
    last_accessed_at: datetime = Field(description="When it was last created or recalled.")
    access_count: int = Field(description="How many times recall returned it.")
    status: Literal["active", "archived"] = Field(description="archived: kept, but out of search and recall.")
    metadata: dict[str, Any]
    superseded_by: int | None = Field(description="The memory that replaced it (an update or a reflection).")

    @classmethod
    def of(cls, record: MemoryRecord) -> MemoryView:
        return cls(
            id=record.id,
            namespace=record.namespace,
            text=record.text,
            kind=record.kind,
            importance=record.importance,
            created_at=record.created_at,
            last_accessed_at=record.last_accessed_at,
            access_count=record.access_count,
            status=record.status,
            metadata=dict(record.metadata),
            superseded_by=record.superseded_by,
        )


class ScoredView(_Wire):
    """A ranked memory and why it ranks there: score = w_rel·relevance + w_rec·recency + w_imp·importance."""

    memory: MemoryView
    score: float
    relevance: float = Field(description="Match with the query (cosine, fused with lexical matches).")
    recency: float = Field(description="Decay since last access, in [0, 1].")
    importance: float = Field(description="In [0, 1].")

    @classmethod
    def of(cls, scored: ScoredMemory) -> ScoredView:
        return cls(
            memory=MemoryView.of(scored.memory),
            score=scored.score,
            relevance=scored.relevance,
            recency=scored.recency,
            importance=scored.importance,
        )


class SearchResult(_Wire):
    """The memories that matter most for the query, best first."""

    memories: list[ScoredView]


class Weights(_Wire):
    """The weights of the score, and the recency half-life."""

    relevance: float
    recency: float
    importance: float
    recency_half_life_days: float

    @classmethod
    def of(cls, scoring: Scoring) -> Weights:
        return cls(
            relevance=scoring.relevance,
            recency=scoring.recency,
            importance=scoring.importance,
            recency_half_life_days=scoring.half_life.total_seconds() / 86_400,
        )


class ContextEntry(_Wire):
    """Why a memory is in the block: its score and the score's components (its time, kind and text are the
    block's line; kept out of here because every field is one more check for a client validating the
    result against the schema, on every call)."""

    id: int
    score: float
    relevance: float
    recency: float
    importance: float

    @classmethod
    def of(cls, scored: ScoredMemory) -> ContextEntry:
        return cls(
            id=scored.memory.id,
            score=scored.score,
            relevance=scored.relevance,
            recency=scored.recency,
            importance=scored.importance,
        )


class ContextBlock(_Wire):
    """A prompt block of the memories that matter most, within the token budget, and why each is in it."""

    text: str = Field(description="The block to put in the prompt, one memory per line, best first.")
    tokens: int = Field(description="Tokens the block takes; never more than token_budget.")
    token_budget: int
    memories: list[ContextEntry] = Field(
        description="The memories in the block, in its order (line i+1 is memories[i]), with their scores; "
        "get_memory gives the rest of a memory."
    )
    truncated_ids: list[int] = Field(description="Memories whose text was cut to fit, with a marker.")
    weights: Weights

    @classmethod
    def of(cls, block: PromptMemory, scoring: Scoring) -> ContextBlock:
        return cls(
            text=block.text,
            tokens=block.tokens,
            token_budget=block.token_budget,
            memories=[ContextEntry.of(m) for m in block.memories],
            truncated_ids=list(block.truncated_ids),
            weights=Weights.of(scoring),
        )


class MemoryPage(_Wire):
    """A page of memories."""

    memories: list[MemoryView]
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last page.")


class UpdateResult(_Wire):
    """The new version of a memory, and the old one, archived with superseded_by pointing at the new one."""

    memory: MemoryView = Field(description="The new version (its metadata.supersedes is the old id).")
    superseded: MemoryView = Field(description="The old version, archived, kept with its id for history.")


class DeleteResult(_Wire):
    """A memory deleted for good."""

    deleted: int
    namespace: str


class ReflectionView(_Wire):
    """A reflection made (or, in a dry run, that would be made) from a group of related memories."""

    id: int | None = Field(description="The reflection's memory id; null in a dry run.")
    summary: str
    sources: list[int] = Field(description="The memories it summarises (archived by it unless a dry run, except kept).")
    kept: list[int] = Field(description="Sources left active: the summary lacks names, numbers or words they hold.")

    @classmethod
    def of(cls, reflection: Reflection) -> ReflectionView:
        memory_id = None if reflection.memory is None else reflection.memory.id
        return cls(
            id=memory_id, summary=reflection.summary, sources=list(reflection.sources), kept=list(reflection.kept)
        )


class ReflectResult(_Wire):
    """What reflection made, or would make."""

    applied: bool
    reflections: list[ReflectionView]


class PrunedMemory(_Wire):
    """A memory a prune archived or deleted (or would, in a dry run)."""

    id: int
    text: str
    kind: str
    importance: float
    created_at: datetime
    retention: float = Field(description="Its retention score, in [0, 1]: the lowest go first.")


class PruneReceipt(_Wire):
    """What a prune removed, or would remove in a dry run."""

    namespace: str
    action: Literal["archive", "delete"] = Field(description="archive: restorable; delete: gone for good.")
    applied: bool = Field(description="False for a dry run: nothing changed.")
    count: int
    memories: list[PrunedMemory] = Field(description="Lowest retention first.")

    @classmethod
    def of(cls, namespace: str, result: PruneResult) -> PruneReceipt:
        pruned = [
            PrunedMemory(
                id=m.id, text=m.text, kind=m.kind, importance=m.importance, created_at=m.created_at, retention=r
            )
            for m, r in zip(result.memories, result.retention, strict=True)
        ]
        return cls(
            namespace=namespace, action=result.action, applied=result.applied, count=len(pruned), memories=pruned
        )


class StatsView(_Wire):
    """What a namespace holds and the state of its vector index."""

    namespace: str
    model_id: str
    dimensions: int
    active: int
    archived: int
    by_kind: dict[str, int]
    index_kind: str
    index_vectors: int
    vectors: int = Field(description="Vectors of active memories in SQL (index_vectors equals it when in sync).")
    sql_bytes: int
    version: int

    @classmethod
    def of(cls, stats: NamespaceStats) -> StatsView:
        return cls(
            namespace=stats.namespace,
            model_id=stats.model_id,
            dimensions=stats.dimensions,
            active=stats.active,
            archived=stats.archived,
            by_kind=dict(stats.by_kind),
            index_kind=stats.index_kind,
            index_vectors=stats.index_vectors,
            vectors=stats.vectors,
            sql_bytes=stats.sql_bytes,
            version=stats.version,
        )
