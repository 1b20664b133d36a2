"""The one transaction of an add: duplicates checked, memories inserted, older versions superseded.

Everything a batch of new memories changes is written in one transaction that first bumps the namespace's
version. That UPDATE is the namespace's lock (a row lock on PostgreSQL, the write lock that ``BEGIN
IMMEDIATE`` took on SQLite), so the duplicate check that follows sees every write committed before it and
none can commit between the check and the insert: two processes adding the same text store it once.

In the transaction, in order:

1. exact repeats of active memories (and of earlier items of the batch) are found by content hash;
2. the other items are inserted; a keyed item replaces (deletes, with a tombstone) the memory holding its key;
3. items that supersede a memory retire it: archived, ``valid_to`` = the successor's ``valid_from``,
   ``superseded_by`` = the successor (which holds ``supersedes`` = the old id);
4. the repeats strengthen the memory they repeat: one more access, the higher importance, their metadata
   keys merged in (the newest value wins), the earlier creation time.

An error at any step (a superseded memory that is not active, a database failure) rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from agentmem.db.models import memories
from agentmem.db.repository import cache_put, delete_rows
from agentmem.db.rows import NamespaceRow, PendingMemory, record_from_row
from agentmem.db.transactions import RECORD_COLUMNS, bump_version, greatest, ids_in_namespace, writing
from agentmem.errors import ConfigError, MemoryNotFoundError
from agentmem.types import AddAction, MemoryRecord

__all__ = ["Committed", "commit_batch"]


@dataclass(frozen=True, slots=True)
class Committed:
    """What one batch wrote, at one version.

    Attributes:
        actions: per item: what happened, the memory as stored now, the memory it superseded (now archived).
        inserted: positions of the items stored as new memories.
        removed: ids that left the active set: deleted by key, or superseded.
        strengthened: ids of existing memories strengthened by repeats.
        version: the namespace version of the change.
    """

    actions: list[tuple[AddAction, MemoryRecord, MemoryRecord | None]]
    inserted: list[int]
    removed: list[int]
    strengthened: list[int]
    version: int


def commit_batch(
    engine: Engine, ns: NamespaceRow, pending: Sequence[PendingMemory], *, dedupe: bool, now: float, model_id: str
) -> Committed:
    """Write ``pending`` in one transaction (see the module docstring).

    ``dedupe`` folds exact repeats of unkeyed items that supersede nothing; a memory whose supersession was
    only detected (``PendingMemory.supersedes_detected``) is stored without it if its target is no longer
    active, one the caller named must be active.

    Raises:
        MemoryNotFoundError: a memory to supersede is not in the namespace (nothing written).
        ConfigError: a memory to supersede is not active, or the successor's validity starts before it.
    """
    with writing(engine) as conn:
        version = bump_version(conn, ns.id)  # the namespace's lock, before anything is read
        foldable = {p for p, m in enumerate(pending) if dedupe and m.key is None and m.supersedes is None}
        existing = _active_with_hash(conn, ns, {pending[p].content_hash for p in foldable})
        repeat_of: dict[int, tuple[int | None, int | None]] = {}  # position -> (existing id, batch position)
        first_of: dict[str, int] = {}
        fresh: list[int] = []
        for p, m in enumerate(pending):
            if p in foldable:
                if m.content_hash in existing:
                    repeat_of[p] = (existing[m.content_hash], None)
                    continue
                if m.content_hash in first_of:
                    repeat_of[p] = (None, first_of[m.content_hash])
                    continue
                first_of[m.content_hash] = p
            fresh.append(p)
        olds = _olds(conn, ns, [pending[p] for p in fresh])
        items = [_checked(pending[p], olds, ns) for p in fresh]
        stored, replaced = _insert(conn, ns, items, version, model_id=model_id, olds=olds)
        by_position = dict(zip(fresh, stored, strict=True))
        retired = _retire(conn, ns, [(r, m) for r, m in zip(stored, items, strict=True) if m.supersedes], version)
        targets = {p: _target(e, b, by_position) for p, (e, b) in repeat_of.items()}
        strengthened = _strengthen(conn, ns, [(targets[p], pending[p]) for p in sorted(repeat_of)], version, now)
    actions: list[tuple[AddAction, MemoryRecord, MemoryRecord | None]] = []
    for p in range(len(pending)):
        if p in by_position:
            record = by_position[p]
            old = None if record.supersedes is None else retired[record.supersedes]
            actions.append(("added" if old is None else "superseded", record, old))
        else:
            actions.append(("strengthened", strengthened[targets[p]], None))
    return Committed(actions, fresh, [*replaced, *retired], sorted(strengthened), version)


def _active_with_hash(conn: Connection, ns: NamespaceRow, hashes: set[str]) -> dict[str, int]:
    """Active memory id of each content hash that has one (the oldest, if several), keyed ones left out:
    a key is an identity, so a keyed memory is never the duplicate another memory folds into."""
    if not hashes:
        return {}
    rows = conn.execute(
        select(memories.c.content_hash, func.min(memories.c.id))
        .where(
            memories.c.namespace_id == ns.id,
            memories.c.status == "active",
            memories.c.key.is_(None),
            memories.c.content_hash.in_(sorted(hashes)),
        )
        .group_by(memories.c.content_hash)
    ).all()
    return {str(h): int(i) for h, i in rows}


def _olds(conn: Connection, ns: NamespaceRow, items: Sequence[PendingMemory]) -> dict[int, Any]:
    """The rows of the memories these items supersede, in the namespace."""
    wanted = sorted({m.supersedes for m in items if m.supersedes is not None})
    if not wanted:
        return {}
    rows = conn.execute(
        select(
            memories.c.id,
            memories.c.status,
            memories.c.superseded_by,
            memories.c.key,
            func.coalesce(memories.c.valid_from, memories.c.created_at).label("valid_from"),
        ).where(ids_in_namespace(wanted, ns.id))
    ).all()
    return {int(r.id): r for r in rows}


def _target(existing: int | None, position: int | None, by_position: dict[int, MemoryRecord]) -> int:
    """The memory a repeat strengthens: an active one, or the batch's first item of the same text."""
    if existing is not None:
        return existing
    assert position is not None
    return by_position[position].id


