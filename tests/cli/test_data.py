"""export, import and reindex."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.harness import Cli, add_all, assert_one_line_error, exported


@pytest.fixture
def filled(cli: Cli) -> Cli:
    cli.ok("add", "first", "--kind", "fact", "--meta", "n=1", "--created-at", "2024-05-01T10:00:00+02:00")
    cli.ok("add", "second", "--importance", "0.8")
    cli.ok("recall", "first", "--touch", "--k", "1")  # an access count and time that must survive
    return cli


def test_export_to_stdout_and_file(filled: Cli, tmp_path: Path) -> None:
    result = filled.ok("export")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["text"] for line in lines] == ["first", "second"]
    assert "embedding" not in lines[0] and lines[0]["access_count"] == 1
    assert "exported 2 memories of namespace 'default'" in result.stderr
    out = tmp_path / "backup.jsonl"
    filed = filled.ok("export", "--out", str(out), "--vectors")
    assert filed.stdout == "" and str(out) in filed.stderr
    with_vectors = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert with_vectors[0]["model_id"] == "hashing-64" and with_vectors[0]["embedding"]
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("vectors", [False, True])
def test_import_into_a_new_database_is_identical(filled: Cli, tmp_path: Path, vectors: bool) -> None:
    dump = tmp_path / "dump.jsonl"
    filled.ok("export", "--out", str(dump), *(["--vectors"] if vectors else []))
    copy = Cli(tmp_path / "copy.db")
    assert "imported 2 memories into namespace 'default'" in copy.ok("import", str(dump)).stdout
    assert copy.json("ls") == filled.json("ls")
    assert copy.json("show", "1")["metadata"] == {"n": 1}


def test_import_keeps_the_files_namespaces_unless_told(filled: Cli, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text(exported(10, "alice's", namespace="alice") + "\n" + exported(11, "bob's", namespace="bob") + "\n")
    answer = filled.json("import", str(dump))
    assert answer == {"imported": {"alice": [10], "bob": [11]}}
    assert [r["text"] for r in filled.with_namespace("alice").json("ls")] == ["alice's"]
    forced = filled.with_namespace("merged").json("import", str(dump), "--new-ids")
    assert list(forced["imported"]) == ["merged"] and len(forced["imported"]["merged"]) == 2


def test_import_from_stdin_and_with_new_ids(filled: Cli, tmp_path: Path) -> None:
    dump = filled.ok("export").stdout
    assert_one_line_error(filled("import", "-", stdin=dump), 2, "memory ids already used", "--new-ids")
    answer = filled.json("import", "-", "--new-ids", stdin=dump)
    assert len(answer["imported"]["default"]) == 2
    assert [r["text"] for r in filled.json("ls")] == ["first", "second", "first", "second"]


def test_import_errors(cli: Cli, tmp_path: Path) -> None:
    assert_one_line_error(cli("import", str(tmp_path / "none.jsonl")), 2, "no such file")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "no id"}\n', encoding="utf-8")
    assert_one_line_error(cli("import", str(bad)), 2, "bad.jsonl:1", "missing field 'id'")
    bad.write_text("[1, 2]\n", encoding="utf-8")
    assert_one_line_error(cli("import", str(bad)), 2, "expected a JSON object")


def test_reindex_rebuilds_from_sql(cli: Cli) -> None:
    add_all(cli, ["one", "two", "three"])
    assert "rebuilt the faiss index of namespace 'default': 3 vectors" in cli.ok("reindex").stdout
    stats = cli.json("reindex")
    assert stats["index_size"] == 3 and stats["index_version"] == stats["version"]
