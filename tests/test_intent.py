"""Reading an agent's history for a query: outcomes, the anchor, context (agentmem.ranking.intent)."""

from __future__ import annotations

import json

import pytest

from agentmem import Message
from agentmem.ranking.intent import read_history, substance
from agentmem.ranking.queries import message_values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Text appended successfully.", 0.0),
        ("Command write_to_file returned: File written to successfully.", 0.0),
        ("No action performed.", 0.0),
        ("GENERATE NEXT COMMAND JSON", 0.0),
        ("port 8443", 2 / 3),
        ("The door code of the Lisbon office is 4417.", 1.0),
    ],
)
def test_substance_is_zero_for_a_bare_acknowledgement(text: str, expected: float) -> None:
    assert substance(text) == pytest.approx(expected)


def _reply(text: str, reasoning: str, command: str, **args: str) -> Message:
    body = {"thoughts": {"text": text, "reasoning": reasoning}, "command": {"name": command, "args": args}}
    return Message("assistant", json.dumps(body))


def test_the_agents_reply_anchors_and_an_acknowledgement_after_it_says_nothing() -> None:
    history = [
        Message("user", "Determine which next command to use"),
        _reply("I need the Lisbon door code.", "The guide needs it.", "append_to_file", filename="guide.txt"),
        Message("system", "Command append_to_file returned: Text appended successfully."),
    ]
    reading = read_history(history, values_of=message_values)
    assert reading is not None
    assert reading.anchor == "I need the Lisbon door code.\nThe guide needs it.\nguide.txt"  # no tool name
    assert reading.lead == "I need the Lisbon door code."
    assert reading.details == ("The guide needs it.", "guide.txt")
    assert reading.outcomes == ()
    assert reading.context == ("Determine which next command to use",)


def test_a_result_with_content_is_an_outcome_and_a_user_question_anchors() -> None:
    history = [
        _reply("I will read the config.", "It has the port.", "read_file", filename="staging.yaml"),
        Message("tool", "host: staging port: 8443"),
    ]
    reading = read_history(history, values_of=message_values)
    assert reading is not None and reading.anchor.startswith("I will read the config.")
    assert reading.outcomes == (("host: staging port: 8443", 1.0),)
    question = read_history([*history, Message("user", "Which port does staging use?")], values_of=message_values)
    assert question is not None and question.anchor == "Which port does staging use?"


def test_lines_another_message_repeats_leave_the_anchor() -> None:
    stock = "I should have written it down."
    history = [
        _reply("I need the VAT number.", stock, "do_nothing"),
        Message("system", "Command do_nothing returned: No action performed."),
        _reply("I need the door code.", stock, "do_nothing"),
    ]
    reading = read_history(history, values_of=message_values)
    assert reading is not None and reading.anchor == "I need the door code."
    assert reading.details == ()
    # When the first value repeats another message, the first value left leads.
    again = read_history([*history[:2], _reply("I need the VAT number.", "Twice now.", "do_nothing")],
                         values_of=message_values)  # fmt: skip
    assert again is not None and (again.lead, again.details) == ("Twice now.", ())


def test_only_outcomes_anchor_on_the_newest_that_says_something() -> None:
    reading = read_history(
        [Message("system", "The build failed on test_payments."), Message("tool", "Done.")], values_of=message_values
    )
    assert reading is not None and reading.anchor == "The build failed on test_payments."
    assert read_history([Message("tool", "   ")], values_of=message_values) is None
