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
   1) and its lexical query. A structured anchor (a JSON reply) is read value by value: its lead is its
   first value (Auto-GPT's ``thoughts.text``, a tool-calling message's own text), the rest its details
   (their weight: :mod:`agentmem.ranking.queries`). A tool's or a command's name (``append_to_file``) is
   left out: it is in every step that uses the tool and says nothing of what the step is about. So are
   the anchor's lines that another of the messages repeats word for word (an agent's stock reasoning or
   self-criticism, the same at every step), unless nothing else is left.
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
        lead: the anchor's leading value: the whole anchor when it is plain text; the first value left of a
            structured message (Auto-GPT's ``thoughts.text``, a tool-calling message's text, else its first
            argument).
        details: the anchor's other values, in order (none for plain text).
        outcomes: (text, substance) of the messages after it, newest first, those that say something.
        context: the texts of the messages before it, newest first.
    """

    lead: str
    details: tuple[str, ...]
    outcomes: tuple[tuple[str, float], ...]
    context: tuple[str, ...]

    @property
    def anchor(self) -> str:
        """The text of the newest message that says what someone wants (its values, one per line)."""
        return "\n".join((self.lead, *self.details))


def read_history(messages: Sequence[Message], *, values_of: Callable[[str], Sequence[str]]) -> HistoryReading | None:
    """Split ``messages`` (oldest first) into outcomes, anchor and context (see the module docs).

    Args:
        messages: the agent's recent messages, newest last.
        values_of: what a message's content says, value by value: a structured (JSON) content's values
            without keys or tool names, or a plain content as its one value.

    Returns:
        The reading; None when no message says anything.
    """
    values = [[v for v in (_without_prefix(v) for v in values_of(m.content)) if v] for m in messages]
    texts = ["\n".join(v) for v in values]
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
            return None if newest is None else HistoryReading(newest, (), (), ())
        # Only outcomes: the newest that says something anchors, the older ones are its context.
        (anchor, _), *rest = outcomes
        return HistoryReading(anchor, (), (), tuple(text for text, _ in rest))
    context = tuple(t for t in reversed(texts[:anchor_at]) if t)
    others = {line.strip() for i, text in enumerate(texts) if i != anchor_at for line in text.splitlines()}
    own = [_own_lines(value, others) for value in values[anchor_at]]
    lead, *details = [v for v in own if v] or values[anchor_at]
    return HistoryReading(lead, tuple(details), tuple(outcomes), context)


def _own_lines(value: str, others: set[str]) -> str:
    """The lines of ``value`` that no other message holds word for word."""
    return "\n".join(line for line in value.splitlines() if line.strip() and line.strip() not in others)


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
