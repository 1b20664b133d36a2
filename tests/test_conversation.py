"""Queries from recent messages: reading messages, parsing loop reprs, planning the query, spotting repeats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from agentmem.config import QueryPolicy
from agentmem.errors import ConfigError
from agentmem.ranking.queries import (
    QueryPart,
    QueryPlan,
    RepeatFilter,
    as_messages,
    message_text,
    parse_message_list,
    plan_query,
    query_vector,
)
from agentmem.types import Message

POLICY = QueryPolicy(context_messages=2, context_weight=0.5, repeat_containment=0.8)


def _bars(text: str) -> list[str]:
    """A stand-in for the store's chunker: windows are the '|'-separated pieces."""
    return [piece.strip() for piece in text.split("|")]


# -- messages --------------------------------------------------------------------------------------


def test_messages_and_mappings_are_accepted_alike() -> None:
    given = [Message("user", "hi"), {"role": "assistant", "content": "hello", "name": "bot"}]
    assert as_messages(given) == (Message("user", "hi"), Message("assistant", "hello"))


@pytest.mark.parametrize(
    "bad",
    [
        [],
        "a string is not a list of messages",
        [{"role": "user"}],
        [{"content": "no role"}],
        [{"role": "user", "content": 3}],
        [Message("user", cast(Any, None))],
        [("user", "a tuple")],
    ],
)
def test_malformed_messages_are_refused_with_a_reason(bad: Any) -> None:
    with pytest.raises(ConfigError, match="message"):
        as_messages(bad)


def test_message_text_keeps_plain_content() -> None:
    assert message_text("  What is the staging port?\n") == "What is the staging port?"
    assert message_text("{not json at all") == "{not json at all"
    assert message_text('"a JSON string"') == '"a JSON string"'


def test_message_text_strips_the_json_wrapper_of_a_structured_reply() -> None:
    reply = {
        "thoughts": {"text": "Read the config", "reasoning": "It has the port", "speak": "Read the config"},
        "command": {"name": "read_file", "args": {"file": "staging.yaml", "retries": 3, "quiet": True}},
    }
    assert message_text(json.dumps(reply)) == "Read the config\nIt has the port\nstaging.yaml\n3"  # no tool name
    assert message_text('[{"a": " x "}, ["y", null]]') == "x\ny"


def test_message_text_survives_absurd_nesting() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert message_text(deep) == deep


# -- parsing a loop's str(messages) ---------------------------------------------------------------


def test_parse_reads_the_repr_and_json_of_a_message_list() -> None:
    tricky = "It's \"quoted\", it's 'single', a\nnewline, a \\ backslash, ünïcödé and {'role': 'fake'}"
    history = [{"role": "system", "content": tricky}, {"role": "user", "content": 'say "hi"'}]
    expected = (Message("system", tricky), Message("user", 'say "hi"'))
    assert parse_message_list(str(history)) == expected
    assert parse_message_list(json.dumps(history)) == expected
    assert parse_message_list(f"  {history!r}\n") == expected


@pytest.mark.parametrize(
    "text",
    [
        "which port does staging use?",
        "[not a literal]",
        "[{'role': 'user', 'content': 'cut off here",  # truncated repr
        "[{'role': 'user', 'content': 'x'}",
        "[]",
        "[1, 2, 3]",
        "['a', 'b']",
        "{'role': 'user', 'content': 'a dict, not a list'}",
        "[{'role': 'user'}]",
        "[{'role': 'user', 'content': 42}]",
        "[{'role': None, 'content': 'x'}]",
        "[{'role': 'user', 'content': 'x'}, 'and a string']",
        "[{'role': 'user', 'content': 'x'}] trailing words",
        "[" * 10_000 + "]" * 10_000,
    ],
)
def test_anything_but_a_message_list_is_not_parsed(text: str) -> None:
    assert parse_message_list(text) is None


def test_parsing_never_evaluates_code(tmp_path: Path) -> None:
    marker = tmp_path / "evaluated"
    attack = f"[{{'role': 'user', 'content': __import__('pathlib').Path({str(marker)!r}).touch()}}]"
    assert parse_message_list(attack) is None
    assert parse_message_list(f"[__import__('pathlib').Path({str(marker)!r}).touch()]") is None
    assert not marker.exists()


# -- planning the query ----------------------------------------------------------------------------


