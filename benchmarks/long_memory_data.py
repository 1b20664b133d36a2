"""The two LoCoMo settings of the long-memory benchmark, and an embedder that serves cached vectors.

Setting A, sessions as memories: each LoCoMo session is ONE memory, its turns as ``speaker: text`` lines; a
question is asked alone and a session counts as found when it holds an evidence turn.

Setting B, Auto-GPT-shaped queries: every turn is one memory (``speaker: text``); the query is the ``str()``
of the last 9 messages as Auto-GPT 0.2.2 writes them (``str(full_message_history[-9:])``), ending the way
its history ends after every step: the loop's trigger (``user``), the agent's JSON reply whose thoughts ask
the question, then the system line ``Command append_to_file returned: Text appended successfully.``
(newest last). Before them come the 6 turns just before the session that holds the question's first
(earliest) evidence turn: role ``user`` for the conversation's first speaker, ``assistant`` for the other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem.config import Chunking
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from agentmem.store.embedding_cache import resolve_chunker
from agentmem.text.chunking import TextChunker
from agentmem.types import Embedder
from benchmarks.common import CACHE, cached_embeddings
from benchmarks.locomo_data import Conversation, Question

__all__ = [
    "ACKNOWLEDGEMENT",
    "CONTEXT_TURNS",
    "TRIGGER",
    "LookupEmbedder",
    "Sessions",
    "agent_reply",
    "autogpt_messages",
    "context_turns",
    "sessions_of",
    "store_chunker",
]

CONTEXT_TURNS = 6  # with the trigger, the reply and the system line: the 9 messages Auto-GPT queries with
TRIGGER = "Determine which next command to use, and respond using the format specified above:"
ACKNOWLEDGEMENT = "Command append_to_file returned: Text appended successfully."


@dataclass(frozen=True, slots=True)
class Sessions:
    """One conversation's sessions as memories.

    Attributes:
        texts: one text per session, its turns as ``speaker: text`` lines.
        created_at: the time of each session's first turn (epoch seconds).
        first_turn: the position of each session's first turn in the conversation, which stands for the
            session in turn-position rankings (session recall reads the session of each position).
    """

    texts: tuple[str, ...]
    created_at: NDArray[np.float64]
    first_turn: NDArray[np.int64]


def sessions_of(conversation: Conversation) -> Sessions:
    lines: dict[int, list[str]] = {}
    first: dict[int, int] = {}
    for position, turn in enumerate(conversation.turns):
        lines.setdefault(turn.session, []).append(turn.memory_text("speaker: text"))
        first.setdefault(turn.session, position)
    order = sorted(lines)
    return Sessions(
        texts=tuple("\n".join(lines[s]) for s in order),
        created_at=np.asarray([conversation.turns[first[s]].created_at.timestamp() for s in order]),
        first_turn=np.asarray([first[s] for s in order], dtype=np.int64),
    )


def context_turns(conversation: Conversation, question: Question) -> list[int]:
    """Positions of the (up to) 6 turns just before the session of the question's earliest evidence turn."""
    session = conversation.turns[min(question.evidence)].session
    start = next(i for i, t in enumerate(conversation.turns) if t.session == session)
    return list(range(max(0, start - CONTEXT_TURNS), start))


def autogpt_messages(conversation: Conversation, question: Question) -> list[dict[str, str]]:
    """The query's messages: the context turns, then the step that asks; ``str()`` of it is the loop's query."""
    first_speaker = conversation.turns[0].speaker
    messages = [
        {
            "role": "user" if conversation.turns[i].speaker == first_speaker else "assistant",
            "content": conversation.turns[i].text,
        }
        for i in context_turns(conversation, question)
    ]
    messages += [
        {"role": "user", "content": TRIGGER},
        {"role": "assistant", "content": json.dumps(agent_reply(question.text), indent=4)},
        {"role": "system", "content": ACKNOWLEDGEMENT},
    ]
    return messages


def agent_reply(question: str) -> dict[str, dict[str, Any]]:
    """The agent's Auto-GPT 0.2.2 reply that asks ``question``: it appends a heading to its answers file."""
    return {
        "thoughts": {
            "text": f"I need to answer: {question}",
            "reasoning": "The user asked this, and the answer is in what was said in our past conversations.",
            "plan": "- recall what was said about it\n- write the answer to answers.txt",
            "criticism": "I should answer from what was said, not guess.",
            "speak": f"I need to answer: {question}",
        },
        "command": {"name": "append_to_file", "args": {"filename": "answers.txt", "text": "Answer: "}},
    }


def store_chunker(embedder: Embedder) -> TextChunker:
    """The chunker a store resolves by default for this embedder (the store's own resolution, not a copy)."""
    # Only the chunker is read: it needs no database.
    chunker = resolve_chunker(Chunking(), embedder, None)
    if chunker is None:
        raise ValueError(f"{embedder.model_id} states no window: nothing would be chunked")
    return chunker


class LookupEmbedder:
    """The real model behind a per-text memo, so many stores and systems share one embedding per text.

    :meth:`warm` embeds every text a run will ask for in big batches, cached on disk by
    :func:`benchmarks.common.cached_embeddings`; :meth:`embed` then answers from memory, embedding (and
    remembering) anything it has not seen. ``max_tokens`` and the tokenizer are the model's, so a store
    chunks exactly as it would with the model itself.
    """

    def __init__(self, embedder: SentenceTransformerEmbedder, *, cache: Path = CACHE) -> None:
        self._embedder = embedder
        self._cache = cache
        self._known: dict[str, NDArray[np.float32]] = {}
        self.model_calls = 0

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def dimensions(self) -> int:
        return self._embedder.dimensions

    @property
    def max_tokens(self) -> int:
        return self._embedder.max_tokens

    def tokenizer_file(self) -> Path | None:
        return self._embedder.tokenizer_file()

    def warm(self, texts: Sequence[str], *, batch: int = 4096) -> None:
        """Embed the texts not known yet, in sorted batches of ``batch`` (stable cache keys across runs)."""
        missing = sorted({t for t in texts if t not in self._known})
        for start in range(0, len(missing), batch):
            part = missing[start : start + batch]
            self._known.update(
                zip(part, cached_embeddings(part, embedder=self._embedder, cache=self._cache), strict=True)
            )

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        items = list(texts)
        missing = list(dict.fromkeys(t for t in items if t not in self._known))
        if missing:
            self.model_calls += 1
            self._known.update(zip(missing, self._embedder.embed(missing), strict=True))
        if not items:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._known[t] for t in items]), dtype=np.float32)
