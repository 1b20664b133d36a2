"""Checks of what callers hand the store, with messages that say what to change."""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable, Mapping
from datetime import datetime

from agentmem.db.rows import to_epoch
from agentmem.errors import ConfigError
from agentmem.types import JSONValue, NewMemory
from agentmem.vectors import MAX_MEMORY_ID

__all__ = [
    "DEFAULT_IMPORTANCE",
    "check_namespace",
    "check_new_memory",
    "check_page",
    "check_query",
    "memory_ids_of",
    "validate_memories",
]

DEFAULT_IMPORTANCE = 0.5
"""Importance given to a memory added without one (the middle of the [0, 1] scale)."""

MAX_METADATA_DEPTH = 64
"""Nesting levels metadata may have: the databases' JSON functions refuse very deep documents (SQLite at
1,000), and filters read only the top level."""


def check_query(query: object, k: object) -> None:
    """A query string must not be blank (a list of messages is checked when its query is built)."""
    if isinstance(query, str) and not query.strip():
        raise ConfigError("query must be a non-blank string or a list of messages")
    if isinstance(query, str):
        _check_storable(query, "query")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"k must be a positive integer, not {k!r}")


def memory_ids_of(values: Iterable[object]) -> list[int]:
    """The memory ids among ``values``, integers all (numpy's too); those no memory can have (negative, or
    2**40 and above) are left out, as ids of no memory.

    Raises:
        ConfigError: a value that is not an integer.
    """
    ids = []
    for value in values:
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise ConfigError(f"memory ids are integers, not {type(value).__name__} {value!r}")
        number = operator.index(value)
        if 0 <= number <= MAX_MEMORY_ID:
            ids.append(number)
    return ids


def check_page(limit: object, offset: object) -> None:
    """``limit`` and ``offset`` of a listing are integers in [0, 2**63)."""
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ConfigError(f"{name} must be an integer in [0, 2**63), not {value!r}")


def check_namespace(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ConfigError(f"namespace must be a non-blank string of at most 255 characters, not {name!r}")
    _check_storable(name, "namespace")
    return name


def _check_storable(value: str, field: str) -> None:
    """Text every database stores as it is: valid UTF-8 (no lone surrogate), no NUL (PostgreSQL refuses it)."""
    if "\x00" in value:
        raise ConfigError(f"{field} contains a NUL character; remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(
            f"{field} contains a lone surrogate ({value[exc.start]!r} at {exc.start}), which is not valid "
            "Unicode text: decode the source with errors='replace', or remove it"
        ) from None


def check_new_memory(
    item: NewMemory, *, now: float, position: int
) -> tuple[str, str, float, float, Mapping[str, JSONValue]]:
    where = f"memory #{position}"
    if not isinstance(item.text, str) or not item.text.strip():
        raise ConfigError(f"{where}: text must be a non-blank string")
    if item.embed_text is not None and (not isinstance(item.embed_text, str) or not item.embed_text.strip()):
        raise ConfigError(f"{where}: embed_text must be None or a non-blank string")
    if not isinstance(item.kind, str) or not item.kind.strip() or len(item.kind) > 64:
        raise ConfigError(f"{where}: kind must be a non-blank string of at most 64 characters")
    if item.key is not None and (not isinstance(item.key, str) or len(item.key) > 255 or "\x00" in item.key):
        raise ConfigError(f"{where}: key must be None or a string of at most 255 characters without NUL")
    for field, value in (("text", item.text), ("embed_text", item.embed_text), ("kind", item.kind), ("key", item.key)):
        try:
            if value is not None:
                _check_storable(value, field)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    importance = DEFAULT_IMPORTANCE if item.importance is None else item.importance
    if isinstance(importance, bool) or not isinstance(importance, (int, float)) or not math.isfinite(importance):
        raise ConfigError(f"{where}: importance must be a number in [0, 1], not {importance!r}")
    if not 0.0 <= importance <= 1.0:
        raise ConfigError(f"{where}: importance must be in [0, 1], not {importance}")
    if not isinstance(item.metadata, Mapping) or not all(isinstance(k, str) for k in item.metadata):
        raise ConfigError(f"{where}: metadata must be a mapping with string keys")
    try:
        encoded = json.dumps(dict(item.metadata), allow_nan=False, ensure_ascii=False)
        metadata = json.loads(encoded)
        too_deep = _depth(metadata) > MAX_METADATA_DEPTH
    except RecursionError:
        too_deep = True
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: metadata must be JSON-serialisable ({exc})") from exc
    if too_deep:
        raise ConfigError(f"{where}: metadata is nested more than {MAX_METADATA_DEPTH} levels deep: flatten it")
    try:
        _check_storable(encoded.replace("\\u0000", "\x00"), "metadata")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    try:
        created = now if item.created_at is None else to_epoch(item.created_at)
    except ConfigError as exc:
        raise ConfigError(f"{where}: created_at: {exc}") from None
    if item.valid_from is not None:
        _epoch(item.valid_from, "valid_from", where)
    if item.supersedes is not None and (isinstance(item.supersedes, bool) or not isinstance(item.supersedes, int)):
        raise ConfigError(f"{where}: supersedes must be None or the id (an int) of the memory it replaces")
    return item.text, item.kind, float(importance), created, metadata


def _epoch(value: object, field: str, where: str) -> float:
    if not isinstance(value, datetime):
        raise ConfigError(f"{where}: {field} must be a timezone-aware datetime, not {type(value).__name__}")
    try:
        return to_epoch(value)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {field}: {exc}") from None


def _depth(value: object) -> int:
    """Nesting depth of a JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in children)
    return deepest


def validate_memories(items: Iterable[NewMemory], *, start: int = 0) -> None:
    """Check memories before adding them, as :meth:`agentmem.MemoryStore.add_many` does, storing nothing.

    Useful before adding in several batches, so that a bad item found late leaves nothing half-stored.

    Args:
        items: the memories.
        start: the number of the first item in messages (``memory #start``).

    Raises:
        ConfigError: the first invalid item, by number, and what to change.
    """
    for position, item in enumerate(items, start=start):
        check_new_memory(item, now=0.0, position=position)
