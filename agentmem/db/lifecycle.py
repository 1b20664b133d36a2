"""SQL of a memory's life after it is added: strengthening, archiving, restoring, reflections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, func, insert, select, update

from agentmem.db.models import memories, memory_sources
from agentmem.db.rows import NamespaceRow, PendingMemory, record_from_row
from agentmem.db.transactions import RECORD_COLUMNS, bump_version, greatest, ids_in_namespace, writing
from agentmem.types import MemoryRecord

__all__ = ["Lifecycle"]


class Lifecycle:
    """Writes that change memories already stored. Each method is one transaction bumping the version."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def active_with_hash(self, ns: NamespaceRow, hashes: Sequence[str]) -> dict[str, int]:
        """Active memory id of each content hash that has one (the oldest, if several), keyed ones left out:
        a key is an identity, so a keyed memory is never the duplicate another memory folds into."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(memories.c.content_hash, func.min(memories.c.id))
                .where(
                    memories.c.namespace_id == ns.id,
                    memories.c.status == "active",
                    memories.c.key.is_(None),
                    memories.c.content_hash.in_(list(set(hashes))),
                )
                .group_by(memories.c.content_hash)
            ).all()
        return {str(h): int(i) for h, i in rows}

    def strengthen(
        self, ns: NamespaceRow, strengths: dict[int, float], *, when: float
    ) -> tuple[list[MemoryRecord], int]:
        """Seen again: count an access, keep the higher importance, refresh last access (not moving it back)."""
        with writing(self._engine) as conn:
            version = bump_version(conn, ns.id)
            for memory_id, importance in strengths.items():
                conn.execute(
                    update(memories)
                    .where(ids_in_namespace([memory_id], ns.id))
                    .values(
                        access_count=memories.c.access_count + 1,
                        importance=greatest(conn, memories.c.importance, importance),
                        last_accessed_at=greatest(conn, memories.c.last_accessed_at, when),
                        version=version,
                    )
                )
            rows = conn.execute(select(*RECORD_COLUMNS).where(memories.c.id.in_(list(strengths)))).all()
        return [record_from_row(r, namespace=ns.name) for r in rows], version

    def set_status(
        self, ns: NamespaceRow, ids: Sequence[int], *, status: str, only_from: str
    ) -> tuple[list[int], int | None]:
        """Move memories from ``only_from`` to ``status`` (archive or restore). Returns the ids changed."""
        with writing(self._engine) as conn:
            found = [
                int(i)
                for i in conn.execute(
                    select(memories.c.id).where(ids_in_namespace(ids, ns.id), memories.c.status == only_from)
                ).scalars()
            ]
            if not found:
                return [], None
            version = bump_version(conn, ns.id)
            values: dict[str, object] = {"status": status, "version": version}
            if status == "active":
                values["superseded_by"] = None
            conn.execute(update(memories).where(memories.c.id.in_(found)).values(**values))
        return found, version

    def reflect(
        self, ns: NamespaceRow, reflection: PendingMemory, source_ids: Sequence[int]
    ) -> tuple[MemoryRecord, list[int], int] | None:
        """Store a reflection and archive its sources, all in one transaction.

        Sources that are no longer active (another run reflected them already) are left out; with none left,
        nothing is written and None is returned, so re-running a reflection never duplicates it.

        Returns:
            the reflection, the sources it archived, and the version of the change.
        """
        with writing(self._engine) as conn:
            active = [
                int(i)
                for i in conn.execute(
                    select(memories.c.id)
                    .where(
                        ids_in_namespace(source_ids, ns.id),
                        memories.c.status == "active",
                    )
                    .order_by(memories.c.id)
                ).scalars()
            ]
            if not active:
                return None
            version = bump_version(conn, ns.id)
            reflection_id = int(
                conn.execute(
                    insert(memories).returning(memories.c.id),
                    reflection.row_values(namespace_id=ns.id, version=version),
                ).scalar_one()
            )
            conn.execute(insert(memory_sources), [{"reflection_id": reflection_id, "source_id": i} for i in active])
            conn.execute(
                update(memories)
                .where(memories.c.id.in_(active))
                .values(status="archived", superseded_by=reflection_id, version=version)
            )
        return reflection.record(memory_id=reflection_id, namespace=ns.name, version=version), active, version
