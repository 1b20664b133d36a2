"""The reads every recall makes, on SQLite's own connection instead of through SQLAlchemy's execution layer.

Recall reads two things per call: the lexical matches of the query, and its top memories with the
namespace's version. Through SQLAlchemy Core that took 0.3-0.8 ms per read on the 2-core target (statement
caching, parameter expansion, result wrapping), against 0.04-0.17 ms on the DBAPI connection the pool lends
(measured on a 20k-memory file): a large share of a recall that ranks in 1-2 ms. The SQL is the same as
:mod:`agentmem.db.lexical` and :class:`~agentmem.db.repository.Repository` run; rows become the same
:class:`~agentmem.types.MemoryRecord` values. PostgreSQL keeps the Core path (a network round trip costs
more than the layer does).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine

from agentmem.db.engine import database_error
from agentmem.db.lexical import lexical_terms, sqlite_search
from agentmem.db.rows import NamespaceRow, record_from_row
from agentmem.db.transactions import RECORD_COLUMNS
from agentmem.types import MemoryRecord

__all__ = ["lexical_matches", "records_at"]

_COLUMNS = [c.name for c in RECORD_COLUMNS]
_METADATA = _COLUMNS.index("metadata")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM agentmem_memories WHERE id IN ({{marks}}) AND namespace_id + 0 = ?"
_VERSION = "SELECT version FROM agentmem_namespaces WHERE id = ?"


@contextmanager
def _cursor(engine: Engine) -> Iterator[Any]:
    """A cursor on a pooled connection. The engine's connections run in autocommit, so each statement reads
    its own consistent snapshot; no BEGIN/COMMIT pair (two more round trips through the driver) is needed:
    a version read before the records only ever makes a ranking look older than it is, never newer."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            yield cursor
        except sqlite3.Error as exc:  # the driver's own errors, which SQLAlchemy's hook never sees here
            raise database_error("sqlite", exc) from exc
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool


def records_at(engine: Engine, ns: NamespaceRow, ids: Sequence[int]) -> tuple[int, list[MemoryRecord]]:
    """The namespace's version, then the memories with these ids (in the order asked)."""
    with _cursor(engine) as cursor:
        version = int(cursor.execute(_VERSION, (ns.id,)).fetchone()[0])
        rows = cursor.execute(_SELECT.format(marks=", ".join("?" * len(ids))), (*ids, ns.id)).fetchall() if ids else []
    by_id = {}
    for raw in rows:
        values = list(raw)
        if isinstance(values[_METADATA], str):
            values[_METADATA] = json.loads(values[_METADATA])
        record = record_from_row(SimpleNamespace(**dict(zip(_COLUMNS, values, strict=True))), namespace=ns.name)
        by_id[record.id] = record
    return version, [by_id[i] for i in ids if i in by_id]


def lexical_matches(
    engine: Engine, *, namespace_id: int, query: str, limit: int, include_archived: bool
) -> list[tuple[int, float]]:
    """What :func:`agentmem.db.lexical.lexical_search` returns on SQLite, through the DBAPI connection."""
    terms = lexical_terms(query)
    if not terms or limit <= 0:
        return []
    sql, match = sqlite_search(terms, include_archived=include_archived)
    with _cursor(engine) as cursor:
        rows = cursor.execute(sql, {"query": match, "namespace_id": namespace_id, "limit": limit}).fetchall()
    return [(int(i), float(score)) for i, score in rows if score > 0]
