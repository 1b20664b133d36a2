"""Updating a memory by superseding it, keeping the old version as history: ``MemoryStore.update``.

The new version is a memory of its own (a new id, created now), carrying the old one's kind, importance and
metadata with the changes applied, ``supersedes`` = the old id, and, for clients that read only metadata,
``metadata["supersedes"]`` = the old id. The old version keeps its id, text, vector, timestamps and access
count, and is archived (out of search and recall, listed with ``include_archived``) with ``superseded_by`` =
the new id and ``valid_to`` = the new version's ``valid_from``. Both happen in one transaction, or neither:
another process sees the old version or the new one, never both or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentmem import ConfigError, MemoryRecord, MemoryStore

__all__ = ["SUPERSEDES_KEY", "Change", "Superseded", "supersede"]

SUPERSEDES_KEY = "supersedes"
"""Metadata key of a new version that holds the id of the memory it replaced."""


@dataclass(frozen=True, slots=True)
class Change:
    """What an update changes; None leaves a field as it was.

    Attributes:
        text: the new text.
        kind: the new kind.
        importance: the new importance, in [0, 1].
        metadata: keys to set; a None value removes the key.
    """

    text: str | None = None
    kind: str | None = None
    importance: float | None = None
    metadata: Mapping[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return self.text is None and self.kind is None and self.importance is None and not self.metadata


@dataclass(frozen=True, slots=True)
class Superseded:
    """The outcome of an update.

    Attributes:
        memory: the new version.
        superseded: the old version as it is now: archived, ``superseded_by`` the new version.
    """

    memory: MemoryRecord
    superseded: MemoryRecord


def supersede(store: MemoryStore, memory_id: int, change: Change) -> Superseded:
    """Replace active memory ``memory_id`` of ``store``'s namespace by a new version with ``change`` applied.

    Raises:
        MemoryNotFoundError: no such memory in the namespace.
        ConfigError: nothing to change, the memory is already archived, or a changed value is invalid
            (then nothing changed).
    """
    if change.empty:
        raise ConfigError("nothing to update: give text, kind, importance or metadata")
    done = store.update(
        memory_id,
        change.text,
        importance=change.importance,
        kind=change.kind,
        metadata={**(change.metadata or {}), SUPERSEDES_KEY: memory_id},
    )
    assert done.superseded is not None  # an update always supersedes (or raises)
    return Superseded(memory=done.memory, superseded=done.superseded)
