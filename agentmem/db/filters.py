"""SQL conditions for a MemoryFilter, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_

from agentmem.db.models import memories
from agentmem.db.rows import to_epoch
from agentmem.errors import ConfigError
from agentmem.types import MemoryFilter

__all__ = ["filter_clauses"]


def filter_clauses(namespace_id: int, where: MemoryFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions selecting the namespace's memories that pass ``where``.

    Raises:
        ConfigError: a metadata value of a type that cannot be compared.
    """
    clauses: list[ColumnElement[bool]] = [memories.c.namespace_id == namespace_id]
    if not where.include_archived:
        clauses.append(memories.c.status == "active")
    if where.kinds is not None:
        clauses.append(memories.c.kind.in_(list(where.kinds)))
    for key, wanted in where.metadata.items():
        options = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        if not options:
            raise ConfigError(f"metadata filter {key!r} lists no values")
        clauses.append(or_(*(_metadata_equals(key, value) for value in options)))
    for column, bound, after in (
        (memories.c.created_at, where.created_after, True),
        (memories.c.created_at, where.created_before, False),
        (memories.c.last_accessed_at, where.accessed_after, True),
        (memories.c.last_accessed_at, where.accessed_before, False),
    ):
        if bound is not None:
            clauses.append(column >= to_epoch(bound) if after else column < to_epoch(bound))
    return clauses


def _metadata_equals(key: str, value: Any) -> ColumnElement[bool]:
    element: Any = memories.c.metadata[key]
    clause: ColumnElement[bool]
    # bool before int: bool is an int subclass, and JSON true is not the number 1.
    if isinstance(value, bool):
        clause = element.as_boolean() == value
        return clause
    if isinstance(value, int):
        clause = element.as_integer() == value
        return clause
    if isinstance(value, float):
        clause = element.as_float() == value
        return clause
    if isinstance(value, str):
        clause = element.as_string() == value
        return clause
    raise ConfigError(
        f"metadata filter {key!r}: cannot compare with {type(value).__name__}; use str, int, float or bool values"
    )