def _checked(item: PendingMemory, olds: dict[int, Any], ns: NamespaceRow) -> PendingMemory:
    """The item, or without its supersession when it was only detected and the target is gone."""
    if item.supersedes is None:
        return item
    old = olds.get(item.supersedes)
    usable = old is not None and old.status == "active" and item.valid_since >= float(old.valid_from)
    if item.supersedes_detected:
        return item if usable else replace(item, supersedes=None, supersedes_detected=False)
    if old is None:
        raise MemoryNotFoundError(item.supersedes, namespace=ns.name)
    if old.status != "active":
        by = f", superseded by memory {old.superseded_by}" if old.superseded_by is not None else ""
        raise ConfigError(f"memory {item.supersedes} is {old.status}{by}: supersede the memory that is current instead")
    if not usable:
        raise ConfigError(
            f"the new version of memory {item.supersedes} would be valid before it: give a valid_from at or "
            "after the old one's"
        )
    return item


def _insert(
    conn: Connection,
    ns: NamespaceRow,
    items: Sequence[PendingMemory],
    version: int,
    *,
    model_id: str,
    olds: dict[int, Any],
) -> tuple[list[MemoryRecord], list[int]]:
    """Insert the new memories and their embedding-cache entries.

    A keyed memory replaces the memory that holds its key (deleted with a tombstone): it keeps that memory's
    creation time, and its last access is when it was written. The key of a memory being superseded passes
    to its successor instead (the old version stays, without the key).
    """
    if not items:
        return [], []
    handed = {str(o.key): i for i, o in olds.items() if o.key is not None}
    moving = [handed[m.key] for m in items if m.key in handed and m.supersedes == handed[m.key]]
    if moving:
        conn.execute(update(memories).where(memories.c.id.in_(moving)).values(key=None))
    keys = [m.key for m in items if m.key is not None]
    held: dict[str, tuple[int, float]] = {}
    if keys:
        rows = conn.execute(
            select(memories.c.key, memories.c.id, memories.c.created_at).where(
                memories.c.namespace_id == ns.id, memories.c.key.in_(keys)
            )
        ).all()
        held = {str(r.key): (int(r.id), float(r.created_at)) for r in rows}
        if held:
            delete_rows(conn, ns, [i for i, _ in held.values()], version)
    written: list[float | None] = [None if m.key not in held else m.created_at for m in items]
    final = [m if m.key not in held else replace(m, created_at=held[m.key][1]) for m in items]
    params = [
        m.row_values(namespace_id=ns.id, version=version, written_at=w) for m, w in zip(final, written, strict=True)
    ]
    ids = conn.execute(insert(memories).returning(memories.c.id, sort_by_parameter_order=True), params).scalars().all()
    cache_put(conn, model_id, {m.cache_key: m.vectors for m in final})
    records = [
        m.record(memory_id=int(i), namespace=ns.name, version=version, written_at=w)
        for i, m, w in zip(ids, final, written, strict=True)
    ]
    return records, [i for i, _ in held.values()]


