"""prune, reflect and restore from the command line."""

from __future__ import annotations

import pytest

from tests.cli.harness import Cli, assert_one_line_error


def _fill(cli: Cli) -> None:
    for i, importance in enumerate([0.9, 0.1, 0.2, 0.8]):
        cli.ok("add", f"observation {i} about the garden tomatoes and watering", "--importance", str(importance))


def test_prune_is_a_dry_run_until_yes(cli: Cli) -> None:
    _fill(cli)
    preview = cli.json("prune", "--max-active", "2")
    assert preview["applied"] is False and preview["action"] == "archive"
    assert [m["importance"] for m in preview["memories"]] == [0.1, 0.2]
    assert len(cli.json("ls")) == 4
    assert "would archive 2 memories" in cli.ok("prune", "--max-active", "2").stdout
    assert "archived 2 memories" in cli.ok("prune", "--max-active", "2", "--yes").stdout
    assert [m["importance"] for m in cli.json("ls")] == [0.9, 0.8]
    restored = cli.json("restore", str(preview["memories"][0]["id"]))
    assert restored == {"restored": [preview["memories"][0]["id"]], "already_active": []}
    assert len(cli.json("ls")) == 3


def test_prune_needs_a_criterion_and_valid_durations(cli: Cli) -> None:
    _fill(cli)
    assert_one_line_error(cli("prune"), 2, "--older-than")
    assert_one_line_error(cli("prune", "--older-than", "soon"), 2, "duration")
    assert cli.json("prune", "--older-than", "30d")["memories"] == []


def test_hard_prune_deletes(cli: Cli) -> None:
    _fill(cli)
    cli.ok("prune", "--max-active", "3", "--hard", "--yes")
    assert len(cli.json("ls", "--archived")) == 3


@pytest.mark.parametrize("dry_run", [True, False])
def test_reflect(cli: Cli, dry_run: bool) -> None:
    _fill(cli)
    made = cli.json("reflect", *(["--dry-run"] if dry_run else []))
    assert len(made) == 1 and sorted(made[0]["sources"]) == [1, 2, 3, 4]
    assert (made[0]["id"] is None) is dry_run
    kinds = {m["kind"] for m in cli.json("ls")}
    assert kinds == ({"observation"} if dry_run else {"reflection"})