def test_a_short_string_is_the_whole_query() -> None:
    plan = plan_query("staging port?", policy=POLICY, split=_bars)
    assert plan == QueryPlan((QueryPart(("staging port?",), 1.0),), lexical="staging port?")
    with pytest.raises(ConfigError, match="non-blank"):
        plan_query("  ", policy=POLICY)


def test_a_long_string_is_read_from_its_newest_window() -> None:
    plan = plan_query("w1 | w2 | w3 | w4", policy=POLICY, split=_bars)
    assert plan.parts == (QueryPart(("w4",), 1.0), QueryPart(("w3", "w2"), 0.5))
    assert plan.lexical == "w4" and plan.repeats is None
    alone = plan_query("w1 | w2", policy=QueryPolicy(context_weight=0.0), split=_bars)
    assert alone.parts == (QueryPart(("w2",), 1.0),)


def test_a_long_strings_newest_part_can_be_shorter_than_a_window() -> None:
    def sentences(text: str) -> list[str]:
        return [s for s in text.replace("|", "").split(". ") if s.strip()]

    plan = plan_query("a1. a2. | b1. b2", policy=POLICY, split=_bars, split_newest=sentences)
    # The last sentence is the newest part; the text before it is read in (model-sized) windows.
    assert plan.parts == (QueryPart(("b2",), 1.0), QueryPart(("b1.", "a1. a2."), 0.5))
    assert plan.lexical == "b2"


def test_messages_are_read_newest_first_without_their_wrapper() -> None:
    messages = [
        {"role": "user", "content": "oldest"},
        {"role": "assistant", "content": json.dumps({"thoughts": {"text": "think"}, "command": {"name": "cmd"}})},
        {"role": "user", "content": "GENERATE"},
        {"role": "system", "content": "   "},
        {"role": "user", "content": "GENERATE"},
        {"role": "user", "content": "newest question?"},
        {"role": "user", "content": ""},
    ]
    plan = plan_query(messages, policy=QueryPolicy(context_messages=2, context_weight=0.25), split=_bars)
    # Blank messages are skipped; the repeated prompt counts once, at its newest position.
    assert plan.parts == (QueryPart(("newest question?",), 1.0), QueryPart(("GENERATE", "think\ncmd"), 0.25))
    assert plan.lexical == "newest question?"
    assert plan.texts == ["newest question?", "GENERATE", "think\ncmd"]
    assert plan.repeats is not None and plan.repeats.containment == 0.8


def test_a_long_newest_message_contributes_all_its_windows() -> None:
    plan = plan_query([Message("user", "old"), Message("user", "r1 | r2 | r3")], policy=POLICY, split=_bars)
    assert plan.parts == (QueryPart(("r1", "r2", "r3"), 1.0), QueryPart(("old",), 0.5))


def test_repeats_can_be_kept_and_context_left_out() -> None:
    policy = QueryPolicy(context_messages=0, repeat_containment=None)
    plan = plan_query([Message("user", "a"), Message("user", "b")], policy=policy)
    assert plan.parts == (QueryPart(("b",), 1.0),) and plan.repeats is None


def test_messages_without_text_are_refused() -> None:
    with pytest.raises(ConfigError, match="no text"):
        plan_query([Message("user", " "), {"role": "system", "content": "{}"}], policy=POLICY)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("context_messages", -1),
        ("context_messages", 1.5),
        ("context_weight", -0.1),
        ("context_weight", float("nan")),
        ("newest_window", 0),
        ("newest_window", 2.5),
        ("repeat_containment", 0.0),
        ("repeat_containment", 1.5),
    ],
)
def test_policy_refuses_bad_values(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=field):
        QueryPolicy(**{field: value})


def test_query_vector_weights_each_parts_unit_mean() -> None:
    plan = QueryPlan((QueryPart(("a", "b"), 1.0), QueryPart(("c",), 0.5)), lexical="a")
    e = np.eye(3, dtype=np.float32)
    vector = query_vector(plan, np.stack([e[0], e[1], e[2]]))
    expected = np.array([1 / np.sqrt(2), 1 / np.sqrt(2), 0.5])
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), rtol=1e-6)
    assert vector.dtype == np.float32
    with pytest.raises(ConfigError, match="one vector per query text"):
        query_vector(plan, np.stack([e[0], e[1]]))


