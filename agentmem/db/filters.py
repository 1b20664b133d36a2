"""SQL conditions for a MemoryFilter, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, and_, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement, bindparam

from agentmem.db.models import memories
from agentmem.db.rows import to_epoch
from agentmem.errors import ConfigError
from agentmem.types import MemoryFilter

__all__ = ["MAX_FILTER_VALUES", "filter_clauses"]

MAX_FILTER_VALUES = 256
"""Metadata values a filter may list in all: each is two conditions OR-ed together, and SQLite refuses an
expression more than 1,000 deep."""


def filter_clauses(namespace_id: int, where: MemoryFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions selecting the namespace's memories that pass ``where``.

    Raises:
        ConfigError: a metadata value of a type that cannot be compared.
    """
    _check_texts(where)
    clauses: list[ColumnElement[bool]] = [memories.c.namespace_id == namespace_id]
    superseded = and_(memories.c.status == "archived", memories.c.valid_to.is_not(None))
    if where.valid_at is not None:
        # What held then: valid_from <= t < valid_to, superseded versions included (rows older than the
        # validity columns hold since their creation).
        t = to_epoch(where.valid_at)
        clauses.append(func.coalesce(memories.c.valid_from, memories.c.created_at) <= t)
        clauses.append(or_(memories.c.valid_to.is_(None), memories.c.valid_to > t))
        if not where.include_archived:
            clauses.append(or_(memories.c.status == "active", superseded))
    elif where.include_superseded and not where.include_archived:
        clauses.append(or_(memories.c.status == "active", superseded))
    elif not where.include_archived:
        clauses.append(memories.c.status == "active")
    if where.kinds is not None:
        clauses.append(memories.c.kind.in_(list(where.kinds)))
    given = 0
    for key, wanted in where.metadata.items():
        options = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        if not options:
            raise ConfigError(f"metadata filter {key!r} lists no values")
        given += len(options)
        if given > MAX_FILTER_VALUES:
            raise ConfigError(
                f"a metadata filter may list at most {MAX_FILTER_VALUES} values in all: filter on a shared "
                "key or kind instead, or split the query"
            )
        clauses.append(or_(*(c for value in options for c in (_metadata_equals(key, value), _list_holds(key, value)))))
    for column, bound, after in (
        (memories.c.created_at, where.created_after, True),
        (memories.c.created_at, where.created_before, False),
        (memories.c.last_accessed_at, where.accessed_after, True),
        (memories.c.last_accessed_at, where.accessed_before, False),
    ):
        if bound is not None:
            clauses.append(column >= to_epoch(bound) if after else column < to_epoch(bound))
    return clauses


def _check_texts(where: MemoryFilter) -> None:
    """Kinds, keys and text values a database can compare: valid Unicode (no lone surrogate), no NUL (which
    PostgreSQL refuses in text); either could only ever match nothing."""
    texts = [*(where.kinds or ()), *where.metadata]
    for wanted in where.metadata.values():
        texts.extend(
            v
            for v in (wanted if isinstance(wanted, list | tuple | set | frozenset) else [wanted])
            if isinstance(v, str)
        )
    for text in texts:
        if not isinstance(text, str):
            raise ConfigError(f"filter kinds and metadata keys are strings, not {text!r}")
        if "\x00" in text or not _encodable(text):
            raise ConfigError(
                f"filter text {text!r} holds a NUL or a lone surrogate, which no memory can hold: remove it"
            )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _ListHolds(FunctionElement[bool]):
    """True when the metadata value under a key is a JSON list holding the value (its JSON text given)."""

    type = Boolean()
    inherit_cache = True
    name = "agentmem_list_holds"


@compiles(_ListHolds, "sqlite")
def _list_holds_sqlite(element: _ListHolds, compiler: SQLCompiler, **kw: Any) -> str:
    column, key, value = (compiler.process(c, **kw) for c in element.clauses)
    path = f"""('$."' || {key} || '"')"""
    # json_each walks the list; comparing the items' JSON text keeps 1, 1.0, true and "1" apart.
    return (
        f"(json_type({column}, {path}) = 'array' AND EXISTS (SELECT 1 FROM json_each({column}, {path}) AS item "
        f"WHERE (item.type NOT IN ('true', 'false') AND json_quote(item.value) = {value}) "
        f"OR (item.type IN ('true', 'false') AND item.type = {value})))"
    )


@compiles(_ListHolds, "postgresql")
def _list_holds_postgresql(element: _ListHolds, compiler: SQLCompiler, **kw: Any) -> str:
    column, key, value = (compiler.process(c, **kw) for c in element.clauses)
    # Containment of a one-item list: true and "1" stay apart (jsonb also takes 1 and 1.0 as equal numbers).
    return (
        f"(jsonb_typeof(CAST({column} AS JSONB) -> {key}) = 'array' "
        f"AND (CAST({column} AS JSONB) -> {key}) @> CAST('[' || {value} || ']' AS JSONB))"
    )


class _ListHoldsAnyKey(_ListHolds):
    """:class:`_ListHolds` for a key a SQLite JSON path cannot name (see :func:`_plain`)."""

    inherit_cache = True


