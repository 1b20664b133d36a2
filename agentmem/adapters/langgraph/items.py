"""LangGraph items as agentmem memories and back: text, metadata layout, filters, expiry. Pure.

An item ``(namespace, key, value)`` is the memory with that key in the namespace's agentmem namespace:

- ``text``: what LangGraph would embed for it, the texts at the index fields joined by newlines (the
  whole value as sorted JSON for the default field ``$``); the value as JSON when it is not indexed. It
  is what recall, the prompt block, the lexical index and the CLI show.
- ``metadata``: ``{"value": <the value>, "updated_at": <epoch seconds>, "indexed": <bool>}``, plus
  ``"ttl_minutes"`` and ``"expiring": true`` for an item with a time to live.
- ``created_at``: the first put (a put replaces the memory by key and keeps it); ``last_accessed_at``: the
  last put or refreshing read, the clock of its time to live.

Memories agentmem wrote itself (reflections, ``agentmem add``) have no key: LangGraph sees each as the
item ``agentmem:<id>`` with the value ``{"text", "kind", "metadata"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from agentmem import ConfigError, MemoryRecord

__all__ = [
    "ItemView",
    "item_metadata",
    "item_text",
    "matches_filter",
    "memory_id_of",
    "view_of",
]

_UNKEYED = re.compile(r"agentmem:([0-9]+)")
_OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})


@dataclass(frozen=True, slots=True)
class ItemView:
    """What LangGraph sees of a memory."""

    memory: MemoryRecord
    key: str
    value: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    indexed: bool
    ttl_minutes: float | None

    def expired(self, now: datetime) -> bool:
        """Past its time to live, counted from its last put or refreshing read."""
        if self.ttl_minutes is None:
            return False
        return self.memory.last_accessed_at + timedelta(minutes=self.ttl_minutes) <= now


def view_of(memory: MemoryRecord) -> ItemView:
    """The item a memory stands for (see the module docstring)."""
    meta = memory.metadata
    if memory.key is not None and isinstance(meta.get("value"), dict):
        updated = meta.get("updated_at")
        ttl = meta.get("ttl_minutes")
        return ItemView(
            memory=memory,
            key=memory.key,
            value=dict(meta["value"]),
            created_at=memory.created_at,
            updated_at=datetime.fromtimestamp(float(updated), tz=timezone.utc)
            if isinstance(updated, (int, float))
            else memory.created_at,
            indexed=bool(meta.get("indexed", True)),
            ttl_minutes=float(ttl) if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) else None,
        )
    value = {"text": memory.text, "kind": memory.kind, "metadata": dict(meta)}
    key = memory.key if memory.key is not None else f"agentmem:{memory.id}"
    return ItemView(memory, key, value, memory.created_at, memory.created_at, indexed=True, ttl_minutes=None)


def memory_id_of(key: str) -> int | None:
    """The memory id an ``agentmem:<id>`` key names (an unkeyed memory), else None."""
    found = _UNKEYED.fullmatch(key)
    return int(found.group(1)) if found else None


def item_text(value: Mapping[str, Any], texts: Sequence[str] | None) -> str:
    """The memory text of an item: its index texts joined, or its JSON when it has none."""
    joined = "\n".join(t for t in texts or () if t.strip())
    return joined if joined.strip() else json.dumps(dict(value), sort_keys=True, ensure_ascii=False)


def item_metadata(
    value: Mapping[str, Any], *, updated_at: datetime, indexed: bool, ttl_minutes: float | None
) -> dict[str, Any]:
    """The metadata of the memory holding an item (see the module docstring)."""
    meta: dict[str, Any] = {"value": dict(value), "updated_at": updated_at.timestamp(), "indexed": indexed}
    if ttl_minutes is not None:
        meta["ttl_minutes"] = float(ttl_minutes)
        meta["expiring"] = True
    return meta


def matches_filter(value: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    """LangGraph's search filter: every key matches, as ``InMemoryStore`` and the SQL stores compare.

    A plain value must equal the item's (a dict matches as a subset, key by key; a list element-wise); a
    dict of operators (``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``) must hold for every one. An
    ordering operator against a missing or non-numeric value does not match (``InMemoryStore`` raises).

    Raises:
        ConfigError: an unknown ``$`` operator.
    """
    return not wanted or all(_compare(value.get(k), expected) for k, expected in wanted.items())


def _compare(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        if any(str(k).startswith("$") for k in expected):
            return all(_apply(actual, op, operand) for op, operand in expected.items())
        return isinstance(actual, dict) and all(_compare(actual.get(k), v) for k, v in expected.items())
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(actual, (list, tuple))
            and len(actual) == len(expected)
            and all(_compare(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def _apply(actual: Any, operator: str, operand: Any) -> bool:
    if operator not in _OPERATORS:
        raise ConfigError(f"unsupported filter operator {operator!r}: use one of {', '.join(sorted(_OPERATORS))}")
    if operator == "$eq":
        return bool(actual == operand)
    if operator == "$ne":
        return bool(actual != operand)
    try:
        left, right = float(actual), float(operand)
    except (TypeError, ValueError):
        return False
    if operator == "$gt":
        return left > right
    if operator == "$gte":
        return left >= right
    if operator == "$lt":
        return left < right
    return left <= right
