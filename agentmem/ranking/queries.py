"""Queries built from an agent's recent messages, and long query strings read from their newest end.

Agent loops rarely ask short questions. They hand memory their recent messages (an Auto-GPT-style loop
passes the repr of its last 9, about 900 word pieces, newest last), and those messages are usually stored
in memory already. The embedding model reads only its first 256 word pieces, so embedding such a query as
it is matches the *oldest* messages, and their stored copies come back first. Recall builds the query
instead (the measurements behind each choice are in docs/scoring.md):

1. Each message is reduced to its text: its content without the role or any list/dict syntax, and a JSON
   content (an agent's structured reply) to its string values, since the keys are the same in every message.
2. The message that says what the agent wants (the anchor, :mod:`agentmem.ranking.intent`) is the query.
   When it is longer than the model reads, its vector is the mean of its windows' (split as long memories
   are, :func:`agentmem.text.chunking.split_text`). A structured anchor leads with its first value (an
   Auto-GPT reply's ``thoughts.text``, a tool-calling message's text): that value carries weight 1, the
   other values (reasoning, plan, criticism, command arguments), embedded together, ``detail_weight``.
   They are the same stock sentences from one step to the next and would otherwise outweigh the one line
   that names what the step is about.
3. The older messages, at most ``context_messages`` of them and newest first, add their mean vector with the
   weight ``context_weight``. A message that repeats a newer one verbatim is counted once.
4. The lexical query is the anchor's leading value alone (a plain anchor whole).
5. Memories that the messages already contain (``repeat_containment`` of their words, in runs of 3 words
   found in the messages) are left out of the result: the loop has them in its prompt already.

A long query string is read the same way: its last sentences, within ``newest_window`` tokens, are the
newest message, and the text before them, in windows of what the model reads, the older messages.

Pure: no I/O and no model; :func:`plan_query` says what to embed and :func:`query_vector` combines the
vectors the caller computed.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.config import QueryPolicy
from agentmem.errors import ConfigError
from agentmem.ranking.intent import read_history
from agentmem.types import Message

__all__ = [
    "MessageLike",
    "QueryInput",
    "QueryPart",
    "QueryPlan",
    "RepeatFilter",
    "as_messages",
    "message_text",
    "parse_message_list",
    "plan_query",
    "query_vector",
]

MessageLike = Message | Mapping[str, Any]
"""A :class:`~agentmem.types.Message`, or a mapping with ``role`` and ``content`` strings (a chat API's dict)."""

QueryInput = str | Sequence[MessageLike]
"""What recall accepts: a query string, or the agent's recent messages, newest last."""

# Word n-grams a memory is compared with the messages by: short enough that a memory made of pieces of
# several messages (Auto-GPT stores its reply and the command's result as one) still matches almost whole.
SHINGLE = 3
_WORD = re.compile(r"\w+")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


@dataclass(frozen=True, slots=True)
class QueryPart:
    """Texts whose mean vector, scaled to unit length, enters the query vector with ``weight``."""

    texts: tuple[str, ...]
    weight: float


@dataclass(frozen=True, slots=True)
class RepeatFilter:
    """Tells which memories repeat what the messages already contain.

    Attributes:
        shingles: every word 1-, 2- and 3-gram of the messages (lower-cased ``\\w+`` words).
        containment: the fraction of a memory's words that must be contained in the messages.
    """

    shingles: frozenset[tuple[str, ...]]
    containment: float

    @classmethod
    def of(cls, messages: Iterable[str], containment: float) -> RepeatFilter:
        """The filter for these message texts."""
        found: set[tuple[str, ...]] = set()
        for text in messages:
            words = _words(text)
            for n in range(1, SHINGLE + 1):
                found.update(zip(*(words[i:] for i in range(n)), strict=False))
        return cls(frozenset(found), containment)

    def repeats(self, text: str) -> bool:
        """Whether ``text`` is (nearly) all in the messages: exact copies, copies with other spacing, case or
        punctuation, and texts made of pieces of several messages (with labels between them).

        A word counts as contained when a run of 3 words around it (the whole text, if shorter) is in the
        messages; ``text`` repeats them when at least ``containment`` of its words are contained.
        """
        words = _words(text)
        if len(words) <= SHINGLE:
            return bool(words) and tuple(words) in self.shingles
        covered = np.zeros(len(words), dtype=bool)
        for start in range(len(words) - SHINGLE + 1):
            if tuple(words[start : start + SHINGLE]) in self.shingles:
                covered[start : start + SHINGLE] = True
        return bool(covered.sum() >= self.containment * len(words))


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """What recall embeds and searches for one query.

    Attributes:
        parts: the texts to embed, in groups; the query vector is the weighted sum of each group's unit
            mean vector (see :func:`query_vector`), newest message first.
        lexical: the text of the lexical (BM25-style) search.
        repeats: the memories to leave out, or None (a query string, or repeats kept).
    """

    parts: tuple[QueryPart, ...]
    lexical: str
    repeats: RepeatFilter | None = None

    @property
    def texts(self) -> list[str]:
        """Every text to embed, part after part: one embedding batch."""
        return [text for part in self.parts for text in part.texts]


def plan_query(
    query: QueryInput,
    *,
    policy: QueryPolicy,
    split: Callable[[str], list[str]] | None = None,
    split_newest: Callable[[str], list[str]] | None = None,
) -> QueryPlan:
    """Decide what to embed and search for a query string or a list of messages (see the module docs).

    Args:
        query: a query string, or the agent's recent messages, newest last.
        policy: how many older messages count, and how much.
        split: cuts a text longer than the embedding model reads into windows it reads whole (the store's
            chunker); None embeds every text whole.
        split_newest: cuts a long query string into pieces of at most ``newest_window`` tokens, the last
            of which is its newest part; None: ``split``.

    Returns:
        The plan.

    Raises:
        ConfigError: a blank query string, an empty list, a message that is not a role/content pair, or
            messages without any text.
    """
    windows = split or _whole
    if isinstance(query, str):
        if not query.strip():
            raise ConfigError("query must be a non-blank string or a list of messages")
        if len(windows(query)) == 1:
            return QueryPlan((QueryPart((query,), 1.0),), lexical=query)
        newest = [p for p in (split_newest or windows)(query) if p.strip()][-1]
        before = query[: query.rfind(newest)]
        older = [p for p in windows(before) if p.strip()][::-1] if before.strip() else []
        return QueryPlan(_parts([newest], older[: policy.context_messages], policy), lexical=newest)
    messages = as_messages(query)
    reading = read_history(messages, values_of=message_values)
    if reading is None:
        raise ConfigError("messages hold no text to recall for: give at least one message with content")
    outcomes = [QueryPart(tuple(windows(text)), policy.outcome_weight * said) for text, said in reading.outcomes]
    context = [w for text in _distinct(reading.context)[: policy.context_messages] for w in windows(text)]
    parts = _parts(windows(reading.lead), context, policy)
    details = [w for text in reading.details for w in windows(text)]
    if details and policy.detail_weight > 0:
        outcomes.insert(0, QueryPart(tuple(details), policy.detail_weight))
    parts = (parts[0], *(o for o in outcomes if o.weight > 0), *parts[1:])
    containment = policy.repeat_containment
    repeats = None if containment is None else RepeatFilter.of((m.content for m in messages), containment)
    return QueryPlan(parts, lexical=reading.lead, repeats=repeats)


def query_vector(plan: QueryPlan, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """The query vector: each part's mean vector at unit length, weighted, summed and scaled to unit length.

    Args:
        plan: the plan the vectors were computed for.
        vectors: one row per text of ``plan.texts``, in that order.

    Returns:
        A unit float32 vector (all zeros if every part's vectors cancel out).

    Raises:
        ConfigError: ``vectors`` does not have one row per text.
    """
    rows = np.asarray(vectors, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] != len(plan.texts):
        raise ConfigError(f"expected one vector per query text ({len(plan.texts)}), got shape {rows.shape}")
    total = np.zeros(rows.shape[1], dtype=np.float64)
    start = 0
    for part in plan.parts:
        mean = rows[start : start + len(part.texts)].mean(axis=0)
        start += len(part.texts)
        norm = float(np.linalg.norm(mean))
        if norm > 0:
            total += part.weight * mean / norm
    norm = float(np.linalg.norm(total))
    return np.asarray(total / norm if norm > 0 else total, dtype=np.float32)


def as_messages(messages: Sequence[MessageLike]) -> tuple[Message, ...]:
    """Check a list of messages and return them as :class:`~agentmem.types.Message` values.

    A mapping may be an OpenAI chat message: its ``content`` may be None or a list of parts (the text
    parts are kept), and its ``tool_calls`` (or a legacy ``function_call``) become part of its content,
    as JSON of each call's name and arguments, so that what the agent asked a tool to do is read with it.

    Raises:
        ConfigError: not a non-empty sequence, or an item that is neither a ``Message`` nor a mapping with
            a ``role`` string and a ``content`` string (or None, or text parts, beside tool calls).
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
        raise ConfigError("messages must be a non-empty list of Message values or {'role', 'content'} mappings")
    checked = []
    for position, item in enumerate(messages):
        role: object
        content: object
        if isinstance(item, Message):
            role, content = item.role, item.content
        elif isinstance(item, Mapping):
            role, content = item.get("role"), _chat_content(item)
        else:
            role = content = None
        if not isinstance(role, str) or not isinstance(content, str):
            raise ConfigError(
                f"message #{position} must be a Message or a mapping with 'role' and 'content' strings, "
                f"not {item!r:.80}"
            )
        checked.append(item if isinstance(item, Message) else Message(role, content))
    return tuple(checked)


def _chat_content(message: Mapping[str, Any]) -> str | None:
    """An OpenAI chat message's content as one string (None when it is not of that shape)."""
    content = message.get("content")
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, Mapping) and p.get("type") == "text"]
        content = "\n".join(p for p in parts if isinstance(p, str))
    calls = message.get("tool_calls")
    if calls is None and isinstance(message.get("function_call"), Mapping):
        calls = [{"function": message["function_call"]}]
    if not calls:
        return content if isinstance(content, str) else None
    if content is not None and not isinstance(content, str):
        return None
    if not isinstance(calls, list) or not all(isinstance(c, Mapping) for c in calls):
        return None
    described = [_tool_call(c) for c in calls]
    return json.dumps({"content": content or "", "tool_calls": described}, ensure_ascii=False)