@compiles(_ListHoldsAnyKey, "sqlite")
def _list_holds_any_key_sqlite(element: _ListHolds, compiler: SQLCompiler, **kw: Any) -> str:
    column, key, value = (compiler.process(c, **kw) for c in element.clauses)
    # The top-level entry found by its decoded key; a non-list walks an empty list (json_each of a bare
    # text would be malformed JSON).
    return (
        f"EXISTS (SELECT 1 FROM json_each({column}) AS entry, "
        f"json_each(CASE WHEN entry.type = 'array' THEN entry.value ELSE '[]' END) AS item "
        f"WHERE entry.key = {key} AND ((item.type NOT IN ('true', 'false') AND json_quote(item.value) = {value}) "
        f"OR (item.type IN ('true', 'false') AND item.type = {value})))"
    )


def _list_holds(key: str, value: Any) -> ColumnElement[bool]:
    text = json.dumps(value, ensure_ascii=False)
    holds = _ListHolds if _plain(key) else _ListHoldsAnyKey
    return holds(memories.c.metadata, _text(key), _text(text))


def _plain(key: str) -> bool:
    """Whether a SQLite JSON path ``$."key"`` finds the key: it compares the label with the stored JSON text
    undecoded, so a key with a quote, a backslash or a non-ASCII character (stored escaped) is never found
    by a path, only by walking the object's entries (slower, so only for those keys)."""
    return key.isascii() and key.isprintable() and '"' not in key and "\\" not in key


class _JsonEquals(FunctionElement[bool]):
    """True when the metadata value under a key is the given JSON scalar (JSON text and type given)."""

    type = Boolean()
    inherit_cache = True
    name = "agentmem_json_equals"


@compiles(_JsonEquals, "sqlite")
def _json_equals_sqlite(element: _JsonEquals, compiler: SQLCompiler, **kw: Any) -> str:
    column, key, value, kind = (compiler.process(c, **kw) for c in element.clauses)
    path = f"""('$."' || {key} || '"')"""
    # The JSON type first, so that the text "1", the number 1 and true never match each other; a float
    # filter also matches an integral number (3.0 matches 3), as it does on PostgreSQL.
    found, kind_of = f"json_extract({column}, {path})", f"json_type({column}, {path})"
    return (
        f"(({kind} IN ('true', 'false') AND {kind_of} = {kind}) "
        f"OR ({kind} = 'integer' AND {kind_of} = 'integer' AND {found} = CAST({value} AS INTEGER)) "
        f"OR ({kind} = 'real' AND {kind_of} IN ('real', 'integer') AND {found} = CAST({value} AS REAL)) "
        f"OR ({kind} = 'text' AND {kind_of} = 'text' AND {found} = json_extract({value}, '$')))"
    )


@compiles(_JsonEquals, "postgresql")
def _json_equals_postgresql(element: _JsonEquals, compiler: SQLCompiler, **kw: Any) -> str:
    column, key, value, _kind = (compiler.process(c, **kw) for c in element.clauses)
    # jsonb equality: typed (true is not 1, "1" is not 1), numbers by value (3.0 is 3), never a cast error.
    return f"((CAST({column} AS JSONB) -> {key}) = CAST({value} AS JSONB))"


class _JsonEqualsAnyKey(_JsonEquals):
    """:class:`_JsonEquals` for a key a SQLite JSON path cannot name (see :func:`_plain`)."""

    inherit_cache = True


@compiles(_JsonEqualsAnyKey, "sqlite")
def _json_equals_any_key_sqlite(element: _JsonEquals, compiler: SQLCompiler, **kw: Any) -> str:
    column, key, value, kind = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"EXISTS (SELECT 1 FROM json_each({column}) AS entry WHERE entry.key = {key} AND ("
        f"({kind} IN ('true', 'false') AND entry.type = {kind}) "
        f"OR ({kind} = 'integer' AND entry.type = 'integer' AND entry.value = CAST({value} AS INTEGER)) "
        f"OR ({kind} = 'real' AND entry.type IN ('real', 'integer') AND entry.value = CAST({value} AS REAL)) "
        f"OR ({kind} = 'text' AND entry.type = 'text' AND entry.value = json_extract({value}, '$'))))"
    )


def _metadata_equals(key: str, value: Any) -> ColumnElement[bool]:
    # bool before int: bool is an int subclass, and JSON true is not the number 1.
    if isinstance(value, bool):
        kind = "true" if value else "false"
    elif isinstance(value, int):
        kind = "integer"
    elif isinstance(value, float):
        kind = "real"
    elif isinstance(value, str):
        kind = "text"
    else:
        raise ConfigError(
            f"metadata filter {key!r}: cannot compare with {type(value).__name__}; use str, int, float or bool values"
        )
    equals = _JsonEquals if _plain(key) else _JsonEqualsAnyKey
    return equals(memories.c.metadata, _text(key), _text(json.dumps(value, ensure_ascii=False)), _text(kind))


def _text(value: str) -> Any:
    return bindparam(None, value, type_=String())
