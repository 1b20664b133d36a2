"""Output plumbing: consoles, JSON for scripts, and the compact formats tables share."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import typer
from rich.console import Console

from agentmem import (
    ExportedMemory,
    MemoryRecord,
    NamespaceStats,
    PromptMemory,
    ScoredMemory,
    Scoring,
    SearchHit,
    memory_to_json,
)

__all__ = [
    "block_json",
    "err",
    "hit_json",
    "kinds",
    "out",
    "print_json",
    "record_json",
    "scored_json",
    "size",
    "stats_json",
    "when",
]


def out() -> Console:
    """A console on standard output, made per call so it writes wherever ``sys.stdout`` points now.

    Messages are never wrapped (a path or id stays on one line for scripts and tests); tables still fit
    the terminal's width.
    """
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    """A console on standard error: progress, status and notes that must not mix with data on stdout."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def record_json(r: MemoryRecord) -> dict[str, Any]:
    """A memory as JSON, in the export format's fields. ``version`` (the namespace's change counter) and the
    format's own bookkeeping are left out: they belong to one database and are renumbered by an import,
    while everything here survives export and import unchanged."""
    line = memory_to_json(ExportedMemory(r))
    for bookkeeping in ("format", "version", "sources"):
        del line[bookkeeping]
    return line


def scored_json(sm: ScoredMemory) -> dict[str, Any]:
    return {
        "score": sm.score,
        "relevance": sm.relevance,
        "recency": sm.recency,
        # Ranking holds importances as float32: shown to that precision (0.9, not 0.8999999761581421).
        "importance": float(f"{sm.importance:.7g}"),
        "memory": record_json(sm.memory),
    }


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {"relevance": hit.relevance, "memory": record_json(hit.memory)}


def block_json(block: PromptMemory, scoring: Scoring) -> dict[str, Any]:
    return {
        "text": block.text,
        "tokens": block.tokens,
        "token_budget": block.token_budget,
        "truncated_ids": list(block.truncated_ids),
        "weights": {
            "relevance": scoring.relevance,
            "recency": scoring.recency,
            "importance": scoring.importance,
            "half_life_seconds": scoring.half_life.total_seconds(),
            "normalize": scoring.normalize,
        },
        "memories": [scored_json(m) for m in block.memories],
    }


def stats_json(s: NamespaceStats) -> dict[str, Any]:
    return {
        "namespace": s.namespace,
        "model_id": s.model_id,
        "dimensions": s.dimensions,
        "version": s.version,
        "active": s.active,
        "archived": s.archived,
        "by_kind": dict(s.by_kind),
        "index_kind": s.index_kind,
        "index_size": s.index_size,
        "index_version": s.index_version,
        "sql_bytes": s.sql_bytes,
        "vectors": s.vectors,
        "index_vectors": s.index_vectors,
    }


def when(moment: datetime) -> str:
    """A time in UTC to the minute, as prompt blocks show it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def size(n: int) -> str:
    """Bytes in a human unit: ``512 B``, ``1.5 kB``, ``3.2 MB``."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def kinds(by_kind: Mapping[str, int]) -> str:
    """Counts by kind, e.g. ``fact 2, observation 7``."""
    return ", ".join(f"{kind} {count}" for kind, count in sorted(by_kind.items())) or "-"