def _tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function")
    function = function if isinstance(function, Mapping) else {}
    arguments: Any = function.get("arguments")
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments)
    return {"name": function.get("name"), "arguments": arguments}


def message_text(content: str) -> str:
    """What a message says, without the syntax that wraps it.

    A JSON object or array (an agent loop's structured reply) becomes its string and number values, one per
    line, in order, each once: keys, brackets and quotes are the same in every such message and would
    dominate its embedding. Any other content is returned stripped of surrounding white space.

    Args:
        content: a message's content.

    Returns:
        The text to embed.
    """
    return "\n".join(message_values(content))


def message_values(content: str) -> tuple[str, ...]:
    """What a message says, value by value: :func:`message_text`'s lines before they are joined.

    Args:
        content: a message's content.

    Returns:
        A JSON object's or array's string and number values, in order, each once; any other content as its
        one value (none when blank).
    """
    stripped = content.strip()
    if stripped[:1] not in ("{", "["):
        return (stripped,) if stripped else ()
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return (stripped,)
    if not isinstance(value, (dict, list)):
        return (stripped,)
    return tuple(dict.fromkeys(_leaves(value)))


def parse_message_list(text: str) -> tuple[Message, ...] | None:
    """The messages of the ``str()`` (or JSON) of a list of role/content dicts, else None.

    Parsed as a literal (``ast.literal_eval``, then ``json.loads``): never evaluated as code.

    Args:
        text: a query string, such as Auto-GPT's ``str(full_message_history[-9:])``.

    Returns:
        The messages, oldest first; None when ``text`` is anything else (a plain query, malformed or
        truncated syntax, a list of something other than dicts with string ``role`` and ``content``).
    """
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return None
    value: object = None
    for parse in (ast.literal_eval, json.loads):
        try:
            value = parse(stripped)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        break
    if not isinstance(value, list) or not value:
        return None
    messages = []
    for item in value:
        if not isinstance(item, dict):
            return None
        role, content = item.get("role"), item.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            return None
        messages.append(Message(role, content))
    return tuple(messages)


def _whole(text: str) -> list[str]:
    return [text]


def _parts(newest: Sequence[str], older: Sequence[str], policy: QueryPolicy) -> tuple[QueryPart, ...]:
    """The newest text's windows at weight 1, then the older texts' windows at the context weight."""
    parts = [QueryPart(tuple(newest), 1.0)]
    context = tuple(older)
    if context and policy.context_weight > 0:
        parts.append(QueryPart(context, policy.context_weight))
    return tuple(parts)


def _distinct(texts: Iterable[str]) -> list[str]:
    """Non-blank texts in their order, each once (a loop's fixed prompts repeat in every turn)."""
    return list(dict.fromkeys(t for t in texts if t))


def _leaves(value: object) -> list[str]:
    """String and number values of a JSON value, depth first in document order (iterative: no recursion)."""
    found: list[str] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, str):
            # A tool's or command's name (append_to_file) is in every step that uses it and says nothing.
            if item.strip() and not _IDENTIFIER.fullmatch(item.strip()):
                found.append(item.strip())
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            found.append(str(item))
    return found


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
