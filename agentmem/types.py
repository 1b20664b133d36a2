"""Values that cross the public API: frozen, slotted dataclasses, never dicts."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError

__all__ = [
    "AddOutcome",
    "Embedder",
    "ExportedMemory",
    "ImportanceScorer",
    "JSONValue",
    "MemoryFilter",
    "MemoryRecord",
    "MemoryStatus",
    "Message",
    "NamespaceStats",
    "NewMemory",
    "PromptMemory",
    "PruneResult",
    "Reflection",
    "ScoredMemory",
    "SearchHit",
    "Summarizer",
    "Tokenizer",
    "UpdateJudge",
    "content_hash",
]

JSONValue = Any
"""A value that survives a JSON round trip (str, int, float, bool, None, lists and dicts of them)."""

MemoryStatus = Literal["active", "archived"]


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    """One stored memory, as SQL holds it.

    Attributes:
        id: the memory id, unique across the database and equal to its vector index id.
        namespace: the namespace (agent or user) it belongs to.
        text: the full text.
        kind: ``observation``, ``reflection``, ``plan`` or any label the caller uses.
        importance: in [0, 1].
        created_at: when it was observed (timezone-aware, UTC).
        last_accessed_at: when it was last created or returned by recall (timezone-aware, UTC).
        access_count: how many times recall returned it.
        status: ``active`` (searchable) or ``archived`` (kept in SQL, out of the vector index).
        metadata: caller's JSON metadata.
        superseded_by: id of the memory that replaced it, if any: a newer version of it (then
            ``valid_to`` is set) or a reflection that summarises it.
        version: the namespace version of its last change.
        key: the caller's key, unique in the namespace (see :attr:`NewMemory.key`), or None.
        valid_from: when it became true (event time; ``created_at`` unless the caller said otherwise).
        valid_to: when a newer memory replaced it (the successor's ``valid_from``); None while it holds.
        supersedes: id of the memory this one replaced (``superseded_by`` of that one is this id), or None.
    """

    id: int
    namespace: str
    text: str
    kind: str
    importance: float
    created_at: datetime
    last_accessed_at: datetime
    access_count: int
    status: MemoryStatus
    metadata: Mapping[str, JSONValue]
    superseded_by: int | None
    version: int
    key: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    supersedes: int | None = None

    @property
    def superseded(self) -> bool:
        """Whether a newer version replaced it (archived, ``valid_to`` set, ``superseded_by`` the successor)."""
        return self.valid_to is not None

    @property
    def valid_since(self) -> datetime:
        """When it became true: ``valid_from``, or ``created_at`` for a record built without one."""
        return self.created_at if self.valid_from is None else self.valid_from


@dataclass(frozen=True, slots=True)
class NewMemory:
    """A memory to add with :meth:`agentmem.MemoryStore.add_many`.

    Attributes:
        text: the text to remember; must not be blank.
        importance: in [0, 1]; None lets the store decide.
        kind: a label such as ``observation``.
        metadata: JSON-serialisable metadata.
        created_at: when it was observed; defaults to the store's clock.
        embed_text: what to embed instead of ``text`` (e.g. the meaningful parts of a structured record);
            ``text`` is still what is stored, de-duplicated, searched lexically and returned.
        key: the caller's name for it, unique in the namespace (at most 255 characters), for stores that
            address memories by key (:meth:`agentmem.MemoryStore.get_by_keys`). Adding a memory whose key is
            taken replaces the memory holding it in the same transaction: the new one gets a new id and
            keeps the old one's creation time. Keyed memories are never folded as duplicates.
        valid_from: when what it says became true (event time); default: ``created_at``.
        supersedes: id of an active memory of the namespace that this one replaces (a newer value of the
            same fact): in the same transaction the old one is archived with ``valid_to`` = this one's
            ``valid_from`` and ``superseded_by`` = this one's id. Never folded as a duplicate.
    """

    text: str
    importance: float | None = None
    kind: str = "observation"
    metadata: Mapping[str, JSONValue] = field(default_factory=dict)
    created_at: datetime | None = None
    embed_text: str | None = None
    key: str | None = None
    valid_from: datetime | None = None
    supersedes: int | None = None


AddAction = Literal["added", "strengthened", "superseded"]


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What adding one memory did (:meth:`agentmem.MemoryStore.add_detailed`, :meth:`~agentmem.MemoryStore.update`).

    Attributes:
        memory: the memory as stored now: the new one, or the existing one it repeated.
        action: ``added`` (a new memory), ``strengthened`` (the exact text of an active memory: that memory
            got one more access, the higher importance, the new metadata keys merged in and the earlier
            creation time; no copy stored), or ``superseded`` (a new memory that replaced an older version
            of the same fact, given or detected).
        superseded: the replaced memory as it is now (archived, ``valid_to`` set), when ``superseded``.
        reason: why it superseded (``explicit``, or what the update detector saw), else empty.
    """

    memory: MemoryRecord
    action: AddAction
    superseded: MemoryRecord | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """One message of an agent's conversation, as chat APIs carry it; recall accepts a list of them.

    Attributes:
        role: who wrote it: ``user``, ``assistant``, ``system``, a tool's or a speaker's name.
        content: what it says (plain text, or the JSON an agent loop exchanges).
    """

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A memory found by vector similarity.

    Attributes:
        memory: the stored memory.
        relevance: cosine similarity between the query and the memory, in [-1, 1].
    """

    memory: MemoryRecord
    relevance: float


@dataclass(frozen=True, slots=True)
class NamespaceStats:
    """What a namespace holds and the state of its vector index.

    Attributes:
        namespace: the namespace name.
        model_id: the embedding model its vectors come from.
        dimensions: vector dimensions.
        version: the namespace's change counter.
        active: number of active memories.
        archived: number of archived memories.
        by_kind: active and archived memories counted by kind.
        index_kind: the vector index implementation (``faiss`` or ``exact``).
        index_size: memories held by the loaded index.
        index_version: the namespace version the loaded index reflects.
        sql_bytes: bytes of text and vectors stored in SQL for the namespace.
        vectors: vectors of the active memories in SQL (one per memory, one per chunk of a long one).
        index_vectors: vectors in the loaded index (equal to ``vectors`` when in sync).
        index_rebuilt: why the saved index file was not used and the index was rebuilt from SQL when it
            was loaded (damaged, or another database's, namespace's or state's); None when the file was
            used or there was none.
    """

    namespace: str
    model_id: str
    dimensions: int
    version: int
    active: int
    archived: int
    by_kind: Mapping[str, int]
    index_kind: str
    index_size: int
    index_version: int
    sql_bytes: int
    vectors: int
    index_vectors: int
    index_rebuilt: str | None = None


@dataclass(frozen=True, slots=True)
class ScoredMemory:
    """A memory ranked by recall, with the components of its score.

    ``score = w_rel * relevance + w_rec * recency + w_imp * importance`` (see :mod:`agentmem.ranking.scoring`).

    Attributes:
        memory: the stored memory.
        score: the combined score it was ranked by.
        relevance: relevance to the query in the units the score used (cosine, or fused with BM25).
        recency: exponential decay since last access, in [0, 1].
        importance: importance in [0, 1].
    """

    memory: MemoryRecord
    score: float
    relevance: float
    recency: float
    importance: float


@dataclass(frozen=True, slots=True)
class PromptMemory:
    """A token-budgeted block of memories, ready to put in a prompt.

    Attributes:
        text: the rendered block (stable format: timestamp, kind, text, one memory per entry).
        memories: the memories in the block, best first.
        tokens: the tokenizer's count of ``text``; never more than ``token_budget``.
        token_budget: the budget the block was built for.
        truncated_ids: ids of memories whose text was cut to fit, with a marker.
    """

    text: str
    memories: tuple[ScoredMemory, ...]
    tokens: int
    token_budget: int
    truncated_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MemoryFilter:
    """Which memories a recall or listing may consider. Applied before scoring, inside one namespace.

    Attributes:
        kinds: only these kinds (None: any).
        metadata: each key must match the value given (str, int, float, bool): a stored value equal to it,
            or a stored list holding it (``{"tags": "door"}`` matches ``tags=["door", "red"]``); a list,
            tuple or set given means "any of these".
        created_after: only memories created at or after this time.
        created_before: only memories created before this time.
        accessed_after: only memories last accessed at or after this time.
        accessed_before: only memories last accessed before this time.
        include_archived: also consider memories archived by reflection or pruning (and superseded ones).
        include_superseded: also consider memories a newer version replaced (out of recall by default).
        valid_at: only memories that held at this time (``valid_from <= valid_at < valid_to``), superseded
            ones included: what the store knew was true then (``recall(as_of=...)``).
    """

    kinds: tuple[str, ...] | None = None
    metadata: Mapping[str, JSONValue] = field(default_factory=dict)
    created_after: datetime | None = None
    created_before: datetime | None = None
    accessed_after: datetime | None = None
    accessed_before: datetime | None = None
    include_archived: bool = False
    include_superseded: bool = False
    valid_at: datetime | None = None

    @property
    def restricts_active(self) -> bool:
        """Whether it excludes some active memories (beyond choosing archived ones too)."""
        return bool(
            self.kinds is not None
            or self.metadata
            or self.created_after
            or self.created_before
            or self.accessed_after
            or self.accessed_before
            or self.valid_at
        )

    @property
    def includes_inactive(self) -> bool:
        """Whether memories out of the vector index (archived, superseded) may pass it."""
        return self.include_archived or self.include_superseded or self.valid_at is not None


@dataclass(frozen=True, slots=True)
class ExportedMemory:
    """A memory as exported: everything needed to restore it exactly, in another database too.

    Attributes:
        record: the memory (its id, namespace, timestamps, status, access count...).
        sources: ids of the memories it was made from (reflections), else empty.
        model_id: the embedding model of ``embedding``.
        embedding: its vectors as little-endian float32 bytes (one vector, or one per chunk of a long
            text, see :mod:`agentmem.text.chunking`), or None when exported without vectors (re-embedded on import).
        embedded_text: the text its vectors were computed from, when not the record's text.
    """

    record: MemoryRecord
    sources: tuple[int, ...] = ()
    model_id: str | None = None
    embedding: bytes | None = None
    embedded_text: str | None = None


@dataclass(frozen=True, slots=True)
class Reflection:
    """A summary that replaced a group of memories.

    Attributes:
        memory: the reflection (``kind="reflection"``); None in a dry run.
        summary: its text.
        sources: ids of the memories it summarises, archived by it (unless a dry run) except ``kept``.
        kept: the sources it leaves active, because the summary does not say all they said
            (:mod:`agentmem.consolidation.coverage`).
    """

    memory: MemoryRecord | None
    summary: str
    sources: tuple[int, ...]
    kept: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What a prune removed, or would remove in a dry run.

    Attributes:
        action: ``archive`` (kept in SQL, out of recall, restorable) or ``delete`` (gone for good).
        memories: the memories concerned, lowest retention first.
        retention: their retention scores, in the same order.
        applied: False for a dry run.
    """

    action: Literal["archive", "delete"]
    memories: tuple[MemoryRecord, ...]
    retention: tuple[float, ...]
    applied: bool


class Tokenizer(Protocol):
    """Counts tokens and cuts text to a number of tokens."""

    def count(self, text: str) -> int:
        """Return the number of tokens in ``text`` (no special tokens)."""
        ...

    def truncate(self, text: str, max_tokens: int) -> str:
        """Return a prefix of ``text`` whose :meth:`count` is at most ``max_tokens``."""
        ...


class ImportanceScorer(Protocol):
    """Rates how much new memories matter."""

    def score(self, texts: Sequence[str], *, context: Sequence[str] = ()) -> list[float]:
        """Return one importance in [0, 1] per text; ``context`` holds the namespace's recent memories (novelty)."""
        ...


class UpdateJudge(Protocol):
    """Decides whether a new memory restates a stored one with a changed value (a newer version of it).

    Asked on add for each new memory and its ``neighbours`` most similar active memories (cosine at least
    ``min_similarity``): a reason for each pair that is an update supersedes the stored memory.
    """

    min_similarity: float
    neighbours: int

    def judge(self, pairs: Sequence[tuple[str, str, float]]) -> list[str | None]:
        """For each ``(new text, stored text, cosine)``: why the new one updates the stored one, or None."""
        ...


class Summarizer(Protocol):
    """Distils a group of related memories into one text that can replace them."""

    def summarize(self, texts: Sequence[str], *, max_tokens: int | None = None) -> str:
        """Return one summary of ``texts`` (oldest first), at most ``max_tokens`` tokens when given."""
        ...


class Embedder(Protocol):
    """Turns texts into unit-norm float32 vectors.

    One method to implement; ``model_id`` and ``dimensions`` are recorded with each namespace so that a
    namespace is never searched with vectors from another model.
    """

    @property
    def model_id(self) -> str:
        """A stable name of the model, the same on every machine (not a local path when avoidable)."""
        ...

    @property
    def dimensions(self) -> int:
        """Length of every vector :meth:`embed` returns."""
        ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed a batch of texts.

        Args:
            texts: the texts, in order; may be empty.

        Returns:
            A C-contiguous ``(len(texts), dimensions)`` float32 array whose rows have unit L2 norm.

        Raises:
            ConfigError: ``texts`` is a bare string or holds something other than strings.
        """
        ...


def content_hash(text: str) -> str:
    """Key of a text in the embedding cache, shared by every component.

    Args:
        text: the exact text that is (or will be) embedded.

    Returns:
        The SHA-256 hex digest of the UTF-8 encoding of ``text`` (64 lower-case hex characters).

    Raises:
        ConfigError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ConfigError(f"content_hash takes a str, got {type(text).__name__}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
