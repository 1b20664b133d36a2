"""Alembic revisions create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import inspect, text

from agentmem import ConfigError, HashingEmbedder, MemoryStore, SchemaOutOfDateError
from agentmem.db.engine import open_engine, resolve_url
from agentmem.db.migrate import current_revision, ensure_schema, head_revision, schema_differences


@pytest.fixture(params=["sqlite", "postgres"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return resolve_url(tmp_path / "schema.db")
    return str(request.getfixturevalue("postgres_url"))


def test_upgrade_from_empty_matches_the_models(engine_url: str) -> None:
    engine = open_engine(engine_url)
    assert current_revision(engine) is None
    ensure_schema(engine, "apply")
    assert current_revision(engine) == head_revision()
    assert schema_differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "agentmem_namespaces",
        "agentmem_memories",
        "agentmem_memory_sources",
        "agentmem_embedding_cache",
    } <= tables
    ensure_schema(engine, "apply")  # idempotent
    engine.dispose()


def test_validate_refuses_an_unmigrated_database(engine_url: str, tmp_path: Path) -> None:
    with pytest.raises(SchemaOutOfDateError, match="agentmem migrate"):
        MemoryStore.open(engine_url, embedder=HashingEmbedder(), migrate="validate", index_dir=tmp_path)
    MemoryStore.open(engine_url, embedder=HashingEmbedder(), index_dir=tmp_path).close()
    MemoryStore.open(engine_url, embedder=HashingEmbedder(), migrate="validate", index_dir=tmp_path).close()


def test_sqlite_is_configured_for_durability_and_concurrency(tmp_path: Path) -> None:
    engine = open_engine(resolve_url(tmp_path / "pragmas.db"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


def test_default_location_follows_agentmem_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTMEM_HOME", str(tmp_path / "home"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'home' / 'agentmem.db'}"
    monkeypatch.delenv("AGENTMEM_HOME")
    monkeypatch.chdir(tmp_path)
    assert resolve_url(None) == f"sqlite:///{tmp_path / '.agentmem' / 'agentmem.db'}"


def test_unsupported_urls_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        open_engine("mysql://localhost/x")
    with pytest.raises(ConfigError, match="cannot parse"):
        resolve_url("not a url://")


def test_migrate_mode_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="migrate must be"):
        ensure_schema(open_engine(resolve_url(tmp_path / "m.db")), cast(Any, "sometimes"))  # not a mode, on purpose


@pytest.mark.skipif(not os.environ.get("AGENTMEM_TEST_POSTGRES_URL"), reason="AGENTMEM_TEST_POSTGRES_URL is not set")
def test_postgres_url_is_the_one_ci_exports() -> None:
    assert os.environ["AGENTMEM_TEST_POSTGRES_URL"].startswith("postgresql")
