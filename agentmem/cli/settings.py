"""What the global options select (database, namespace, model) and how commands open the store with it.

Commands that embed nothing must never load the model: they open the store with the configured embedder
(constructing one loads nothing), and when a namespace was built with another model they stand in for it
with :class:`NamespaceModel`, which knows the model's name and size but refuses to embed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import typer
from numpy.typing import NDArray

from agentmem import (
    ConfigError,
    Embedder,
    EmbedderMismatchError,
    MemoryStore,
    NamespaceStats,
    RecallConfig,
    database_location,
)
from agentmem.adapters import embedder_named

__all__ = ["NamespaceModel", "Settings", "settings_of", "stats_of"]


@dataclass(frozen=True, slots=True)
class Settings:
    """The global options of one ``agentmem`` invocation.

    Attributes:
        db: the ``--db`` path or URL, None for the store's default location.
        namespace: the ``--namespace`` (``default`` when not given).
        namespace_given: whether ``--namespace``/``AGENTMEM_NAMESPACE`` was given (``import`` keeps the
            exported namespaces otherwise).
        model: the ``--model`` name, None for the bundled default.
        recall: the recall defaults the store is opened with (``recall --explain`` prints its weights).
    """

    db: str | None
    namespace: str = "default"
    namespace_given: bool = False
    model: str | None = None
    recall: RecallConfig = field(default_factory=RecallConfig)

    def embedder(self) -> Embedder:
        return embedder_named(self.model)

    def where(self) -> str:
        """The database for messages: a file path, or the URL without its password."""
        return database_location(self.db)[0]

    def sqlite_file(self) -> Path | None:
        return database_location(self.db)[1]

    def check_location(self) -> None:
        """Refuse a ``--db`` that cannot be meant: a directory, or a file in a folder that does not exist (a
        typo would otherwise create a new, empty database somewhere). The default location is created.

        Raises:
            ConfigError: what is wrong with the path, and what to give instead.
        """
        path = self.sqlite_file()
        if path is None or self.db is None:
            return
        if path.is_dir():
            raise ConfigError(f"--db {path} is a directory: give a database file, such as {path / 'agentmem.db'}")
        if not path.parent.is_dir():
            raise ConfigError(
                f"--db {path}: the folder {path.parent} does not exist; create it first or fix the path "
                "(a new database is only created in an existing folder)"
            )

    def require_database(self) -> None:
        """Refuse to read a SQLite database that does not exist rather than create an empty one.

        Raises:
            ConfigError: the SQLite file does not exist.
        """
        path = self.sqlite_file()
        if path is not None and not path.exists():
            raise ConfigError(f"no agentmem database at {path}: create one with `agentmem init` or `agentmem add`")

    @contextmanager
    def store(self, *, embeds: bool, namespace: str | None = None) -> Iterator[MemoryStore]:
        """Open the store for one command and close it after.

        Args:
            embeds: the command may embed text. If not, the database must already exist, its schema is
                only validated (a read never migrates), and a namespace built with another model is read
                with a :class:`NamespaceModel` standing in for that model.
            namespace: another namespace than ``--namespace``.

        Raises:
            ConfigError: a bad path, URL or model, or (reading) no database at a SQLite path.
            SchemaOutOfDateError: reading a database whose schema needs ``agentmem migrate``.
            EmbedderMismatchError: an embedding command on a namespace built with another model.
        """
        name = namespace or self.namespace
        self.check_location()
        embedder = self.embedder()  # a bad --model is reported first, whatever the command
        if not embeds:
            self.require_database()
        migrate: Literal["apply", "validate"] = "apply" if embeds else "validate"
        try:
            store = MemoryStore.open(self.db, namespace=name, embedder=embedder, migrate=migrate, recall=self.recall)
        except EmbedderMismatchError as exc:
            if embeds:
                raise
            store = MemoryStore.open(
                self.db, namespace=name, embedder=NamespaceModel.of(exc), migrate=migrate, recall=self.recall
            )
        try:
            yield store
        finally:
            store.close()


class NamespaceModel:
    """Stands in for a namespace's embedding model in commands that embed nothing.

    Args:
        model_id: the model the namespace was built with.
        dimensions: its vector length.
    """

    def __init__(self, model_id: str, dimensions: int) -> None:
        self._model_id = model_id
        self._dimensions = dimensions

    @classmethod
    def of(cls, mismatch: EmbedderMismatchError) -> NamespaceModel:
        return cls(mismatch.expected_model, mismatch.expected_dims)

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Refuse: reaching this is a bug in a command that promised to embed nothing."""
        if not texts:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        raise ConfigError(f"this command does not embed text; use --model {self._model_id} to embed with it")


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the global options stored on the root context."""
    found = ctx.find_object(Settings)
    if found is None:  # only a command invoked without the app's callback
        raise ConfigError("agentmem commands must run through the agentmem app")
    return found


def stats_of(store: MemoryStore, settings: Settings, name: str) -> NamespaceStats:
    """Statistics of namespace ``name`` of ``store``'s database, whichever model built it (nothing embeds)."""
    if name == store.namespace:
        return store.stats()
    try:
        # A sibling shares the store's connections and indexes: it must not be closed on its own.
        return store.with_namespace(name).stats()
    except EmbedderMismatchError:
        with settings.store(embeds=False, namespace=name) as other:
            return other.stats()
