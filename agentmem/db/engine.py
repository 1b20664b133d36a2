"""Turning a path or URL into a configured SQLAlchemy engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, ExceptionContext, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from agentmem.errors import ConfigError, DatabaseError, MissingDependencyError

__all__ = ["DEFAULT_DB_FILENAME", "WRITE_OPTION", "database_error", "default_home", "open_engine", "resolve_url"]

DEFAULT_DB_FILENAME = "agentmem.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "agentmem_write"
"""Execution option marking a connection whose transaction will write."""


def default_home() -> Path:
    """Where agentmem keeps its files by default: ``$AGENTMEM_HOME``, else ``./.agentmem``."""
    return Path(os.environ.get("AGENTMEM_HOME") or ".agentmem")


def resolve_url(path_or_url: str | os.PathLike[str] | None) -> str:
    """Return the SQLAlchemy URL for a database path, URL or None (the default SQLite file).

    Args:
        path_or_url: a SQLAlchemy URL (``postgresql+psycopg://...``, ``sqlite:///...``), a file path, or None
            for ``<home>/agentmem.db`` (see :func:`default_home`).

    Raises:
        ConfigError: the URL cannot be parsed.
    """
    if path_or_url is None:
        path_or_url = default_home() / DEFAULT_DB_FILENAME
    text = os.fspath(path_or_url)
    if text == ":memory:":
        return "sqlite:///:memory:"
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        make_url(text)
    except ArgumentError as exc:
        raise ConfigError(f"cannot parse database URL {text!r}: {exc}") from exc
    return text


def open_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and durable commits.

    Raises:
        ConfigError: unsupported URL, or the SQLite file's folder cannot be created.
        MissingDependencyError: the database driver is not installed.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(url)
    elif backend != "postgresql":
        raise ConfigError(f"unsupported database {backend!r}: use a SQLite path or a postgresql:// URL")
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (ImportError, NoSuchModuleError) as exc:
            raise MissingDependencyError("psycopg", extra="postgres") from exc
    event.listen(engine, "handle_error", _raise_database_error)
    return engine


# What to do about the driver errors users meet, by a fragment of their message (lower case).
_ADVICE = (
    ("database is locked", "another process holds the write lock for longer than the busy timeout; retry"),
    ("disk is full", "free disk space; nothing was written by the failed statement"),
    ("unable to open database file", "check that the path's folder exists and is writable"),
    ("file is not a database", "the path holds another kind of file: point --db / the path at an agentmem database"),
    ("malformed", "the file is damaged: restore it from a backup (agentmem doctor checks it)"),
    ("readonly database", "the database file or its folder is read-only: make it writable"),
    ("connection refused", "check that the PostgreSQL server runs and that the URL names its host and port"),
    ("does not exist", "check the database name in the URL, or create it"),
)


def _raise_database_error(context: ExceptionContext) -> None:
    """The one place driver exceptions enter agentmem's error tree (SQLAlchemy's error hook)."""
    if context.is_pre_ping:  # the pool retries a dead connection itself
        return
    raise database_error(context.dialect.name if context.dialect else "database", context.original_exception)


def database_error(backend: str, original: BaseException) -> DatabaseError:
    """The DatabaseError for a driver exception: what the database said, and what to do about it."""
    reason = " ".join(str(original).split()) or type(original).__name__
    lowered = reason.lower()
    advice = next((a for fragment, a in _ADVICE if fragment in lowered), "")
    return DatabaseError(backend=backend, reason=reason, advice=advice)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the folder for {database}: {exc}") from exc
    in_memory = database in (None, "", ":memory:")
    # An in-memory database lives as long as its one connection: every session must share it. A file's
    # connections are pooled and may be checked out by any thread, one at a time (stores are used from
    # worker threads: LangGraph's node pool, asyncio.to_thread), so sqlite3's same-thread check is off.
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        poolclass=StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is turned off so BEGIN is emitted explicitly (below):
        # pysqlite otherwise defers BEGIN and lets reads run outside the writer's transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: an acknowledged commit survives power loss, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A write transaction takes the write lock up front (IMMEDIATE), so two writers queue on
        # busy_timeout instead of failing with "database is locked" when a read lock is upgraded.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
