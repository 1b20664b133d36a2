"""SQL of a memory's life after it is added: strengthening, archiving, restoring, reflections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, insert, select, update

from agentmem.db.models import memories, memory_sources
from agentmem.db.rows import NamespaceRow, PendingMemory
from agentmem.db.transactions import bump_version, ids_in_namespace, writing
from agentmem.types import MemoryRecord

__all__ = ["Lifecycle"]


class Lifecycle:
    """Writes that change memories already stored. Each method is one transaction bumping the version."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

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
            if status == "active":  # valid again, from now on as before (a successor keeps its link back)
                values["superseded_by"] = None
                values["valid_to"] = None
            conn.execute(update(memories).where(memories.c.id.in_(found)).values(**values))
        return found, version

    def reflect(
        self, ns: NamespaceRow, reflection: PendingMemory, source_ids: Sequence[int], *, keep: Sequence[int] = ()
    ) -> tuple[MemoryRecord, list[int], int] | None:
        """Store a reflection, link its sources and archive those not in ``keep``, all in one transaction.

        Sources that are no longer active (another run reflected them already) are left out; with none to
        archive left, nothing is written and None is returned, so re-running a reflection never duplicates it.
        Sources in ``keep`` (the summary does not say all they said) are linked but stay active.

        Returns:
            the reflection, the sources it links (``keep`` among them stay active), and the version of the change.
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
            kept = set(keep)
            archived = [i for i in active if i not in kept]
            if not archived:
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
                .where(memories.c.id.in_(archived))
                .values(status="archived", superseded_by=reflection_id, version=version)
            )
        return reflection.record(memory_id=reflection_id, namespace=ns.name, version=version), active, version
