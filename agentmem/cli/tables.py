"""Rich tables and trees for people reading a terminal (scripts use ``--json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from agentmem import MemoryRecord, NamespaceStats, PromptMemory, ScoredMemory, Scoring, SearchHit
from agentmem.cli.render import kinds, size, when

__all__ = ["Check", "checks_table", "explain_table", "memories_table", "memory_view", "search_table", "stats_table"]

_TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``agentmem doctor``: what was checked, whether it passed, and what was found."""

    name: str
    ok: bool
    detail: str


# Tables span the terminal: the text column takes what the others leave and wraps (a long text is shown up
# to TEXT_CHARS characters, then an ellipsis), while ids, times and scores are never squeezed.
TEXT_CHARS = 240


def memories_table(records: Sequence[MemoryRecord], *, caption: str | None = None) -> Table:
    table = Table(caption=caption, caption_justify="left", expand=True)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("created (UTC)", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("imp", justify="right", no_wrap=True)
    table.add_column("hits", justify="right", no_wrap=True)
    if any(r.status != "active" for r in records):
        table.add_column("status", no_wrap=True)
    table.add_column("text", overflow="fold", ratio=1)
    for r in records:
        cells = [str(r.id), when(r.created_at), r.kind, f"{r.importance:.2f}", str(r.access_count)]
        if len(table.columns) == 7:
            cells.append(r.status)
        table.add_row(*cells, Text(_one_line(r.text)))
    return table


def search_table(hits: Sequence[SearchHit]) -> Table:
    table = Table(expand=True)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("relevance", justify="right", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("text", overflow="fold", ratio=1)
    for hit in hits:
        table.add_row(str(hit.memory.id), f"{hit.relevance:.3f}", hit.memory.kind, Text(_one_line(hit.memory.text)))
    return table


def explain_table(
    block: PromptMemory, scoring: Scoring, *, cut: Sequence[tuple[ScoredMemory, str]] = ()
) -> RenderableType:
    """The memories of a recall block with the components of their scores, best first; then the best of
    those left out (``cut``), one line each with why."""
    days = scoring.half_life.total_seconds() / 86400
    caption = (
        f"score = {scoring.relevance:.2f}{_TIMES}relevance + {scoring.recency:.2f}{_TIMES}recency"
        f" + {scoring.importance:.2f}{_TIMES}importance; recency halves every {days:g} days"
        f"{' (components min-max normalised)' if scoring.normalize == 'minmax' else ''}."
        f" Block: {len(block.memories)} memories, {block.tokens}/{block.token_budget} tokens"
        f"{'; * cut to fit' if block.truncated_ids else ''}."
    )
    table = Table(caption=caption, caption_justify="left", expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("score", justify="right", style="bold", no_wrap=True)
    table.add_column("relevance", justify="right", no_wrap=True)
    table.add_column("recency", justify="right", no_wrap=True)
    table.add_column("importance", justify="right", no_wrap=True)
    table.add_column("text", overflow="fold", ratio=1)
    for rank, m in enumerate(block.memories, start=1):
        mark = "*" if m.memory.id in block.truncated_ids else ""
        table.add_row(
            str(rank),
            f"{m.memory.id}{mark}",
            f"{m.score:.3f}",
            f"{m.relevance:.3f}",
            f"{m.recency:.3f}",
            f"{m.importance:.2f}",
            Text(_one_line(m.memory.text)),
        )
    if not cut:
        return table
    lines = [Text(f"cut {m.memory.id} (score {m.score:.3f}): {why}: {_one_line(m.memory.text)}") for m, why in cut]
    return Group(table, *lines)


def stats_table(all_stats: Sequence[NamespaceStats]) -> RenderableType:
    """One small key/value table per namespace (readable in a narrow terminal)."""
    tables = []
    for s in all_stats:
        state = "in sync" if s.index_version == s.version else f"behind: index at version {s.index_version}"
        table = Table(title=f"namespace {s.namespace!r}", title_justify="left", show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row("memories", f"{s.active} active, {s.archived} archived")
        table.add_row("by kind", kinds(s.by_kind))
        table.add_row("model", f"{s.model_id} ({s.dimensions}-d)")
        table.add_row("index", f"{s.index_kind}: {_vectors(s)}, version {s.version} ({state})")
        table.add_row("SQL", size(s.sql_bytes))
        tables.append(table)
    return Group(*tables)


def memory_view(
    record: MemoryRecord,
    *,
    sources: Sequence[MemoryRecord],
    superseded_by: MemoryRecord | None,
    history: Sequence[MemoryRecord] = (),
) -> RenderableType:
    """Every field of a memory, then its provenance as a tree (its versions, oldest first, when it has some)."""
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold")
    fields.add_column()
    rows: list[tuple[str, str]] = [
        ("id", str(record.id)),
        ("namespace", record.namespace),
        ("kind", record.kind),
        ("status", record.status),
        ("importance", f"{record.importance:.2f}"),
        ("created", record.created_at.isoformat()),
        ("valid", _validity(record)),
        ("last accessed", record.last_accessed_at.isoformat()),
        ("access count", str(record.access_count)),
        ("metadata", json.dumps(dict(record.metadata), ensure_ascii=False)),
        ("version", str(record.version)),
    ]
    for name, value in rows:
        fields.add_row(name, Text(value))
    fields.add_row("text", Text(record.text))
    tree = Tree(Text(f"memory {record.id}", style="cyan"))
    if len(history) > 1:
        versions = tree.add(Text("versions (oldest first)"))
        for v in history:
            line = _link("this:" if v.id == record.id else "", v.id, v)
            versions.add(Text(f"[{_validity(v)}] {line.plain}", style="bold" if v.id == record.id else ""))
    elif record.supersedes is not None:
        tree.add(Text(f"supersedes {record.supersedes} (no longer stored)"))
    if record.superseded_by is not None and not (superseded_by is not None and superseded_by.supersedes == record.id):
        tree.add(_link("superseded by", record.superseded_by, superseded_by))
    if sources:
        made_from = tree.add(Text("made from"))
        for source in sources:
            made_from.add(_link("", source.id, source))
    if record.superseded_by is None and record.supersedes is None and not sources:
        tree.add(Text("no provenance: an original observation", style="dim"))
    return Group(fields, Text(""), Text("provenance", style="bold"), tree)


def history_table(versions: Sequence[MemoryRecord], *, asked: int) -> Table:
    """The versions of a memory, oldest first: when each held, and its text."""
    table = Table(caption=f"{len(versions)} version(s) of memory {asked}, oldest first")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("valid", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("text")
    for v in versions:
        table.add_row(str(v.id), _validity(v), v.status, Text(_one_line(v.text)), style="bold" if v.id == asked else "")
    return table


def _validity(record: MemoryRecord) -> str:
    """When it held, to the minute in UTC: ``2026-05-01 09:40 → now``."""
    until = "now" if record.valid_to is None else _minute(record.valid_to)
    return f"{_minute(record.valid_since)} \N{RIGHTWARDS ARROW} {until}"


def _minute(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def checks_table(checks: Sequence[Check]) -> Table:
    table = Table()
    table.add_column("check", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("detail")
    for check in checks:
        status = Text("ok", style="green") if check.ok else Text("FAIL", style="bold red")
        table.add_row(check.name, status, Text(check.detail))
    return table


def _link(label: str, memory_id: int, found: MemoryRecord | None) -> Text:
    prefix = f"{label} " if label else ""
    if found is None:
        return Text(f"{prefix}{memory_id} (no longer stored)")
    snippet = _one_line(found.text)
    snippet = snippet if len(snippet) <= 70 else snippet[:69] + "\N{HORIZONTAL ELLIPSIS}"
    return Text(f"{prefix}{memory_id} ({found.kind}, {found.status}): {snippet}")


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TEXT_CHARS else line[: TEXT_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _vectors(s: NamespaceStats) -> str:
    if s.index_vectors == s.index_size:
        return f"{s.index_size} vectors"
    return f"{s.index_vectors} vectors ({s.index_size} memories, long ones in chunks)"
