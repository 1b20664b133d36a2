"""recall and search: the block, --explain, --json, touching, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentmem import RecallConfig
from tests.cli.harness import Cli, add_all, assert_one_line_error

MEMORIES = [
    "Alice's flight to Lisbon leaves Friday at 09:40 from gate B12.",
    "The build failed: test_payments timed out after 30 s.",
    "Bob prefers green tea to coffee.",
]


@pytest.fixture
def filled(cli: Cli) -> Cli:
    add_all(cli, MEMORIES)
    return cli


def test_recall_prints_the_prompt_block_best_first(filled: Cli) -> None:
    block = filled.ok("recall", "flight to Lisbon on Friday").stdout.splitlines()
    assert block[0] == "Relevant memories:"
    assert block[1].endswith(MEMORIES[0]) and block[1].startswith("- [")
    assert len(block) == 2  # the build failure and the tea bear on nothing here: no padding


def test_recall_json_has_the_score_components(filled: Cli) -> None:
    answer = filled.json("recall", "green tea", "--budget", "200")
    assert answer["token_budget"] == 200 and 0 < answer["tokens"] <= 200
    assert answer["weights"]["relevance"] == pytest.approx(1.0)
    memories = answer["memories"]
    assert memories[0]["memory"]["text"] == MEMORIES[2]
    scores = [m["score"] for m in memories]
    assert scores == sorted(scores, reverse=True)
    w = answer["weights"]
    for m in memories:  # the score is exactly the weighted sum it is explained by
        expected = w["relevance"] * m["relevance"] + w["recency"] * m["recency"] + w["importance"] * m["importance"]
        assert m["score"] == pytest.approx(expected)


def test_recall_explain_shows_a_table_of_components(filled: Cli) -> None:
    table = filled.ok("recall", "build failure", "--explain").stdout
    for header in ("score", "relevance", "recency", "importance", "text"):
        assert header in table
    w = RecallConfig().scoring
    times = "\N{MULTIPLICATION SIGN}"
    assert f"score = {w.relevance:.2f}{times}relevance + {w.recency:.2f}{times}recency" in table
    first_row = next(line for line in table.splitlines() if line.startswith("│ 1 "))
    assert "The build failed" in first_row


def test_recall_k_and_budget(filled: Cli) -> None:
    assert len(filled.json("recall", "tea", "--k", "1")["memories"]) == 1
    empty = filled.ok("recall", "tea", "--budget", "0")
    assert empty.stdout == "" and "nothing recalled" in empty.stderr


def test_recall_touches_only_when_asked(filled: Cli) -> None:
    filled.ok("recall", "tea")
    assert {r["access_count"] for r in filled.json("ls")} == {0}
    filled.ok("recall", "tea", "--touch", "--k", "1")
    assert [r["access_count"] for r in filled.json("ls")] == [0, 0, 1]


def test_recall_hybrid_option_is_passed(filled: Cli) -> None:
    answer = filled.json("recall", "test_payments", "--hybrid", "--k", "1")
    assert answer["memories"][0]["memory"]["text"] == MEMORIES[1]


def test_recall_of_an_empty_namespace(cli: Cli) -> None:
    cli.ok("init")
    result = cli.ok("recall", "anything")
    assert result.stdout == "" and "nothing recalled from namespace 'default'" in result.stderr
    assert cli.json("recall", "anything")["memories"] == []


def test_recall_for_messages_from_a_file_or_stdin(filled: Cli, tmp_path: Path) -> None:
    messages = [
        {"role": "assistant", "content": MEMORIES[2]},  # the loop's prompt holds it already: not recalled
        {"role": "user", "content": "when does the flight to Lisbon leave?"},
    ]
    path = tmp_path / "messages.json"
    path.write_text(json.dumps(messages))
    texts = [m["memory"]["text"] for m in filled.json("recall", "--messages", str(path))["memories"]]
    assert texts[0] == MEMORIES[0] and MEMORIES[2] not in texts
    piped = filled.json("recall", "--messages", "-", stdin=json.dumps(messages))["memories"]
    assert [m["memory"]["text"] for m in piped] == texts


def test_recall_errors(filled: Cli, tmp_path: Path) -> None:
    assert_one_line_error(filled("recall"), 2, "give either QUERY or --messages FILE")
    assert_one_line_error(filled("recall", "x", "--messages", "-", stdin="[]"), 2, "not both")
    assert_one_line_error(filled("recall", "--messages", str(tmp_path / "none.json")), 2, "cannot read")
    assert_one_line_error(filled("recall", "--messages", "-", stdin="{oops"), 2, "is not JSON")
    assert_one_line_error(filled("recall", "--messages", "-", stdin='{"role": "user"}'), 2, "JSON list")
    assert_one_line_error(filled("recall", "--messages", "-", stdin='[{"role": "user"}]'), 2, "content")
    assert_one_line_error(filled("recall", "x", "--k", "0"), 2, "--k")
    assert_one_line_error(filled("recall", "x", "--budget", "-5"), 2, "--budget")
    assert_one_line_error(filled("recall", "   "), 2, "query must be a non-blank string")
    assert_one_line_error(
        filled.with_model("hashing-32")("recall", "x"),
        2,
        "namespace 'default' was built with hashing-64 (64-d)",
        "--model hashing-64",
    )


def test_search_ranks_by_similarity_only(filled: Cli) -> None:
    hits = filled.json("search", "gate B12 flight", "--k", "2")
    assert len(hits) == 2 and hits[0]["memory"]["text"] == MEMORIES[0]
    assert hits[0]["relevance"] >= hits[1]["relevance"]
    table = filled.ok("search", "green tea").stdout
    assert "relevance" in table and "Bob prefers green tea" in table
    assert_one_line_error(filled("search", "x", "--k", "0"), 2, "--k")


def test_explain_shows_what_was_cut_and_why(filled: Cli) -> None:
    table = filled.ok("recall", "flight to Lisbon on Friday", "--explain").stdout
    assert "Block: 1 memories" in table
    cut = [line for line in table.splitlines() if line.startswith("cut ")]
    assert len(cut) == 2 and all("< floor" in line for line in cut)  # the tea and the build failure
    assert {MEMORIES[1], MEMORIES[2]} == {line.split(": ", 2)[-1] for line in cut}


def test_explain_of_an_empty_block_still_says_why(filled: Cli) -> None:
    table = filled.ok("recall", "the boiling point of mercury in kelvin", "--explain").stdout
    assert "Block: 0 memories" in table and "< floor" in table