def _retire(
    conn: Connection, ns: NamespaceRow, successors: Sequence[tuple[MemoryRecord, PendingMemory]], version: int
) -> dict[int, MemoryRecord]:
    """Archive the memories the successors supersede: valid until the successor's ``valid_from``."""
    for record, item in successors:
        conn.execute(
            update(memories)
            .where(ids_in_namespace([item.supersedes or 0], ns.id), memories.c.status == "active")
            .values(status="archived", superseded_by=record.id, valid_to=item.valid_since, version=version)
        )
    old_ids = [item.supersedes for _, item in successors if item.supersedes is not None]
    if not old_ids:
        return {}
    rows = conn.execute(select(*RECORD_COLUMNS).where(ids_in_namespace(old_ids, ns.id))).all()
    return {int(r.id): record_from_row(r, namespace=ns.name) for r in rows}


def _strengthen(
    conn: Connection, ns: NamespaceRow, repeats: Sequence[tuple[int, PendingMemory]], version: int, now: float
) -> dict[int, MemoryRecord]:
    """Seen again: one more access, the higher importance, metadata merged, the earlier creation time."""
    if not repeats:
        return {}
    ids = sorted({i for i, _ in repeats})
    rows = {
        int(r.id): r
        for r in conn.execute(
            select(
                memories.c.id,
                memories.c.metadata,
                memories.c.importance,
                memories.c.created_at,
                memories.c.supersedes,
            ).where(memories.c.id.in_(ids))
        ).all()
    }
    for memory_id in ids:
        mine = [m for i, m in repeats if i == memory_id]
        row = rows[memory_id]
        metadata = dict(row.metadata)
        for m in mine:
            metadata.update(m.metadata)
        created = min([float(row.created_at), *(m.created_at for m in mine)])
        values: dict[str, Any] = {
            "access_count": memories.c.access_count + 1,
            "importance": max([float(row.importance), *(m.importance for m in mine)]),
            "last_accessed_at": greatest(conn, memories.c.last_accessed_at, now),
            "created_at": created,
            "version": version,
        }
        if metadata != dict(row.metadata):
            values["metadata"] = metadata
        if created < float(row.created_at) and row.supersedes is None:
            # Observed earlier than recorded (history added out of order): it held since then, unless it
            # is a newer version of another memory, whose validity starts where its predecessor's ends.
            values["valid_from"] = created
        conn.execute(update(memories).where(ids_in_namespace([memory_id], ns.id)).values(**values))
    found = conn.execute(select(*RECORD_COLUMNS).where(memories.c.id.in_(ids))).all()
    return {int(r.id): record_from_row(r, namespace=ns.name) for r in found}
