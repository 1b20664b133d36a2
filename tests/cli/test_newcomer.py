"""A newcomer's first hour with the installed ``agentmem``: each rough edge users met, as they met it.

Every test runs the real executable in a subprocess (the dependency-free ``hashing-64`` model keeps them fast;
test_executable.py runs the bundled model) and checks the exit code, stdout and stderr a user sees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentmem import HashingEmbedder, MemoryStore, NewMemory


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Runner = Callable[..., Run]


@pytest.fixture
def agentmem(tmp_path: Path) -> Runner:
    beside = Path(sys.executable).parent / "agentmem"
    executable = str(beside) if beside.exists() else shutil.which("agentmem")
    assert executable is not None, "the agentmem executable is not installed: run `pip install -e .`"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTMEM_")}
    env.update(HF_HUB_OFFLINE="1", AGENTMEM_HOME=str(tmp_path / "home"), AGENTMEM_MODEL="hashing-64", COLUMNS="80")

    def run(*args: str, stdin: str | None = None) -> Run:
        done = subprocess.run(
            [executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, input=stdin
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Run(done.returncode, done.stdout, done.stderr)

    return run


def _error(run: Run, code: int, *fragments: str) -> None:
    assert run.code == code, run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_1_a_blank_text_is_refused_not_stored_as_a_dash(agentmem: Runner, tmp_path: Path) -> None:
    _error(agentmem("--db", "m.db", "add", ""), 2, "the text is blank")
    assert not (tmp_path / "m.db").exists()


def test_2_binary_files_are_refused_without_a_traceback(agentmem: Runner) -> None:
    binary = sys.executable  # an ELF (or PE) file: not UTF-8
    _error(agentmem("--db", "m.db", "add", "--file", binary), 2, "is not UTF-8 text", "give a text or JSON-lines file")
    _error(agentmem("--db", "m.db", "import", binary), 2, "is not UTF-8 text")


def test_3_a_blank_namespace_never_becomes_default(agentmem: Runner) -> None:
    _error(agentmem("--db", "m.db", "-n", "", "add", "hello"), 2, "the namespace is blank")
    assert agentmem("--db", "m.db", "add", "hello").code == 0
    listed = json.loads(agentmem("--db", "m.db", "namespaces", "--json").out)
    assert listed == ["default"] or listed == {"namespaces": ["default"]} or "default" in json.dumps(listed)


def test_4_a_mistyped_folder_creates_no_database(agentmem: Runner, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    _error(agentmem("--db", str(missing), "add", "hello"), 2, "does not exist", "create it first")
    assert not (tmp_path / "no").exists()
    _error(agentmem("--db", str(missing), "init"), 2, "does not exist")
    assert not (tmp_path / "no").exists()
    # The default location is still created for a newcomer who gives no --db.
    assert agentmem("add", "hello").code == 0 and (tmp_path / "home" / "agentmem.db").is_file()


def test_5_restoring_an_unknown_id_is_an_error(agentmem: Runner) -> None:
    assert agentmem("--db", "m.db", "add", "hello").code == 0
    _error(agentmem("--db", "m.db", "restore", "99"), 1, "no memory with id 99")
    said = agentmem("--db", "m.db", "restore", "1")
    assert said.code == 0 and "already active" in said.out


def test_6_bare_agentmem_prints_the_help_and_succeeds(agentmem: Runner) -> None:
    bare = agentmem()
    assert bare.code == 0 and "Usage: agentmem" in bare.out and bare.err == ""


def test_7_import_errors_name_their_line_once(agentmem: Runner, tmp_path: Path) -> None:
    line = {"format": 99, "id": 1, "text": "a", "created_at": "2024-01-01T00:00:00+00:00"}
    (tmp_path / "bad5.jsonl").write_text("\n" + json.dumps(line) + "\n")
    run = agentmem("--db", "m.db", "import", "bad5.jsonl")
    _error(run, 2, "bad5.jsonl:2: export format 99 is not supported")
    assert run.err.count("bad5.jsonl:2") == 1


def test_8_messages_name_the_flag_and_the_real_problem(agentmem: Runner, tmp_path: Path) -> None:
    _error(agentmem("--db", "m.db", "add", "x", "--importance", "nan"), 2, "--importance", "in [0, 1], not nan")
    assert agentmem("--db", "m.db", "add", "x").code == 0
    _error(agentmem("--db", "m.db", "prune", "--below", "2"), 2, "--below", "retention is in [0, 1]")
    (tmp_path / "folder").mkdir()
    _error(agentmem("--db", "folder", "add", "x"), 2, "is a directory", "give a database file")
    _error(agentmem("--db", "m.db", "add", "--file", "folder"), 2, "is a directory: give a file")


def test_9_a_repeat_is_reported_as_strengthening_not_as_added(agentmem: Runner, tmp_path: Path) -> None:
    first = agentmem("--db", "m.db", "add", "Alice flies on Friday")
    assert first.out.strip() == "added memory 1 to namespace 'default'"
    again = agentmem("--db", "m.db", "add", "Alice flies on Friday")
    assert again.code == 0 and "memory 1 already holds this text" in again.out and "added" not in again.out
    assert json.loads(agentmem("--db", "m.db", "add", "Alice flies on Friday", "--json").out)["added"] is False
    (tmp_path / "notes.txt").write_text("Alice flies on Friday\nBob drinks tea\n")
    batch = json.loads(agentmem("--db", "m.db", "add", "--file", "notes.txt", "--json").out)
    assert (batch["added"], batch["merged"]) == (1, 1)


def test_10_cosmetics(agentmem: Runner, tmp_path: Path) -> None:
    for command in ((), ("add",), ("recall",), ("ls",)):
        assert "<bool>" not in agentmem(*command, "--help").out
    (tmp_path / "one.txt").write_text("just one\n")
    assert "added 1 memory to" in agentmem("--db", "m.db", "add", "--file", "one.txt").out
    (tmp_path / "empty.txt").write_text("")
    empty = agentmem("--db", "m.db", "add", "--file", "empty.txt")
    assert empty.code == 0 and "no memories to add" in empty.out and "0/0" not in empty.err
    words = "a long memory about the lighthouse keeper who counts ships every night " * 3
    assert agentmem("--db", "m.db", "add", words, "--importance", "0.9").code == 0
    listing = agentmem("--db", "m.db", "ls").out  # 80 columns: the text wraps instead of being cut short
    assert "counts ships" in listing and listing.count("lighthouse") >= 2
    explained = agentmem("--db", "m.db", "recall", "lighthouse keeper", "--explain").out
    assert explained.count("lighthouse") >= 2
    doctor = agentmem("--db", "m.db", "doctor").out
    assert "index holds all 2 active memories" in " ".join(doctor.split())
    recalled = json.loads(agentmem("--db", "m.db", "recall", "lighthouse", "--json").out)
    assert recalled["memories"][0]["importance"] == 0.9


def test_11_a_list_in_metadata_is_filtered_by_member(tmp_path: Path) -> None:
    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(32)) as store:
        store.add_many([NewMemory("red door", metadata={"tags": ["door", "red"]}), NewMemory("blue wall")])
        from agentmem import MemoryFilter

        found = store.list_memories(where=MemoryFilter(metadata={"tags": "door"}))
        assert [m.text for m in found] == ["red door"]


def test_12_add_many_reports_progress_and_a_naive_now_says_what_to_do(tmp_path: Path) -> None:
    from datetime import datetime

    from agentmem import ConfigError

    calls: list[tuple[int, int]] = []
    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(32)) as store:
        store.add("text 0")  # cached: counts as done at once
        store.add_many([f"text {i}" for i in range(600)], progress=lambda done, total: calls.append((done, total)))
        assert calls[0] == (1, 600) and calls[-1] == (600, 600) and len(calls) == 4
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)
        with pytest.raises(ConfigError, match="now must be a timezone-aware datetime"):
            store.recall("text", now=datetime(2024, 5, 1))


def test_13_docs_say_what_is_true(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    cli_doc = (root / "docs" / "cli.md").read_text()
    assert "arrive with" not in cli_doc
    heads = sorted(p.name[:4] for p in (root / "migrations" / "versions").glob("0*.py"))
    assert f"schema {heads[-1]}" in cli_doc or f"({heads[-1]})" in cli_doc or heads[-1] in cli_doc


def test_12_reopening_with_another_index_kind_raises_no_alarm(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(32), index="faiss") as store:
        store.add_many(["one", "two"])
    with (
        caplog.at_level("INFO", logger="agentmem"),
        MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(32), index="hnsw") as store,
    ):
        assert [m.memory.text for m in store.retrieve("one", k=1, floor=False)] == ["one"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text
    assert "no saved hnsw index" in caplog.text and "is missing" not in caplog.text
