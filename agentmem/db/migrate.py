"""Applying and checking the Alembic revisions shipped inside the package."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from sqlalchemy import Connection, Engine, text

from agentmem.db.engine import WRITE_OPTION
from agentmem.db.lexical import LEXICAL_OBJECTS
from agentmem.errors import ConfigError, SchemaOutOfDateError

__all__ = [
    "MigrateMode",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "include_name",
    "integrity_problems",
    "schema_differences",
]

MigrateMode = Literal["apply", "validate", "none"]
VERSION_TABLE = "agentmem_alembic_version"
# Any constant works: it only has to be the same for every agentmem process on a PostgreSQL server.
_PG_MIGRATION_LOCK = 0x61676D656D


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic ``include_name`` filter: compare everything but the lexical index, which the models cannot describe."""
    return name not in LEXICAL_OBJECTS


def _config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("agentmem.migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this version of agentmem ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "agentmem ships at least one revision"
    return str(head)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database agentmem never touched."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        revision = context.get_current_revision()
    return None if revision is None else str(revision)


def ensure_schema(engine: Engine, mode: MigrateMode) -> None:
    """Bring the schema to head (``apply``), insist it is there (``validate``), or trust it (``none``).

    Raises:
        SchemaOutOfDateError: ``validate`` on a database that is not at head.
        ConfigError: unknown mode.
    """
    if mode == "none":
        return
    if mode == "validate":
        current, head = current_revision(engine), head_revision()
        if current != head:
            raise SchemaOutOfDateError(current=current, head=head)
        return
    if mode != "apply":
        raise ConfigError(f"migrate must be 'apply', 'validate' or 'none', not {mode!r}")
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    # One transaction, holding the write lock (SQLite) or an advisory lock (PostgreSQL): processes
    # opening a new database at once queue up, and the later ones find the schema already at head.
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        command.upgrade(_config(conn), "head")


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the database and the models (empty when they agree), as Alembic reports it."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from agentmem.db.models import metadata

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, metadata))


def integrity_problems(engine: Engine) -> tuple[str, ...]:
    """What SQLite's ``PRAGMA integrity_check`` finds wrong with the file (its first 20 lines); empty when it
    is sound, and on PostgreSQL (which checks its own pages)."""
    if engine.dialect.name != "sqlite":
        return ()
    with engine.connect() as conn:
        found = tuple(str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check(20)"))
    return () if found == ("ok",) else found
