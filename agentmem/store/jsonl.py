"""The JSONL exchange format of exported memories: one JSON object per line, lossless.

A line holds every field of :class:`~agentmem.types.MemoryRecord` (times as ISO 8601 with offset; ``key``,
``valid_to`` and ``supersedes`` only when set; a line without ``valid_from`` held since ``created_at``), the
provenance ``sources``, ``embedded_text`` when the memory was embedded from another view of its text, and
optionally ``model_id`` with ``embedding``: the float32 vectors (one, or one per chunk of a long text),
little-endian, base64-encoded, so a round trip restores them bit for bit.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from agentmem.errors import ConfigError, ImportRejectedError
from agentmem.types import ExportedMemory, MemoryRecord

__all__ = ["FORMAT_VERSION", "memory_from_json", "memory_to_json", "read_jsonl", "write_jsonl"]

FORMAT_VERSION = 1


def memory_to_json(item: ExportedMemory) -> dict[str, Any]:
    r = item.record
    line: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "id": r.id,
        "namespace": r.namespace,
        "text": r.text,
        "kind": r.kind,
        "importance": r.importance,
        "created_at": r.created_at.isoformat(),
        "last_accessed_at": r.last_accessed_at.isoformat(),
        "access_count": r.access_count,
        "status": r.status,
        "metadata": dict(r.metadata),
        "superseded_by": r.superseded_by,
        "version": r.version,
        "sources": list(item.sources),
    }
    if r.key is not None:
        line["key"] = r.key
    line["valid_from"] = r.valid_since.isoformat()
    if r.valid_to is not None:
        line["valid_to"] = r.valid_to.isoformat()
    if r.supersedes is not None:
        line["supersedes"] = r.supersedes
    if item.embedded_text is not None:
        line["embedded_text"] = item.embedded_text
    if item.embedding is not None:
        line["model_id"] = item.model_id
        line["embedding"] = base64.b64encode(item.embedding).decode("ascii")
    return line


def memory_from_json(line: dict[str, Any], *, where: str = "line") -> ExportedMemory:
    """Parse one exported object, checking the type of every field (values are checked on import).

    Raises:
        ConfigError: a field is missing or of the wrong type (the message names the line and field).
    """
    try:
        if line.get("format", FORMAT_VERSION) != FORMAT_VERSION:
            raise ConfigError(f"export format {line.get('format')!r} is not supported (expected {FORMAT_VERSION})")
        status = line.get("status", "active")
        if status not in ("active", "archived"):
            raise ConfigError(f"status must be 'active' or 'archived', not {status!r}")
        metadata = line.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ConfigError(f"metadata must be a JSON object, not {type(metadata).__name__}")
        superseded_by, key, view, embedding = (
            line.get(f) for f in ("superseded_by", "key", "embedded_text", "embedding")
        )
        sources = line.get("sources", [])
        if not isinstance(sources, list):
            raise ConfigError("sources must be a list of memory ids")
        model_id = line.get("model_id")
        if model_id is not None and not isinstance(model_id, str):
            raise ConfigError("model_id must be a string")
        record = MemoryRecord(
            id=_int(line["id"], "id"),
            namespace=_str(line.get("namespace", ""), "namespace"),
            text=_str(line["text"], "text"),
            kind=_str(line.get("kind", "observation"), "kind"),
            importance=_number(line.get("importance", 0.5), "importance"),
            created_at=_time(line["created_at"], "created_at"),
            last_accessed_at=_time(line.get("last_accessed_at", line["created_at"]), "last_accessed_at"),
            access_count=_int(line.get("access_count", 0), "access_count"),
            status=status,
            metadata=metadata,
            superseded_by=None if superseded_by is None else _int(superseded_by, "superseded_by"),
            version=_int(line.get("version", 0), "version"),
            key=None if key is None else _str(key, "key"),
            valid_from=_time(line.get("valid_from", line["created_at"]), "valid_from"),
            valid_to=None if line.get("valid_to") is None else _time(line["valid_to"], "valid_to"),
            supersedes=None if line.get("supersedes") is None else _int(line["supersedes"], "supersedes"),
        )
        return ExportedMemory(
            record=record,
            sources=tuple(_int(i, "sources") for i in sources),
            model_id=model_id,
            embedding=None if embedding is None else base64.b64decode(_str(embedding, "embedding"), validate=True),
            embedded_text=None if view is None else _str(view, "embedded_text"),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:  # ConfigError included: named here, once
        raise ConfigError(f"{where}: {exc}") from exc


def write_jsonl(items: Iterable[ExportedMemory], out: TextIO) -> int:
    """Write items as JSON lines; returns how many."""
    count = 0
    for item in items:
        out.write(json.dumps(memory_to_json(item), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def read_jsonl(source: TextIO, *, name: str = "input") -> Iterator[ExportedMemory]:
    """Parse JSON lines (blank lines skipped), all of them before the first is given out.

    Raises:
        ImportRejectedError: lines that are not JSON objects or not exported memories, every one of them
            (each named ``<name>:<line number>``).
    """
    items, problems = [], []
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            problems.append(f"{where}: not valid JSON ({getattr(exc, 'msg', 'nested too deeply')})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{where}: expected a JSON object")
            continue
        try:
            items.append(memory_from_json(obj, where=where))
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ImportRejectedError(problems)
    yield from items


def _str(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{field} must be a string, not {type(value).__name__}")
    return value


def _int(value: object, field: str) -> int:
    # JSON true is not 1, and 3.0 is not an id.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{field} must be an integer, not {value!r}")
    return value


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{field} must be a number, not {value!r}")
    return float(value)


def _time(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise ConfigError(f"{field} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{field} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ConfigError(f"{field} {value!r} has no time zone offset")
    return parsed
