"""Commands on individual memories: add, ls, show, history, forget."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agentmem import (
    MemoryFilter,
    MemoryNotFoundError,
    MemoryRecord,
    MemoryStore,
    NewMemory,
    validate_memories,
)
from agentmem.cli.parsing import (
    FileFormat,
    check_importance,
    check_input_file,
    parse_meta,
    parse_time,
    plural,
    read_memories,
)
from agentmem.cli.render import err, out, print_json, record_json
from agentmem.cli.settings import settings_of
from agentmem.cli.tables import history_table, memories_table, memory_view

__all__ = ["JsonFlag", "MetaOption", "SortKey", "add", "forget", "history", "ls", "show"]

JsonFlag = Annotated[bool, typer.Option("--json", metavar="", help="Print JSON (for scripts) instead of a table.")]
MetaOption = Annotated[
    list[str] | None,
    typer.Option("--meta", metavar="KEY=VALUE", help="Metadata; repeatable. Values are JSON when they parse (n=3)."),
]


class SortKey(str, Enum):
    """Orders ``ls`` offers (the store's list orders)."""

    id = "id"
    created_at = "created_at"
    last_accessed_at = "last_accessed_at"
    importance = "importance"
    access_count = "access_count"


def add(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The text to remember (or use --file).")] = None,
    importance: Annotated[
        float | None, typer.Option(callback=check_importance, help="In [0, 1]; default: the store's scorer decides.")
    ] = None,
    kind: Annotated[str, typer.Option(help="A label: observation, fact, plan...")] = "observation",
    meta: MetaOption = None,
    created_at: Annotated[
        str | None, typer.Option("--created-at", metavar="ISO", help="When it happened (UTC without an offset).")
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file", "-f", metavar="PATH", help="Add many: JSON lines or plain text (a memory per line); - is stdin."
        ),
    ] = None,
    file_format: Annotated[FileFormat, typer.Option("--format", help="How to read --file.")] = FileFormat.auto,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Memories embedded per batch.")] = 256,
    supersedes: Annotated[
        int | None,
        typer.Option("--supersedes", metavar="ID", help="The memory this one replaces (kept as its history)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Remember a text, or every memory in a file (with a progress bar)."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give either TEXT or --file, not both or neither", param_hint="'TEXT' / '--file'")
    if supersedes is not None and file is not None:
        raise typer.BadParameter("--supersedes takes one TEXT, not --file", param_hint="'--supersedes'")
    defaults = NewMemory(
        text=text if text is not None else "",  # with --file, each line gives the text
        importance=importance,
        kind=kind,
        metadata=parse_meta(meta),
        created_at=parse_time(created_at, option="--created-at"),
    )
    settings = settings_of(ctx)
    if file is None:
        if text is None or not text.strip():
            raise typer.BadParameter("the text is blank: give the text to remember", param_hint="'TEXT'")
        with settings.store(embeds=True) as store:
            item = NewMemory(
                defaults.text,
                defaults.importance,
                defaults.kind,
                defaults.metadata,
                defaults.created_at,
                supersedes=supersedes,
            )
            outcome = store.add_detailed([item])[0]
        record = outcome.memory
        if as_json:
            old = None if outcome.superseded is None else outcome.superseded.id
            print_json(
                {
                    **record_json(record),
                    "added": outcome.action != "strengthened",
                    "action": outcome.action,
                    "superseded": old,
                }
            )
        elif outcome.superseded is not None:
            out().print(
                f"added memory {record.id} to namespace {record.namespace!r}: it supersedes memory "
                f"{outcome.superseded.id} ({outcome.reason}), kept as its history (agentmem history {record.id})"
            )
        elif outcome.action == "added":
            out().print(f"added memory {record.id} to namespace {record.namespace!r}")
        else:
            out().print(
                f"memory {record.id} already holds this text: strengthened it instead of adding a copy "
                f"(accessed {plural(record.access_count, 'time')}, importance {record.importance:.2f}"
                f"{', metadata merged' if defaults.metadata else ''})"
            )
        return
    check_input_file(file, option="--file")
    items = read_memories(file, file_format=file_format, defaults=defaults)
    validate_memories(items, start=1)  # all checked before anything is stored
    if not items:
        out().print(f"{file}: no memories to add")
        return
    with settings.store(embeds=True) as store:
        newest = _newest_id(store)
        ids = _add_in_batches(store, items, batch_size)
    fresh = sorted({i for i in ids if i > newest})
    merged = len(ids) - len(fresh)
    if as_json:
        print_json({"namespace": settings.namespace, "added": len(fresh), "merged": merged, "ids": ids})
        return
    span = "" if not fresh else f" (ids {fresh[0]}-{fresh[-1]})" if len(fresh) > 1 else f" (id {fresh[0]})"
    repeats = f"; {plural(merged, 'repeat')} of stored texts strengthened them instead" if merged else ""
    out().print(f"added {plural(len(fresh), 'memory', 'memories')} to namespace {settings.namespace!r}{span}{repeats}")


def _newest_id(store: MemoryStore) -> int:
    """The largest id of the namespace: ids only grow, so larger ones are memories this command added."""
    newest = store.list_memories(where=MemoryFilter(include_archived=True), descending=True, limit=1)
    return newest[0].id if newest else 0


def _add_in_batches(store: MemoryStore, items: list[NewMemory], batch_size: int) -> list[int]:
    ids: list[int] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err(), transient=not err().is_terminal) as progress:
        task = progress.add_task("embedding and storing", total=len(items))
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            ids.extend(r.id for r in store.add_many(batch))
            progress.advance(task, len(batch))
    return ids


def ls(
    ctx: typer.Context,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only this kind; repeatable.")] = None,
    meta: MetaOption = None,
    since: Annotated[str | None, typer.Option(metavar="ISO", help="Created at or after.")] = None,
    until: Annotated[str | None, typer.Option(metavar="ISO", help="Created before.")] = None,
    archived: Annotated[bool, typer.Option("--archived", metavar="", help="Include archived memories.")] = False,
    limit: Annotated[int, typer.Option(min=0, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    sort: Annotated[SortKey, typer.Option(help="Order by.")] = SortKey.id,
    desc: Annotated[bool, typer.Option("--desc", metavar="", help="Largest first.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List memories: filter, sort and page through them."""
    where = MemoryFilter(
        kinds=tuple(kind) if kind else None,
        metadata=parse_meta(meta),
        created_after=parse_time(since, option="--since"),
        created_before=parse_time(until, option="--until"),
        include_archived=archived,
    )
    settings = settings_of(ctx)
    with settings.store(embeds=False) as store:
        records = store.list_memories(where=where, order_by=sort.value, descending=desc, limit=limit, offset=offset)
    if as_json:
        print_json([record_json(r) for r in records])
    elif not records:
        out().print(f"no memories in namespace {settings.namespace!r}" + (" match" if where != MemoryFilter() else ""))
    else:
        more = f"; next page: --offset {offset + limit}" if len(records) == limit else ""
        caption = f"namespace {settings.namespace!r}: {len(records)} shown from offset {offset}{more}"
        out().print(memories_table(records, caption=caption))


def show(
    ctx: typer.Context,
    memory_id: Annotated[int, typer.Argument(metavar="ID", help="The memory's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show every field of a memory and its provenance (what superseded it, what it was made from)."""
    with settings_of(ctx).store(embeds=False) as store:
        record = store.get(memory_id)
        sources = store.sources(memory_id)
        superseded = None if record.superseded_by is None else _get_or_none(store, record.superseded_by)
        versions = store.history(memory_id)
    if as_json:
        print_json(
            {
                **record_json(record),
                "version": record.version,
                "sources": [s.id for s in sources],
                "history": [v.id for v in versions],
            }
        )
        return
    out().print(memory_view(record, sources=sources, superseded_by=superseded, history=versions))


def history(
    ctx: typer.Context,
    memory_id: Annotated[int, typer.Argument(metavar="ID", help="Any version's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Every version of a memory, oldest first, with when each held (superseded ones kept as history)."""
    with settings_of(ctx).store(embeds=False) as store:
        versions = store.history(memory_id)
    if as_json:
        print_json([record_json(v) for v in versions])
        return
    out().print(history_table(versions, asked=memory_id))


def forget(
    ctx: typer.Context,
    memory_id: Annotated[int, typer.Argument(metavar="ID", help="The memory's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a memory for good: its text, metadata and vector."""
    with settings_of(ctx).store(embeds=False) as store:
        record = store.get(memory_id)
        if not yes:
            snippet = " ".join(record.text.split())[:60]
            typer.confirm(f"forget memory {memory_id} ({snippet!r})?", abort=True, err=True)
        store.forget(memory_id)
    out().print(f"forgot memory {memory_id}")


def _get_or_none(store: MemoryStore, memory_id: int) -> MemoryRecord | None:
    try:
        return store.get(memory_id)
    except MemoryNotFoundError:
        return None
