"""The JSONL exchange format of exported memories: one JSON object per line, lossless.

A line holds every field of :class:`~agentmem.types.MemoryRecord` (times as ISO 8601 with offset; ``key``
only when it has one), the provenance ``sources``, ``embedded_text`` when the memory was embedded from
another view of its text, and optionally ``model_id`` with ``embedding``: the float32 vectors (one, or one
per chunk of a long text), little-endian, base64-encoded, so a round trip restores them bit for bit.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from agentmem.errors import ConfigError
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
    if item.embedded_text is not None:
        line["embedded_text"] = item.embedded_text
    if item.embedding is not None:
        line["model_id"] = item.model_id
        line["embedding"] = base64.b64encode(item.embedding).decode("ascii")
    return line


def memory_from_json(line: dict[str, Any], *, where: str = "line") -> ExportedMemory:
    """Parse one exported object.

    Raises:
        ConfigError: a field is missing or of the wrong type (the message names the line and field).
    """
    try:
        if line.get("format", FORMAT_VERSION) != FORMAT_VERSION:
            raise ConfigError(
                f"{where}: export format {line.get('format')} is not supported (expected {FORMAT_VERSION})"
            )
        status = line.get("status", "active")
        if status not in ("active", "archived"):
            raise ConfigError(f"{where}: status must be 'active' or 'archived', not {status!r}")
        record = MemoryRecord(
            id=int(line["id"]),
            namespace=str(line.get("namespace", "")),
            text=_str(line["text"], "text", where),
            kind=_str(line.get("kind", "observation"), "kind", where),
            importance=float(line.get("importance", 0.5)),
            created_at=_time(line["created_at"], "created_at", where),
            last_accessed_at=_time(line.get("last_accessed_at", line["created_at"]), "last_accessed_at", where),
            access_count=int(line.get("access_count", 0)),
            status=status,
            metadata=dict(line.get("metadata") or {}),
            superseded_by=None if line.get("superseded_by") is None else int(line["superseded_by"]),
            version=int(line.get("version", 0)),
            key=None if line.get("key") is None else _str(line["key"], "key", where),
        )
        embedding, view = line.get("embedding"), line.get("embedded_text")
        return ExportedMemory(
            record=record,
            sources=tuple(int(i) for i in line.get("sources", ())),
            model_id=line.get("model_id"),
            embedding=None if embedding is None else base64.b64decode(embedding, validate=True),
            embedded_text=None if view is None else _str(view, "embedded_text", where),
        )
    except ConfigError:
        raise  # already names the line (ConfigError is a ValueError: not wrapped twice)
    except KeyError as exc:
        raise ConfigError(f"{where}: missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def write_jsonl(items: Iterable[ExportedMemory], out: TextIO) -> int:
    """Write items as JSON lines; returns how many."""
    count = 0
    for item in items:
        out.write(json.dumps(memory_to_json(item), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def read_jsonl(source: TextIO, *, name: str = "input") -> Iterator[ExportedMemory]:
    """Parse JSON lines (blank lines skipped).

    Raises:
        ConfigError: a line is not JSON or not an exported memory (names the line number).
    """
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise ConfigError(f"{where}: expected a JSON object")
        yield memory_from_json(obj, where=where)


def _str(value: object, field: str, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {field} must be a string")
    return value


def _time(value: object, field: str, where: str) -> datetime:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {field} must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ConfigError(f"{where}: {field} {value!r} has no time zone offset")
    return parsed
