"""init, migrate, doctor, stats and namespaces."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.harness import Cli, add_all, assert_one_line_error


def test_init_creates_then_reports_ready(cli: Cli, tmp_path: Path) -> None:
    created = cli.ok("init").stdout
    assert "created an agentmem database at" in created and str(tmp_path / "memories.db") in created
    assert (tmp_path / "memories.db").is_file()
    assert "is ready" in cli.ok("init").stdout
    answer = cli.json("init")
    assert answer["created"] is False and answer["revision"]


def test_init_at_the_default_location(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = Cli(db="", model="hashing-64", env={"AGENTMEM_HOME": str(home)})
    # --db "" means "not given": the store's default, $AGENTMEM_HOME/agentmem.db
    assert str(home / "agentmem.db") in result.ok("init").stdout


def test_migrate_check_and_apply(cli: Cli, tmp_path: Path) -> None:
    assert_one_line_error(cli("migrate", "--check"), 2, "no agentmem database")
    sqlite3.connect(tmp_path / "memories.db").close()  # an empty database: every migration pending
    pending = cli("migrate", "--check")
    assert pending.exit_code == 1 and "migrations pending: schema empty" in pending.stdout
    assert "migrated schema empty ->" in cli.ok("migrate").stdout
    assert "schema is up to date" in cli.ok("migrate", "--check").stdout
    answer = cli.json("migrate")
    assert answer["revision"] == answer["head"] and answer["applied"] is False


def test_reads_refuse_an_out_of_date_schema(cli: Cli, tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "memories.db").close()
    assert_one_line_error(cli("ls"), 1, "run `agentmem migrate`")


def test_doctor_healthy_database(cli: Cli) -> None:
    add_all(cli, ["one", "two"])
    add_all(cli.with_namespace("other"), ["three"])
    report = cli.json("doctor")
    assert report["ok"] is True
    names = [c["name"] for c in report["checks"]]
    assert names == [
        "database",
        "integrity",
        "schema revision",
        "schema matches models",
        "index default",
        "model default",
        "index other",
        "model other",
    ]
    assert "ok" in cli.ok("doctor").stdout


def test_doctor_reports_model_mismatch_and_exits_1(cli: Cli) -> None:
    add_all(cli, ["one"])
    result = cli.with_model("hashing-32")("doctor", "--json")
    assert result.exit_code == 1
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["model default"]
    assert "built with hashing-64" in failed[0]["detail"] and "--model hashing-64" in failed[0]["detail"]


def test_doctor_runs_the_integrity_check_and_exits_1_on_a_malformed_file(cli: Cli, tmp_path: Path) -> None:
    """Issue 19, defect 9: doctor said ok about a file SQLite's integrity check finds malformed."""
    add_all(cli, ["one", "two", "three"])
    with sqlite3.connect(tmp_path / "memories.db") as conn:
        # Two indexes of the table swap their b-trees: every query still runs, the schema text is unchanged.
        pages = dict(
            conn.execute("SELECT name, rootpage FROM sqlite_master WHERE name LIKE 'ix_agentmem_memories_ns_%'")
        )
        conn.execute("PRAGMA writable_schema=ON")
        for one, other in (("status", "hash"), ("hash", "status")):
            conn.execute(
                "UPDATE sqlite_master SET rootpage = ? WHERE name = ?",
                (pages[f"ix_agentmem_memories_ns_{other}"], f"ix_agentmem_memories_ns_{one}"),
            )
    conn.close()
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "integrity"]
    assert not check["ok"] and "missing from index" in check["detail"] and "backup" in check["detail"]


def test_doctor_on_missing_and_empty_databases(cli: Cli, tmp_path: Path) -> None:
    missing = cli("doctor")
    assert missing.exit_code == 1 and "no database at" in missing.stdout
    sqlite3.connect(tmp_path / "memories.db").close()
    empty = cli("doctor")
    assert empty.exit_code == 1 and "agentmem init" in empty.stdout


def test_stats_of_a_namespace_and_of_all(cli: Cli) -> None:
    add_all(cli, ["one", "two"], "--kind", "fact")
    add_all(cli, ["three"])
    add_all(cli.with_namespace("small").with_model("hashing-32"), ["elsewhere"])
    stats = cli.json("stats")
    assert stats["namespace"] == "default" and stats["active"] == 3 and stats["archived"] == 0
    assert stats["by_kind"] == {"fact": 2, "observation": 1}
    assert (stats["model_id"], stats["dimensions"]) == ("hashing-64", 64)
    assert stats["index_size"] == 3 and stats["index_version"] == stats["version"] and stats["sql_bytes"] > 0
    # Namespaces built with other models are read without --model: stats embeds nothing.
    everything = cli.with_model(None).json("stats", "--all")
    assert [(s["namespace"], s["model_id"], s["active"]) for s in everything] == [
        ("default", "hashing-64", 3),
        ("small", "hashing-32", 1),
    ]
    table = cli.ok("stats", "--all").stdout
    assert "namespace 'small'" in table and "fact 2, observation 1" in table


def test_stats_of_a_namespace_not_created_yet(cli: Cli) -> None:
    cli.ok("init")
    stats = cli.with_namespace("nobody").json("stats")
    assert stats["active"] == 0 and stats["model_id"] == "hashing-64"


def test_namespaces(cli: Cli) -> None:
    cli.ok("init")
    assert cli.json("namespaces") == []
    add_all(cli.with_namespace("alice"), ["a"])
    add_all(cli.with_namespace("bob"), ["b"])
    assert cli.json("namespaces") == ["alice", "bob"]
    assert cli.ok("namespaces").stdout == "alice\nbob\n"
