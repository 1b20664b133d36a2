"""The namespace binding every MemoryStore method builds on: shared parts, namespace row, model check."""

from __future__ import annotations

from agentmem.db.rows import NamespaceRow, to_epoch
from agentmem.errors import EmbedderMismatchError, MemoryNotFoundError
from agentmem.store.database import StoreParts
from agentmem.store.validation import check_namespace
from agentmem.types import MemoryRecord, NamespaceStats

__all__ = ["StoreBase"]


class StoreBase:
    """A namespace of an opened database (see :class:`agentmem.MemoryStore`)."""

    def __init__(self, parts: StoreParts, namespace: str) -> None:
        self._parts = parts
        self._repository = parts.repository
        self._replicas = parts.replicas
        self._embedding = parts.embedding
        self._embedder = parts.embedding.embedder
        self._clock = parts.clock
        self._namespace = check_namespace(namespace)
        self._ns: NamespaceRow | None = None
        self._lock = parts.lock
        existing = self._repository.namespace(self._namespace)
        if existing is not None:
            self._check_embedder(existing)
            self._ns = existing

    def _namespace_row(self, *, create: bool = False) -> NamespaceRow | None:
        if self._ns is None:
            found = self._repository.namespace(self._namespace)
            if found is None and create:
                found = self._repository.create_namespace(
                    self._namespace,
                    model_id=self._embedder.model_id,
                    dimensions=self._embedder.dimensions,
                    now=to_epoch(self._clock()),
                )
            if found is not None:
                self._check_embedder(found)
            self._ns = found
        return self._ns

    def _namespace_for_write(self) -> NamespaceRow:
        ns = self._namespace_row(create=True)
        assert ns is not None
        return ns

    def _check_embedder(self, ns: NamespaceRow) -> None:
        if (ns.model_id, ns.dimensions) != (self._embedder.model_id, self._embedder.dimensions):
            raise EmbedderMismatchError(
                namespace=ns.name,
                expected_model=ns.model_id,
                expected_dims=ns.dimensions,
                actual_model=self._embedder.model_id,
                actual_dims=self._embedder.dimensions,
            )

    def get(self, memory_id: int) -> MemoryRecord:
        """The memory with this id.

        Raises:
            MemoryNotFoundError: no such memory in this namespace.
        """
        ns = self._namespace_row()
        found = [] if ns is None else self._repository.get_many(ns, [memory_id])
        if not found:
            raise MemoryNotFoundError(memory_id, namespace=self._namespace)
        return found[0]

    def stats(self) -> NamespaceStats:
        """Counts, storage and index state of this namespace."""
        return self._parts.stats(self._namespace, self._namespace_row())
