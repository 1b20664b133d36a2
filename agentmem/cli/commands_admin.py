"""Commands about the database as a whole: init, migrate, doctor, stats, namespaces."""

from __future__ import annotations

from typing import Annotated

import typer

from agentmem import database_schema, migrate_database
from agentmem.cli.commands_memories import JsonFlag
from agentmem.cli.doctor import diagnose
from agentmem.cli.render import out, print_json, stats_json
from agentmem.cli.settings import settings_of, stats_of
from agentmem.cli.tables import checks_table, stats_table

__all__ = ["doctor", "init", "migrate", "namespaces", "stats"]


def init(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Create the database (or bring an existing one up to date) and say where it is."""
    settings = settings_of(ctx)
    settings.check_location()
    old, new = migrate_database(settings.db)
    before, after = old.revision, new.revision
    if as_json:
        print_json({"database": settings.where(), "created": before is None, "revision": after})
    elif before is None:
        out().print(f"created an agentmem database at {settings.where()} (schema {after})")
    elif before != after:
        out().print(f"migrated the agentmem database at {settings.where()} from schema {before} to {after}")
    else:
        out().print(f"the agentmem database at {settings.where()} is ready (schema {after})")


def migrate(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", metavar="", help="Only report; exit 1 if migrations are pending.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Apply the schema migrations this version of agentmem ships."""
    settings = settings_of(ctx)
    settings.check_location()
    if check:
        settings.require_database()
    schema = database_schema(settings.db) if check else migrate_database(settings.db)[0]
    before, head = schema.revision, schema.head
    pending = before != head
    if as_json:
        print_json({"database": settings.where(), "revision": before, "head": head, "applied": pending and not check})
    elif not pending:
        out().print(f"schema is up to date ({head})")
    elif check:
        out().print(f"migrations pending: schema {before or 'empty'}, this agentmem needs {head}")
    else:
        out().print(f"migrated schema {before or 'empty'} -> {head}")
    if check and pending:
        raise typer.Exit(1)


def doctor(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Check the schema, index-vs-SQL agreement and models of every namespace; exit 1 on any problem."""
    checks = diagnose(settings_of(ctx))
    healthy = all(c.ok for c in checks)
    if as_json:
        print_json({"ok": healthy, "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks]})
    else:
        out().print(checks_table(checks))
    if not healthy:
        raise typer.Exit(1)


def stats(
    ctx: typer.Context,
    all_namespaces: Annotated[bool, typer.Option("--all", metavar="", help="Every namespace of the database.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Counts by kind and status, SQL bytes, index kind/size/version and model of a namespace."""
    settings = settings_of(ctx)
    with settings.store(embeds=False) as store:
        names = store.namespaces() if all_namespaces else [settings.namespace]
        found = [stats_of(store, settings, name) for name in names]
    if as_json:
        print_json([stats_json(s) for s in found] if all_namespaces else stats_json(found[0]))
    elif not found:
        out().print("no namespaces yet")
    else:
        out().print(stats_table(found))


def namespaces(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The namespaces (agents, users) of the database, one per line."""
    with settings_of(ctx).store(embeds=False) as store:
        names = store.namespaces()
    if as_json:
        print_json(names)
    else:
        for name in names:
            typer.echo(name)