def test_query_vector_of_cancelling_vectors_is_zero_not_nan() -> None:
    plan = QueryPlan((QueryPart(("a", "b"), 1.0),), lexical="a")
    vector = query_vector(plan, np.array([[1.0, 0.0], [-1.0, 0.0]], dtype=np.float32))
    assert np.array_equal(vector, np.zeros(2, dtype=np.float32))


# -- repeats ---------------------------------------------------------------------------------------


def test_copies_and_pieces_of_the_messages_repeat_them() -> None:
    reply = '{"thoughts": {"text": "I will read the staging config to find its port"}}'
    result = "Command read_file returned: host: staging.internal port: 8443"
    repeats = RepeatFilter.of([reply, result, "GENERATE NEXT COMMAND JSON"], 0.8)
    assert repeats.repeats(result)
    assert repeats.repeats("COMMAND read_file   returned:\nhost - staging.internal; port 8443!")
    # How Auto-GPT stores a step: its reply and its result, joined with labels.
    assert repeats.repeats(f"Assistant Reply: {reply} \nResult: {result} \nHuman Feedback: GENERATE NEXT COMMAND JSON ")
    assert not repeats.repeats("The staging server's port is 8443, behind the VPN.")
    assert repeats.repeats("port 8443") and not repeats.repeats("port 9000")
    assert not repeats.repeats("...")  # no words: nothing to repeat


def test_containment_is_the_fraction_of_words_in_shared_three_word_runs() -> None:
    # 10 words, of which the first 8 are in runs of 3 that the message has; "x y" are not.
    memory = "a b c d e f g h x y"
    repeats = {c: RepeatFilter.of(["a b c d e f g h"], c) for c in (0.8, 0.81)}
    assert repeats[0.8].repeats(memory) and not repeats[0.81].repeats(memory)
    # Each word is in the messages, but never 3 in a row: nothing is repeated.
    assert not RepeatFilter.of(["a x b y c z d w"], 0.5).repeats("a b c d")


def test_openai_tool_calls_and_tool_results_are_read() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "append_to_file", "arguments": '{"text": "Lisbon: "}'}}
    messages = [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "Text appended successfully."},
    ]
    plan = plan_query(messages, policy=QueryPolicy())
    assert plan.lexical == "Lisbon:"  # the call's arguments, not the tool's name
    parts = [{"type": "text", "text": "I need the Lisbon door code."}]
    plan = plan_query([{"role": "assistant", "content": parts, "tool_calls": [call]}], policy=QueryPolicy())
    assert plan.lexical == "I need the Lisbon door code."  # the message's text leads, its call's arguments follow
    assert plan.parts[:2] == (
        QueryPart(("I need the Lisbon door code.",), 1.0),
        QueryPart(("Lisbon:",), QueryPolicy().detail_weight),
    )


def test_a_structured_anchor_leads_with_its_first_value_and_weighs_the_rest_less() -> None:
    reply = {
        "thoughts": {"text": "I need the staging port.", "reasoning": "The deploy needs it.", "plan": "- a\n- b"},
        "command": {"name": "read_file", "args": {"filename": "ports.txt"}},
    }
    messages = [Message("assistant", json.dumps(reply)), Message("system", "Command read_file returned: 8443 tcp")]
    plan = plan_query(messages, policy=QueryPolicy(detail_weight=0.25), split=_bars)
    assert plan.parts == (
        QueryPart(("I need the staging port.",), 1.0),
        QueryPart(("The deploy needs it.", "- a\n- b", "ports.txt"), 0.25),
        QueryPart(("8443 tcp",), QueryPolicy().outcome_weight * 2 / 3),
    )
    assert plan.lexical == "I need the staging port."
    without = plan_query(messages, policy=QueryPolicy(detail_weight=0.0), split=_bars)
    assert [p.texts for p in without.parts] == [("I need the staging port.",), ("8443 tcp",)]
    plain = plan_query([Message("user", "Which port? It is for the deploy.")], policy=QueryPolicy(detail_weight=0.0))
    assert plain.parts == (QueryPart(("Which port? It is for the deploy.",), 1.0),)


def test_outcome_weight_is_validated() -> None:
    with pytest.raises(ConfigError):
        QueryPolicy(outcome_weight=-1.0)
    with pytest.raises(ConfigError):
        QueryPolicy(detail_weight=float("nan"))
