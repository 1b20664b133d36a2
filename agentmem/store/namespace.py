"""The namespace a store serves: its name, its SQL row once it exists, and the check of its model."""

from __future__ import annotations

from agentmem.db.repository import Repository
from agentmem.db.rows import NamespaceRow
from agentmem.errors import EmbedderMismatchError
from agentmem.store.validation import check_namespace
from agentmem.types import Embedder

__all__ = ["NamespaceBinding"]


class NamespaceBinding:
    """One namespace of an opened database, created in SQL by its first write.

    Args:
        name: the namespace (checked here).
        repository: the database.
        embedder: the embedder every vector of the namespace must come from.

    Raises:
        ConfigError: a bad name.
        EmbedderMismatchError: the namespace exists with another model or size.
    """

    def __init__(self, name: str, *, repository: Repository, embedder: Embedder) -> None:
        self.name = check_namespace(name)
        self._repository = repository
        self._embedder = embedder
        self._row: NamespaceRow | None = None
        self.row()

    def row(self) -> NamespaceRow | None:
        """The namespace's row, or None while nothing was ever written to it."""
        if self._row is None:
            found = self._repository.namespace(self.name)
            if found is not None:
                self._check_embedder(found)
            self._row = found
        return self._row

    def for_write(self, *, now: float) -> NamespaceRow:
        """The namespace's row, created now if it does not exist yet."""
        found = self.row()
        if found is None:
            found = self._repository.create_namespace(
                self.name, model_id=self._embedder.model_id, dimensions=self._embedder.dimensions, now=now
            )
            self._check_embedder(found)
            self._row = found
        return found

    def _check_embedder(self, ns: NamespaceRow) -> None:
        if (ns.model_id, ns.dimensions) != (self._embedder.model_id, self._embedder.dimensions):
            raise EmbedderMismatchError(
                namespace=ns.name,
                expected_model=ns.model_id,
                expected_dims=ns.dimensions,
                actual_model=self._embedder.model_id,
                actual_dims=self._embedder.dimensions,
            )
