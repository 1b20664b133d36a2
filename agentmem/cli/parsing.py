"""Turning what users type (KEY=VALUE pairs, ISO times, files of memories) into agentmem values."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from agentmem import ConfigError, JSONValue, NewMemory

__all__ = ["FileFormat", "parse_meta", "parse_time", "read_memories"]

_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_JSONL_FIELDS = ("text", "importance", "kind", "metadata", "created_at")


class FileFormat(str, Enum):
    """How ``add --file`` reads its file."""

    auto = "auto"
    jsonl = "jsonl"
    text = "text"


def parse_meta(items: Sequence[str] | None, *, option: str = "--meta") -> dict[str, JSONValue]:
    """``KEY=VALUE`` pairs as a dict; a value that parses as JSON is taken as JSON (``n=3`` is a number).

    Raises:
        typer.BadParameter: an item without ``=`` or with an empty key.
    """
    found: dict[str, JSONValue] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=f"'{option}'")
        try:
            value: JSONValue = json.loads(raw)
        except ValueError:
            value = raw
        found[key.strip()] = value
    return found


def parse_time(text: str | None, *, option: str) -> datetime | None:
    """An ISO 8601 date or time; without an offset it is read as UTC.

    Raises:
        typer.BadParameter: not an ISO 8601 date or time.
    """
    if text is None:
        return None
    try:
        moment = _iso(text)
    except ValueError:
        raise typer.BadParameter(
            f"expected an ISO 8601 date or time such as 2024-05-01 or 2024-05-01T09:30+02:00, got {text!r}",
            param_hint=f"'{option}'",
        ) from None
    return moment


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 memory``, ``2 memories``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def check_importance(value: float | None) -> float | None:
    """The ``--importance`` option: a number in [0, 1] (NaN and infinities say so)."""
    if value is not None and not 0.0 <= value <= 1.0:  # NaN fails both comparisons
        raise typer.BadParameter(f"must be a number in [0, 1], not {value}")
    return value


def check_input_file(path: str, *, option: str) -> None:
    """A file to read exists and is a file (``-`` is standard input)."""
    if path == "-":
        return
    if Path(path).is_dir():
        raise typer.BadParameter(f"{path} is a directory: give a file", param_hint=f"'{option}'")
    if not Path(path).is_file():
        raise typer.BadParameter(f"no such file: {path}", param_hint=f"'{option}'")


def read_text_lines(path: str) -> list[str]:
    """The lines of a UTF-8 text file, or of standard input for ``-``.

    Raises:
        ConfigError: the input is not UTF-8 text (a binary file, another encoding).
    """
    name = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.buffer.read().decode("utf-8") if path == "-" else Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name} is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}): "
            "give a text or JSON-lines file"
        ) from None
    return text.splitlines()


def read_memories(path: str, *, file_format: FileFormat, defaults: NewMemory) -> list[NewMemory]:
    """The memories in a file: JSON lines (objects with ``text`` and optional fields) or plain text (one
    memory per non-blank line). ``defaults`` gives what a line does not (importance, kind, metadata).

    Args:
        path: the file, or ``-`` for standard input.
        file_format: ``auto`` reads ``.jsonl``/``.ndjson`` files, and files whose first line is a JSON
            object, as JSON lines; anything else as text.
        defaults: the template each memory starts from (its text is ignored).

    Raises:
        ConfigError: a JSON line is invalid (the message names the file and line).
        OSError: the file cannot be read.
    """
    name = "<stdin>" if path == "-" else path
    lines = read_text_lines(path)
    if file_format is FileFormat.auto:
        file_format = FileFormat.jsonl if _looks_like_jsonl(path, lines) else FileFormat.text
    if file_format is FileFormat.text:
        return [replace(defaults, text=line.strip()) for line in lines if line.strip()]
    return list(_jsonl_memories(lines, name=name, defaults=defaults))


def _looks_like_jsonl(path: str, lines: Sequence[str]) -> bool:
    if Path(path).suffix.lower() in _JSONL_SUFFIXES:
        return True
    first = next((line for line in lines if line.strip()), "")
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _jsonl_memories(lines: Iterable[str], *, name: str, defaults: NewMemory) -> Iterable[NewMemory]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise ConfigError(f"{where}: expected a JSON object with a 'text' field")
        yield _memory_from(obj, where=where, defaults=defaults)


def _memory_from(obj: dict[str, Any], *, where: str, defaults: NewMemory) -> NewMemory:
    unknown = sorted(set(obj) - set(_JSONL_FIELDS))
    if unknown:
        hint = "; to restore an export, use `agentmem import`" if "id" in unknown else ""
        raise ConfigError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(_JSONL_FIELDS)}){hint}")
    if not isinstance(obj.get("text"), str):
        raise ConfigError(f"{where}: 'text' must be a string")
    metadata = obj.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ConfigError(f"{where}: 'metadata' must be a JSON object")
    created = obj.get("created_at")
    if created is not None:
        try:
            created = _iso(str(created))
        except ValueError:
            raise ConfigError(f"{where}: 'created_at' must be an ISO 8601 time, got {created!r}") from None
    importance = obj.get("importance", defaults.importance)
    if importance is not None and (isinstance(importance, bool) or not isinstance(importance, (int, float))):
        raise ConfigError(f"{where}: 'importance' must be a number in [0, 1]")
    return NewMemory(
        text=obj["text"],
        importance=importance,
        kind=str(obj.get("kind", defaults.kind)),
        metadata={**defaults.metadata, **metadata},
        created_at=created or defaults.created_at,
    )


def _iso(text: str) -> datetime:
    text = text.strip()
    if text[-1:] in ("Z", "z"):  # Python 3.10's fromisoformat rejects a trailing Z
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
