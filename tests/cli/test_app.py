"""The app as a whole: help, version, global options from the environment, exit codes, PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentmem.cli import main
from tests.cli.harness import Cli, add_all, assert_one_line_error


def test_help_lists_every_command(cli: Cli) -> None:
    text = cli.ok("--help").stdout
    for command in ("init", "add", "recall", "search", "ls", "show", "stats", "namespaces", "forget", "prune",
                    "reflect", "restore", "export", "import", "reindex", "doctor", "migrate"):  # fmt: skip
        assert f" {command} " in text


def test_global_options_come_from_the_environment(tmp_path: Path) -> None:
    env = {"AGENTMEM_DB": str(tmp_path / "env.db"), "AGENTMEM_NAMESPACE": "envspace", "AGENTMEM_MODEL": "hashing-16"}
    from_env = Cli(db=None, model=None, env=env)
    record = from_env.json("add", "configured by the environment")
    assert record["namespace"] == "envspace"
    stats = from_env.json("stats")
    assert (stats["model_id"], stats["active"]) == ("hashing-16", 1)
    assert (tmp_path / "env.db").is_file()
    # An option given on the command line wins over the environment.
    assert Cli(db=None, model=None, namespace="other", env=env).json("ls") == []


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["bogus"], 2, "No such command 'bogus'"),
        (["ls", "--no-such-option"], 2, "No such option"),
        (["--model", "hashing-x", "ls"], 2, "expected hashing-<dimensions>"),
        (["--model", "./no/such/folder", "add", "x"], 2, "is not an existing folder"),
        (["--namespace", " ", "add", "x"], 2, "the namespace is blank"),
        (
            ["--db", "postgresql+psycopg://agentmem@127.0.0.1:1/none", "init"],
            1,
            "check that the PostgreSQL server runs",
        ),
        (["--db", "mysql://localhost/x", "init"], 2, "unsupported database 'mysql'"),
    ],
)
def test_mistakes_are_one_line_errors(cli: Cli, args: list[str], code: int, fragment: str) -> None:
    assert_one_line_error(Cli(cli.db, model=None)(*args), code, fragment)


def test_main_returns_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "main.db")
    assert main(["--db", db, "--model", "hashing-8", "add", "hello"]) == 0
    assert main(["--db", db, "show", "42"]) == 1
    assert main(["--db", db, "ls", "--limit", "x"]) == 2
    assert main(["--version"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("error: ") == 2 and "agentmem 0.1.0" in captured.out


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "AGENTMEM_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "agentmem", "--version"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "agentmem 0.1.0"


@pytest.mark.postgres
def test_commands_against_postgresql(postgres_url: str) -> None:
    cli = Cli(postgres_url)
    assert "created an agentmem database" in cli.ok("init").stdout
    add_all(cli, ["Alice's flight leaves Friday", "Bob prefers tea"])
    assert [r["text"] for r in cli.json("ls")] == ["Alice's flight leaves Friday", "Bob prefers tea"]
    assert cli.json("recall", "tea", "--k", "1")["memories"][0]["memory"]["text"] == "Bob prefers tea"
    assert cli.json("doctor")["ok"] is True
    assert cli.json("stats")["active"] == 2
    where = cli.ok("init").stdout
    assert "postgresql+psycopg://" in where
