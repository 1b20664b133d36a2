"""add, ls, show and forget: happy paths, filters, paging, provenance and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import Cli, add_all, assert_one_line_error, exported


def test_add_stores_text_with_options_and_json_metadata(cli: Cli) -> None:
    record = cli.json(
        "add",
        "Alice's flight to Lisbon leaves Friday at 09:40",
        "--importance",
        "0.9",
        "--kind",
        "fact",
        "--meta",
        "source=email",
        "--meta",
        "n=3",
        "--meta",
        "urgent=true",
        "--meta",
        "note=not json",
        "--created-at",
        "2024-05-01T09:30",
    )
    assert record["text"] == "Alice's flight to Lisbon leaves Friday at 09:40"
    assert (record["kind"], record["importance"], record["namespace"]) == ("fact", pytest.approx(0.9), "default")
    assert record["metadata"] == {"source": "email", "n": 3, "urgent": True, "note": "not json"}
    assert record["created_at"] == "2024-05-01T09:30:00+00:00"  # no offset given: UTC
    assert cli.json("ls")[0]["id"] == record["id"]


def test_add_prints_the_id_for_people(cli: Cli) -> None:
    result = cli.ok("add", "The cat sat on the mat.")
    assert result.stdout.strip() == "added memory 1 to namespace 'default'"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((), "give either TEXT or --file"),
        (("x", "--file", "notes.txt"), "give either TEXT or --file"),
        (("x", "--importance", "2"), "--importance"),
        (("x", "--meta", "novalue"), "expected KEY=VALUE"),
        (("x", "--meta", "=3"), "expected KEY=VALUE"),
        (("x", "--created-at", "friday"), "ISO 8601"),
        (("x", "--file", "missing.txt"), "give either TEXT or --file"),
        (("--file", "missing.txt"), "no such file"),
    ],
)
def test_add_usage_errors_are_one_line_and_exit_2(cli: Cli, args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(cli("add", *args), 2, fragment)


def test_add_blank_text_is_refused_before_anything_opens(cli: Cli) -> None:
    assert_one_line_error(cli("add", "   "), 2, "the text is blank")


def test_add_file_of_text_lines_in_batches(cli: Cli, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("first line\n\n   \nsecond line  \nthird\nfourth\nfifth\n", encoding="utf-8")
    summary = cli.json("add", "--file", str(notes), "--kind", "note", "--meta", "src=notes", "--batch-size", "2")
    assert summary["added"] == 5 and len(summary["ids"]) == 5
    listed = cli.json("ls")
    assert [r["text"] for r in listed] == ["first line", "second line", "third", "fourth", "fifth"]
    assert {r["kind"] for r in listed} == {"note"}
    assert all(r["metadata"] == {"src": "notes"} for r in listed)


def test_add_file_of_json_lines_overrides_defaults(cli: Cli, tmp_path: Path) -> None:
    lines = tmp_path / "memories.jsonl"
    lines.write_text(
        '{"text": "json one", "kind": "fact", "metadata": {"a": 1}}\n'
        "\n"
        '{"text": "json two", "importance": 0.2, "created_at": "2024-05-01T00:00:00Z"}\n',
        encoding="utf-8",
    )
    cli.ok("add", "--file", str(lines), "--meta", "src=file", "--importance", "0.7")
    one, two = cli.json("ls")
    assert (one["kind"], one["importance"], one["metadata"]) == ("fact", pytest.approx(0.7), {"src": "file", "a": 1})
    assert (two["kind"], two["importance"]) == ("observation", pytest.approx(0.2))
    assert two["created_at"] == "2024-05-01T00:00:00+00:00"


def test_add_file_from_stdin_and_jsonl_sniffed_without_suffix(cli: Cli, tmp_path: Path) -> None:
    cli.ok("add", "--file", "-", stdin="from stdin one\nfrom stdin two\n")
    sniffed = tmp_path / "memories.txt"
    sniffed.write_text('{"text": "looks like json"}\n', encoding="utf-8")
    cli.ok("add", "--file", str(sniffed))
    cli.ok("add", "--file", str(sniffed), "--format", "text")
    assert [r["text"] for r in cli.json("ls")] == [
        "from stdin one",
        "from stdin two",
        "looks like json",
        '{"text": "looks like json"}',
    ]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"text": "ok"}\n{"text": "bad", "importance": 5}\n', "importance must be in [0, 1]"),
        ('{"text": "ok"}\nnot json\n', "memories.jsonl:2: not valid JSON"),
        ('{"text": "ok"}\n{"id": 3, "text": "x"}\n', "use `agentmem import`"),
        ('{"text": 3}\n', "memories.jsonl:1: 'text' must be a string"),
    ],
)
def test_add_file_with_a_bad_line_stores_nothing(cli: Cli, tmp_path: Path, content: str, fragment: str) -> None:
    cli.ok("init")
    lines = tmp_path / "memories.jsonl"
    lines.write_text(content, encoding="utf-8")
    assert_one_line_error(cli("add", "--file", str(lines)), 2, fragment)
    assert cli.json("ls") == []


@pytest.fixture
def filled(cli: Cli) -> Cli:
    cli.ok("add", "old fact", "--kind", "fact", "--importance", "0.9", "--created-at", "2024-01-01")
    cli.ok("add", "a plan", "--kind", "plan", "--importance", "0.1", "--created-at", "2024-03-01", "--meta", "p=1")
    cli.ok("add", "new note", "--importance", "0.5", "--created-at", "2024-06-01", "--meta", "p=2")
    cli.ok("add", "newest note", "--importance", "0.3", "--created-at", "2024-07-01", "--meta", "p=1")
    return cli


def _texts(cli: Cli, *args: str) -> list[str]:
    return [r["text"] for r in cli.json("ls", *args)]


def test_ls_filters(filled: Cli) -> None:
    assert _texts(filled, "--kind", "fact", "--kind", "plan") == ["old fact", "a plan"]
    assert _texts(filled, "--meta", "p=1") == ["a plan", "newest note"]
    assert _texts(filled, "--meta", "p=[1, 2]") == ["a plan", "new note", "newest note"]
    assert _texts(filled, "--since", "2024-03-01", "--until", "2024-07-01") == ["a plan", "new note"]
    assert _texts(filled, "--kind", "nothing") == []


def test_ls_sorts_and_pages(filled: Cli) -> None:
    assert _texts(filled, "--sort", "importance", "--desc") == ["old fact", "new note", "newest note", "a plan"]
    assert _texts(filled, "--sort", "created_at", "--desc", "--limit", "2", "--offset", "1") == [
        "new note",
        "a plan",
    ]
    assert _texts(filled, "--limit", "0") == []


def test_ls_table_shows_a_page(filled: Cli) -> None:
    table = filled.ok("ls", "--limit", "2").stdout
    assert "old fact" in table and "a plan" in table and "new note" not in table
    assert "next page: --offset 2" in table


def test_ls_archived_only_on_request(cli: Cli, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text(exported(1, "kept") + "\n" + exported(2, "put away", status="archived") + "\n", encoding="utf-8")
    cli.ok("import", str(dump))
    assert _texts(cli) == ["kept"]
    assert _texts(cli, "--archived") == ["kept", "put away"]
    assert "archived" in cli.ok("ls", "--archived").stdout


def test_ls_errors(cli: Cli, tmp_path: Path) -> None:
    assert_one_line_error(cli("ls"), 2, "no agentmem database at", "agentmem init")
    assert not (tmp_path / "memories.db").exists()  # reading never creates a database
    cli.ok("init")
    assert_one_line_error(cli("ls", "--sort", "size"), 2, "--sort")
    assert_one_line_error(cli("ls", "--since", "yesterday"), 2, "--since", "ISO 8601")
    assert_one_line_error(cli("ls", "--limit", "-1"), 2, "--limit")
    assert "no memories in namespace 'default'" in cli.ok("ls").stdout


def test_show_all_fields_and_provenance(cli: Cli, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        "\n".join(
            [
                exported(1, "saw Alice at the bakery", status="archived", superseded_by=3),
                exported(2, "saw Alice buy bread", status="archived", superseded_by=3),
                exported(3, "Alice likes fresh bread", kind="reflection", sources=(1, 2)),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    cli.ok("import", str(dump))
    reflection = cli.json("show", "3")
    assert reflection["sources"] == [1, 2] and reflection["kind"] == "reflection"
    assert reflection["version"] >= 1 and "last_accessed_at" in reflection
    shown = cli.ok("show", "3").stdout
    assert "made from" in shown and "saw Alice at the bakery" in shown and "saw Alice buy bread" in shown
    source = cli.ok("show", "1").stdout
    assert "superseded by 3" in source and "Alice likes fresh bread" in source
    assert cli.json("show", "1")["sources"] == []


def test_show_plain_memory_and_missing_id(cli: Cli) -> None:
    (memory_id,) = add_all(cli, ["an original observation"], "--meta", "k=v")
    shown = cli.ok("show", str(memory_id)).stdout
    assert "an original observation" in shown and '{"k": "v"}' in shown and "no provenance" in shown
    assert_one_line_error(cli("show", "99"), 1, "no memory with id 99 in namespace 'default'")
    assert_one_line_error(cli("show", "abc"), 2, "ID")


def test_forget_asks_unless_yes(cli: Cli) -> None:
    first, second = add_all(cli, ["forget me", "keep me"])
    declined = cli("forget", str(first), stdin="n\n")
    assert declined.exit_code == 1 and "error: aborted" in declined.stderr
    cli.ok("forget", str(first), stdin="y\n")
    assert_one_line_error(cli("forget", str(first), "--yes"), 1, f"no memory with id {first}")
    assert cli.ok("forget", str(second), "-y").stdout.strip() == f"forgot memory {second}"
    assert cli.json("ls") == []


def test_supersedes_shows_the_versions_in_show_and_history(cli: Cli) -> None:
    cli.ok("add", "The standup is at 9:30 in room 4.")
    moved = cli.ok("add", "The standup is now at 10:00 in room 4.", "--supersedes", "1")
    assert "added memory 2" in moved.stdout and "supersedes memory 1" in moved.stdout
    history = cli.json("history", "1")
    assert [(v["id"], v.get("valid_to"), v.get("supersedes")) for v in history] == [
        (1, history[1]["valid_from"], None),
        (2, None, 1),
    ]
    shown = cli.ok("show", "2").stdout
    assert "versions (oldest first)" in shown and "→ now] this: 2" in shown
    assert cli.json("show", "1")["history"] == [1, 2]
    assert_one_line_error(cli("add", "The standup is at 11:00.", "--supersedes", "1"), 2, "superseded by memory 2")
    repeat = cli.ok("add", "The standup is now at 10:00 in room 4.", "--meta", "room=4").stdout
    assert "strengthened" in repeat and "metadata merged" in repeat
    assert cli.json("show", "2")["metadata"] == {"room": 4}
