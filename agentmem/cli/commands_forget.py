"""Commands that distil and forget: reflect, prune, restore."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer

from agentmem.cli.commands_memories import JsonFlag
from agentmem.cli.parsing import plural
from agentmem.cli.render import out, print_json, record_json
from agentmem.cli.settings import settings_of
from agentmem.cli.tables import memories_table

__all__ = ["prune", "reflect", "restore"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | None, *, option: str) -> timedelta | None:
    """``90d``, ``12h``, ``30m``, ``2w``, ``45s`` as a timedelta."""
    if text is None:
        return None
    match = _DURATION.match(text)
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration such as 30d, 12h, 15m or 2w", param_hint=option)
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def prune(
    ctx: typer.Context,
    older_than: Annotated[
        str | None, typer.Option("--older-than", metavar="DURATION", help="Created longer ago than this (90d, 12h).")
    ] = None,
    below: Annotated[
        float | None, typer.Option("--below", metavar="RETENTION", help="Retention below this, in [0, 1].")
    ] = None,
    max_active: Annotated[
        int | None, typer.Option("--max-active", metavar="N", help="Keep at most N active memories.")
    ] = None,
    hard: Annotated[bool, typer.Option("--hard", metavar="", help="Delete for good instead of archiving.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Apply. Without it, only list what would go.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Forget what matters least: a dry run by default, listing exactly what would go; --yes applies it.

    Retention = 0.5·importance + 0.5·recency + 0.1·ln(1 + recalls). Archived memories leave recall but stay
    in the database (restore brings them back); --hard deletes text, vector and cached embedding.
    """
    if below is not None and not 0.0 <= below <= 1.0:
        raise typer.BadParameter(f"retention is in [0, 1], not {below}", param_hint="'--below'")
    if older_than is None and below is None and max_active is None:
        raise typer.BadParameter("say what to prune: --older-than, --below and/or --max-active")
    age = parse_duration(older_than, option="'--older-than'")
    settings = settings_of(ctx)
    with settings.store(embeds=False) as store:
        result = store.prune(older_than=age, below_retention=below, max_active=max_active, hard=hard, dry_run=not yes)
    if as_json:
        print_json(
            {
                "action": result.action,
                "applied": result.applied,
                "memories": [
                    record_json(m) | {"retention": r} for m, r in zip(result.memories, result.retention, strict=True)
                ],
            }
        )
        return
    verb = {"archive": "archived", "delete": "deleted"}[result.action]
    if not result.memories:
        out().print("nothing to prune")
        return
    head = (
        f"{verb} {len(result.memories)} memories"
        if result.applied
        else (f"would {result.action} {len(result.memories)} memories (dry run: add --yes to apply)")
    )
    out().print(memories_table(result.memories, caption=head))


def reflect(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", metavar="", help="Show the reflections without storing them.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Distil groups of related observations into reflections that replace them (sources are archived, except
    those whose details or words the summary lacks: they stay active)."""
    settings = settings_of(ctx)
    with settings.store(embeds=True) as store:
        made = store.reflect(dry_run=dry_run)
    if as_json:
        print_json(
            [
                {
                    "id": r.memory.id if r.memory else None,
                    "summary": r.summary,
                    "sources": list(r.sources),
                    "kept": list(r.kept),
                }
                for r in made
            ]
        )
        return
    if not made:
        out().print("nothing to reflect on")
        return
    for r in made:
        label = "would make" if r.memory is None else f"reflection {r.memory.id}"
        kept = f" ({len(r.kept)} kept active: {list(r.kept)}, the summary lacks what they say)" if r.kept else ""
        out().print(f"[bold]{label}[/] from {len(r.sources)} memories {list(r.sources)}{kept}: {r.summary}")


def restore(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Archived memories to bring back.")],
    as_json: JsonFlag = False,
) -> None:
    """Bring archived memories back into recall."""
    settings = settings_of(ctx)
    with settings.store(embeds=False) as store:
        # Every id must exist before anything changes (an unknown one is an error); active ones are said.
        active = [i for i in ids if store.get(i).status == "active"]
        restored = store.restore([i for i in ids if i not in active])
    if as_json:
        print_json({"restored": restored, "already_active": active})
        return
    if restored:
        out().print(f"restored {plural(len(restored), 'memory', 'memories')}: {', '.join(map(str, restored))}")
    if active:
        out().print(f"already active, nothing to restore: {', '.join(map(str, active))}")
