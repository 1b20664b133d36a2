"""What an agent is about to do, read from its recent messages: the part of a history a query is built from.

Agent loops end their histories in ways that say little: Auto-GPT 0.2 appends ``Command append_to_file
returned: Text appended successfully.`` after every step, OpenAI-style loops a ``tool`` message with the
tool's result. The agent's intent is in the message before: its reply (Auto-GPT's JSON ``thoughts`` and
``command`` arguments) or its tool call. So a history is read newest first as:

1. **Outcomes**: the tool results and system lines after the agent's newest turn (roles ``tool``,
   ``function``, ``system``). Each counts by what it says (:func:`substance`): a bare acknowledgement
   ("File written to successfully.", "No action performed.") says nothing and counts 0; a result with
   content (a file's text, a listing, an error naming a file) counts up to 1, times the outcome weight.
2. **The anchor**: the newest message in which someone says what they want: the agent's turn
   (``assistant``) or a user's message that says something. Its text is the heart of the query (weight
   1) and its lexical query. A tool's or a command's name (``append_to_file``) is left out: it is in every
   step that uses the tool and says nothing of what the step is about. So are the anchor's lines that
   another of the messages repeats word for word (an agent's stock reasoning or self-criticism, the same
   at every step), unless nothing else is left.
3. **Context**: everything older, newest first, at the context weight (see :mod:`agentmem.ranking.queries`).

A history with no anchor (only outcomes) is anchored on its newest message that says something.

Pure: strings in, strings and weights out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentmem.types import Message

__all__ = ["ACKNOWLEDGEMENT_WORDS", "OUTCOME_ROLES", "HistoryReading", "read_history", "substance"]

OUTCOME_ROLES = frozenset({"tool", "function", "system"})
"""Roles whose messages report what happened rather than what someone wants."""

ACKNOWLEDGEMENT_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "was",
        "were",
        "has",
        "have",
        "had",
        "been",
        "be",
        "it",
        "this",
        "that",
        "with",
        "as",
        "at",
        "by",
        "command",
        "returned",
        "result",
        "output",
        "text",
        "file",
        "files",
        "data",
        "appended",
        "written",
        "write",
        "wrote",
        "saved",
        "deleted",
        "created",
        "updated",
        "added",
        "removed",
        "success",
        "successful",
        "successfully",
        "ok",
        "okay",
        "done",
        "completed",
        "complete",
        "finished",
        "no",
        "action",
        "performed",
        "nothing",
        "executed",
        "ran",
        "run",
        "received",
        "acknowledged",
        "human",
        "feedback",
        "generate",
        "next",
        "json",
    }
)
"""Words a bare acknowledgement is made of: a result of nothing but these says nothing."""

# Content words for a result to count fully; fewer count in proportion.
_FULL_SUBSTANCE = 3
_COMMAND_RETURNED = re.compile(r"\A\s*Command \S+ returned:\s*", re.IGNORECASE)
_HUMAN_FEEDBACK = re.compile(r"\A\s*Human feedback:\s*", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class HistoryReading:
    """A history read for a query.

    Attributes:
        anchor: the text of the newest message that says what someone wants.
        outcomes: (text, substance) of the messages after it, newest first, those that say something.
        context: the texts of the messages before it, newest first.
    """

    anchor: str
    outcomes: tuple[tuple[str, float], ...]
    context: tuple[str, ...]


def read_history(messages: Sequence[Message], *, text_of: Callable[[str], str]) -> HistoryReading | None:
    """Split ``messages`` (oldest first) into outcomes, anchor and context (see the module docs).

    Args:
        messages: the agent's recent messages, newest last.
        text_of: what a message's content says (JSON and tool names stripped).

    Returns:
        The reading; None when no message says anything.
    """
    texts = [_without_prefix(text_of(m.content)) for m in messages]
    anchor_at = None
    outcomes: list[tuple[str, float]] = []
    for position in range(len(messages) - 1, -1, -1):
        message, text = messages[position], texts[position]
        if not text:
            continue
        if message.role.lower() in OUTCOME_ROLES:
            said = substance(text)
            if said > 0:
                outcomes.append((text, said))
            continue
        if message.role.lower() == "user" and substance(text) == 0:
            continue
        anchor_at = position
        break
    if anchor_at is None:
        if not outcomes:
            newest = next((t for t in reversed(texts) if t), None)
            return None if newest is None else HistoryReading(newest, (), ())
        # Only outcomes: the newest that says something anchors, the older ones are its context.
        (anchor, _), *rest = outcomes
        return HistoryReading(anchor, (), tuple(text for text, _ in rest))
    context = tuple(t for t in reversed(texts[:anchor_at]) if t)
    others = {line.strip() for i, text in enumerate(texts) if i != anchor_at for line in text.splitlines()}
    own = [line for line in texts[anchor_at].splitlines() if line.strip() and line.strip() not in others]
    anchor = "\n".join(own) if own else texts[anchor_at]
    return HistoryReading(anchor, tuple(outcomes), context)


def substance(text: str) -> float:
    """How much a result or a line says, in [0, 1]: 0 for a bare acknowledgement, 1 from 3 content words.

    Content words are words (letters or digits) other than :data:`ACKNOWLEDGEMENT_WORDS`, counted once.

    Args:
        text: a tool's result, a system line, a user's message.
    """
    words = {w for w in _WORD.findall(_without_prefix(text).lower()) if w not in ACKNOWLEDGEMENT_WORDS}
    return min(1.0, len(words) / _FULL_SUBSTANCE)


def _without_prefix(text: str) -> str:
    """The result without Auto-GPT's ``Command <name> returned:`` (or ``Human feedback:``) label."""
    return _HUMAN_FEEDBACK.sub("", _COMMAND_RETURNED.sub("", text)).strip()
