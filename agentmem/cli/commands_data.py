"""Commands that move or rebuild data in bulk: export, import, reindex."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from agentmem import ExportedMemory, ImportRejectedError, read_jsonl, write_jsonl
from agentmem.cli.commands_memories import JsonFlag
from agentmem.cli.parsing import check_input_file, read_text_lines
from agentmem.cli.render import err, out, print_json, stats_json
from agentmem.cli.settings import Settings, settings_of

__all__ = ["export", "import_", "reindex"]


def export(
    ctx: typer.Context,
    out_file: Annotated[
        str | None, typer.Option("--out", "-o", metavar="FILE", help="Write here instead of standard output.")
    ] = None,
    vectors: Annotated[
        bool,
        typer.Option("--vectors", metavar="", help="Include the vectors (bit-exact), so import needs no embedding."),
    ] = False,
) -> None:
    """Write every memory of the namespace (archived ones too) as JSON lines, with provenance."""
    settings = settings_of(ctx)
    with settings.store(embeds=False) as store:
        items = store.export_memories(vectors=vectors)
        if out_file in (None, "-"):
            count = write_jsonl(items, sys.stdout)
            sys.stdout.flush()
        else:
            count = _write_file(Path(out_file), items)
    where = "" if out_file in (None, "-") else f" to {out_file}"
    err().print(f"exported {count} memories of namespace {settings.namespace!r}{where}")


def _write_file(path: Path, items: Iterable[ExportedMemory]) -> int:
    # Written beside the target and renamed over it: a failed export never truncates an earlier backup.
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as stream:
            count = write_jsonl(items, stream)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="JSON lines from `agentmem export`; - is stdin.")],
    new_ids: Annotated[
        bool, typer.Option("--new-ids", metavar="", help="Give the memories new ids (links between them are kept).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Restore exported memories exactly (ids, times, access counts, provenance).

    They go to the namespace recorded in the file unless --namespace is given.
    """
    settings = settings_of(ctx)
    check_input_file(file, option="FILE")
    lines = read_text_lines(file)
    name = "<stdin>" if file == "-" else file
    items = list(read_jsonl(io.StringIO("\n".join(lines)), name=name))
    numbers = [number for number, line in enumerate(lines, start=1) if line.strip()]
    groups = _by_namespace(items, settings)
    imported: dict[str, list[int]] = {}
    if groups:
        first = next(iter(groups))
        with settings.store(embeds=True, namespace=first) as store:
            targets = {n: store if n == first else store.with_namespace(n) for n in groups}
            # Every namespace's memories are checked before any is imported: one bad line imports nothing.
            problems: list[str] = []
            for n, batch in groups.items():
                try:
                    targets[n].import_memories([item for _, item in batch], keep_ids=not new_ids, dry_run=True)
                except ImportRejectedError as exc:
                    lines_of = {i: f"{name}:{numbers[position]}" for i, (position, _) in enumerate(batch)}
                    problems.extend(_relabelled(exc.problems, lines_of))
            if problems:
                raise ImportRejectedError(sorted(problems, key=_line_number))
            for n, batch in groups.items():
                imported[n] = targets[n].import_memories([item for _, item in batch], keep_ids=not new_ids)
    if as_json:
        print_json({"imported": imported})
        return
    for name, ids in imported.items():
        out().print(f"imported {len(ids)} memories into namespace {name!r}")
    if not imported:
        out().print(f"{file}: nothing to import")


def _by_namespace(items: list[ExportedMemory], settings: Settings) -> dict[str, list[tuple[int, ExportedMemory]]]:
    """The items (with their position in the file) by the namespace they go to."""
    groups: dict[str, list[tuple[int, ExportedMemory]]] = {}
    for position, item in enumerate(items):
        name = settings.namespace if settings.namespace_given else (item.record.namespace or settings.namespace)
        groups.setdefault(name, []).append((position, item))
    return groups


def _relabelled(problems: Iterable[str], lines_of: dict[int, str]) -> list[str]:
    """``memory #3: ...`` as ``file.jsonl:7: ...``."""
    relabelled = []
    for problem in problems:
        found = re.match(r"memory #(\d+): ", problem)
        where = lines_of.get(int(found.group(1))) if found else None
        relabelled.append(problem if found is None or where is None else f"{where}: {problem[found.end() :]}")
    return relabelled


def _line_number(problem: str) -> int:
    found = re.match(r".*?:(\d+): ", problem)
    return int(found.group(1)) if found else 0


def reindex(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Rebuild the namespace's vector index from the vectors stored in SQL (nothing is re-embedded)."""
    settings = settings_of(ctx)
    with settings.store(embeds=False) as store, err().status(f"rebuilding the index of {settings.namespace!r}"):
        stats = store.reindex()
    if as_json:
        print_json(stats_json(stats))
    else:
        out().print(
            f"rebuilt the {stats.index_kind} index of namespace {stats.namespace!r}: "
            f"{stats.index_vectors} vectors of {stats.index_size} memories at version {stats.version}"
        )
