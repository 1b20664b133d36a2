"""MemoryStore's upkeep: export and import, reflection, forgetting, index maintenance."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from agentmem.consolidation.retention import PrunePlan
from agentmem.store.importing import import_memories
from agentmem.store.namespace import StoreBase
from agentmem.store.upkeep import pending_importance, prune, reflect, restore
from agentmem.types import ExportedMemory, MemoryRecord, NamespaceStats, PruneResult, Reflection

__all__ = ["StoreUpkeep"]


class StoreUpkeep(StoreBase):
    """The methods of :class:`agentmem.MemoryStore` that move, distil, forget and maintain memories."""

    # -- export and import ------------------------------------------------------------------------

    def export_memories(self, *, vectors: bool = False) -> Iterator[ExportedMemory]:
        """Every memory of this namespace (archived ones too) in id order, with provenance.

        Args:
            vectors: include each stored vector (bit-exact), so an import needs no re-embedding.
        """
        ns = self._namespace_row()
        if ns is None:
            return
        for record, sources, blob, embedded_text in self._repository.export_rows(ns, with_vectors=vectors):
            yield ExportedMemory(record, sources, ns.model_id if vectors else None, blob, embedded_text)

    def import_memories(self, items: Iterable[ExportedMemory], *, keep_ids: bool = True) -> list[int]:
        """Restore exported memories into this namespace exactly as they were, in one transaction.

        Vectors exported with the same model are used as they are; others are embedded again (through
        the embedding cache).

        Args:
            items: exported memories (from :meth:`export_memories` or :func:`agentmem.store.jsonl.read_jsonl`).
            keep_ids: keep their ids (so references to them stay valid); False gives new ids and remaps
                provenance links.

        Returns:
            The ids of the imported memories, in order.

        Raises:
            ConfigError: an invalid item, or ``keep_ids`` with ids already used in this database.
        """
        with self._lock:
            return import_memories(
                self._parts, lambda: self._namespace_row(create=True), list(items), keep_ids=keep_ids
            )

    # -- distilling and forgetting -----------------------------------------------------------------

    def reflect(self, *, dry_run: bool = False, now: datetime | None = None) -> list[Reflection]:
        """Distil groups of related observations into reflections that replace them.

        Each reflection is stored with ``kind="reflection"``, an importance derived from its sources and
        links to them; the sources are archived (out of recall, kept in SQL, restorable). One transaction per
        reflection, and running it again never duplicates one.

        Args:
            dry_run: only say what would be made.
            now: the time recorded as the reflection's; default: the clock.
        """
        ns = self._namespace_row()
        if ns is None:
            return []
        return reflect(self._parts, ns, now=now or self._clock(), dry_run=dry_run)

    def maybe_reflect(self, *, now: datetime | None = None) -> list[Reflection]:
        """Reflect if the importances of un-reflected observations add up to the policy's threshold."""
        ns = self._namespace_row()
        if ns is None or pending_importance(self._parts, ns) < self._parts.policy.reflection.threshold:
            return []
        return self.reflect(now=now)

    def prune(
        self,
        *,
        older_than: timedelta | None = None,
        below_retention: float | None = None,
        max_active: int | None = None,
        hard: bool = False,
        dry_run: bool = True,
        now: datetime | None = None,
    ) -> PruneResult:
        """Forget what matters least: archive (or with ``hard``, delete) the memories any criterion selects.

        Retention combines importance, recency and access count (:mod:`agentmem.consolidation.retention`). A dry run
        (the default) changes nothing and lists exactly what would go.

        Args:
            older_than: memories created longer ago than this.
            below_retention: memories whose retention is below this, in [0, 1].
            max_active: keep at most this many active memories (lowest retention goes first).
            hard: delete text, vector and cached embedding for good instead of archiving.
            dry_run: only report.
            now: the time retention is measured at; default: the clock.
        """
        plan = PrunePlan(older_than, below_retention, max_active, self._parts.policy.forget_half_life)
        ns = self._namespace_row()
        if ns is None:
            return PruneResult("delete" if hard else "archive", (), (), applied=not dry_run)
        return prune(self._parts, ns, plan, now=now or self._clock(), hard=hard, dry_run=dry_run)

    def restore(self, memory_ids: Iterable[int]) -> list[int]:
        """Bring archived memories back into recall; returns the ids restored."""
        ns = self._namespace_row()
        return [] if ns is None else restore(self._parts, ns, list(memory_ids))

    def sources(self, memory_id: int) -> list[MemoryRecord]:
        """The memories a reflection was made from (archived ones included), in id order."""
        ns = self._namespace_row()
        self.get(memory_id)
        assert ns is not None
        return self._repository.get_many(ns, sorted(self._repository.sources_of(memory_id)))

    # -- maintenance ------------------------------------------------------------------------------

    def reindex(self) -> NamespaceStats:
        """Rebuild this namespace's vector index from the vectors stored in SQL (no re-embedding)."""
        with self._lock:
            ns = self._namespace_row()
            if ns is not None:
                self._replicas.rebuild(ns)
        return self.stats()

    def checkpoint(self) -> None:
        """Save this namespace's vector index to its file now (also done on close and periodically)."""
        with self._lock:
            ns = self._namespace_row()
            if ns is not None:
                self._replicas.synced(ns)
                self._replicas.checkpoint(ns)
