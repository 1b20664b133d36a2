"""Where a database is and what its schema is at: what ``agentmem init``, ``migrate`` and ``doctor`` report.

Public through :mod:`agentmem` (:func:`database_schema`, :func:`migrate_database`), so the CLI needs no
database internals.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from agentmem.db.engine import open_engine, resolve_url
from agentmem.db.migrate import current_revision, ensure_schema, head_revision, integrity_problems, schema_differences

__all__ = ["DatabaseSchema", "database_location", "database_schema", "migrate_database"]


@dataclass(frozen=True, slots=True)
class DatabaseSchema:
    """The schema state of one database.

    Attributes:
        location: the database for messages: a SQLite file path, or the URL without its password.
        revision: the migration the database is at; None for a database agentmem never touched.
        head: the migration this version of agentmem expects.
        differences: what differs between the database's tables and agentmem's models (checked only when
            asked for and the database is at head; empty when they agree).
        integrity: what SQLite's integrity check finds wrong with the file (checked only when asked for;
            empty when it is sound, and on PostgreSQL).
    """

    location: str
    revision: str | None
    head: str
    differences: tuple[str, ...] = ()
    integrity: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def database_location(path_or_url: str | os.PathLike[str] | None) -> tuple[str, Path | None]:
    """The database for messages (a file path, or the URL without its password), and its SQLite file.

    Args:
        path_or_url: a SQLite path, a SQLAlchemy URL, or None for the default file.

    Returns:
        ``(location, file)``; ``file`` is None for PostgreSQL and in-memory SQLite.

    Raises:
        ConfigError: the URL cannot be parsed.
    """
    url = make_url(resolve_url(path_or_url))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return str(url.database), Path(url.database or "")
    return url.render_as_string(hide_password=True), None


def database_schema(path_or_url: str | os.PathLike[str] | None, *, compare: bool = False) -> DatabaseSchema:
    """Read the schema state of a database without changing it.

    Args:
        path_or_url: a SQLite path, a SQLAlchemy URL, or None for the default file.
        compare: also compare the tables with agentmem's models (when at head), and run SQLite's
            integrity check.

    Raises:
        ConfigError: a bad path or URL.
        DatabaseError: the database cannot be reached or read.
    """
    with _engine(path_or_url) as engine:
        revision, head = current_revision(engine), head_revision()
        differences = tuple(str(d) for d in schema_differences(engine)) if compare and revision == head else ()
        integrity = integrity_problems(engine) if compare else ()
    return DatabaseSchema(database_location(path_or_url)[0], revision, head, differences, integrity)


def migrate_database(path_or_url: str | os.PathLike[str] | None) -> tuple[DatabaseSchema, DatabaseSchema]:
    """Create the database or apply its pending migrations, in one transaction.

    Returns:
        The schema state before and after.

    Raises:
        ConfigError: a bad path or URL.
        DatabaseError: the database cannot be reached or written.
    """
    before = database_schema(path_or_url)
    if before.up_to_date:
        return before, before
    with _engine(path_or_url) as engine:
        ensure_schema(engine, "apply")
    return before, database_schema(path_or_url)


@contextmanager
def _engine(path_or_url: str | os.PathLike[str] | None) -> Iterator[Engine]:
    engine = open_engine(resolve_url(path_or_url))
    try:
        yield engine
    finally:
        engine.dispose()
