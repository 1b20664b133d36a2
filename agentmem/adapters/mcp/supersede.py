"""Updating a memory by superseding it, over the public MemoryStore API, keeping the old version as history.

The store has no update method yet, so an update is made of public calls, and ends in the state a
reflection leaves its sources in:

- the new version is added as a memory of its own (a new id, created now), carrying the old one's kind,
  importance and metadata with the changes applied, and ``metadata["supersedes"]`` = the old id;
- the old version keeps its id, text, vector, timestamps and access count, but is archived (out of search
  and recall, listed with ``include_archived``, restorable) with ``superseded_by`` = the new id.

Should another active memory already hold exactly the new text, the store strengthens that one instead of
storing a copy (its exact-duplicate policy), and it becomes the replacement, without the ``supersedes`` key.

Archiving one given memory is not public either; the old version is exported (with its vector), forgotten,
and imported again as archived under its own id. That is three transactions, not one: another process may
see neither version for a few milliseconds, and should the final import fail the old version is lost (the
error says so; the new version is stored). ``MemoryStore.update`` should replace this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentmem import AgentMemError, ConfigError, ExportedMemory, MemoryNotFoundError, MemoryRecord, MemoryStore

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

    Callers serialise updates (and deletes) of one namespace: the steps are not one transaction.

    Raises:
        MemoryNotFoundError: no such memory in the namespace.
        ConfigError: nothing to change, the memory is already archived, or a changed value is invalid
            (then nothing changed).
        AgentMemError: the new version was stored but the old one could not be archived (the message
            holds its text).
    """
    if change.empty:
        raise ConfigError("nothing to update: give text, kind, importance or metadata")
    old = store.get(memory_id)
    if old.status != "active":
        replaced = f", superseded by memory {old.superseded_by}" if old.superseded_by is not None else ""
        raise ConfigError(f"memory {memory_id} is archived{replaced}: update the memory that is current instead")
    exported = _exported(store, memory_id)
    metadata = {k: v for k, v in {**old.metadata, **(change.metadata or {})}.items() if v is not None}
    metadata[SUPERSEDES_KEY] = memory_id
    # Forgotten first, so that an unchanged text is stored as the new version instead of being folded into
    # the old one as an exact duplicate.
    store.forget(memory_id)
    try:
        new = store.add(
            old.text if change.text is None else change.text,
            importance=old.importance if change.importance is None else change.importance,
            kind=old.kind if change.kind is None else change.kind,
            metadata=metadata,
        )
    except BaseException:
        store.import_memories([exported], keep_ids=True)  # put the old version back as it was
        raise
    archived = dataclasses.replace(exported.record, status="archived", superseded_by=new.id)
    try:
        store.import_memories([dataclasses.replace(exported, record=archived)], keep_ids=True)
    except Exception as exc:
        raise AgentMemError(
            f"memory {new.id} replaced memory {memory_id}, but keeping the old version failed ({exc}); "
            "its text was: " + old.text
        ) from exc
    return Superseded(memory=new, superseded=store.get(memory_id))


def _exported(store: MemoryStore, memory_id: int) -> ExportedMemory:
    # Export runs in id order, in batches: stop as soon as the memory has been passed.
    for item in store.export_memories(vectors=True):
        if item.record.id == memory_id:
            return item
        if item.record.id > memory_id:
            break
    raise MemoryNotFoundError(memory_id, namespace=store.namespace)
