"""Transactions and version bumps shared by every module that writes SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, update

from agentmem.db.engine import WRITE_OPTION
from agentmem.db.models import memories, namespaces

__all__ = ["RECORD_COLUMNS", "bump_version", "greatest", "ids_in_namespace", "reading", "writing"]

RECORD_COLUMNS = [c for c in memories.c if c.name != "embedding"]
"""Every column of a memory but its vector: what a MemoryRecord is made of."""


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write (on SQLite it takes the write lock up front)."""
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot."""
    with engine.connect() as conn, conn.begin():
        yield conn


def bump_version(conn: Connection, namespace_id: int) -> int:
    """Take the namespace's next version inside the caller's transaction (row lock on PostgreSQL)."""
    return int(
        conn.execute(
            update(namespaces)
            .where(namespaces.c.id == namespace_id)
            .values(version=namespaces.c.version + 1)
            .returning(namespaces.c.version)
        ).scalar_one()
    )


def greatest(conn: Connection, column: Any, value: float) -> Any:
    """SQL for the larger of a column and a value (SQLite's two-argument max, PostgreSQL's greatest)."""
    return func.max(column, value) if conn.dialect.name == "sqlite" else func.greatest(column, value)


def ids_in_namespace(ids: Iterable[int], namespace_id: int) -> ColumnElement[bool]:
    """WHERE the memory id is one of ``ids`` and belongs to the namespace, looked up by primary key.

    Written ``namespace_id + 0`` on purpose: with a bound parameter SQLite otherwise walks the namespace's
    index (every memory of the namespace, 6 ms at 100k) instead of probing the primary key (0.05 ms).
    """
    return and_(memories.c.id.in_(list(ids)), (memories.c.namespace_id + 0) == namespace_id)
