"""LoCoMo as retrieval test data: each conversation's turns (the memories) and its answerable questions.

Read from ``../shared/data/locomo10.json`` (CC BY-NC 4.0: never copied into the project). Questions of
categories 1-4 that have evidence are kept (5, adversarial, has none to find); their evidence ``dia_id``
strings are parsed as ``../shared/data/README.md`` says, because nine of them are malformed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from benchmarks.common import LOCOMO, locomo_turns

__all__ = [
    "CATEGORIES",
    "EXPECTED_QUESTIONS",
    "QUICK_CONVERSATIONS",
    "Conversation",
    "MemoryFormat",
    "Question",
    "Turn",
    "evidence_ids",
    "load_conversations",
]

CATEGORIES = (1, 2, 3, 4)  # multi-hop, temporal, open-domain, single-hop: always reported by id
EXPECTED_QUESTIONS = 1536  # categories 1-4 with evidence, the data README's reference count
QUICK_CONVERSATIONS = 1  # what the --quick smoke runs of the LoCoMo suites read

MemoryFormat = Literal["text", "speaker: text"]

_DIA_ID = re.compile(r"D(\d+):(\d+)")


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance, stored as one memory.

    Attributes:
        dia_id: ``D<session>:<turn>``, both parts canonical ints.
        speaker: who said it.
        text: what was said (with the caption of a shared image appended).
        session: the session number.
        created_at: the session's time plus the turn's position in seconds, so order within a session is kept.
    """

    dia_id: str
    speaker: str
    text: str
    session: int
    created_at: datetime

    def memory_text(self, memory_format: MemoryFormat) -> str:
        return f"{self.speaker}: {self.text}" if memory_format == "speaker: text" else self.text


@dataclass(frozen=True, slots=True)
class Question:
    """A question whose answer is in known turns.

    Attributes:
        text: the question.
        category: LoCoMo category id, 1-4.
        evidence: positions of the evidence turns in their conversation's ``turns``.
        evidence_sessions: session numbers of those turns.
    """

    text: str
    category: int
    evidence: tuple[int, ...]
    evidence_sessions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Conversation:
    """One LoCoMo sample: a memory set of its own (one namespace), and the questions asked of it."""

    sample_id: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]

    @property
    def now(self) -> datetime:
        """When the questions are asked: at the last session, just after its last turn."""
        return self.turns[-1].created_at + timedelta(seconds=1)


def evidence_ids(raw: Sequence[str]) -> list[str]:
    """Canonical ``D<s>:<t>`` ids in LoCoMo evidence strings, in order, each once.

    Handles the malformed ones (``"D8:6; D9:17"``, ``"D30:05"``, ``"D:11:26"``, ``"D"``) as the data README says.
    """
    found: list[str] = []
    for item in raw:
        for session, turn in _DIA_ID.findall(item.replace("D:", "D")):
            dia_id = f"D{int(session)}:{int(turn)}"
            if dia_id not in found:
                found.append(dia_id)
    return found


def load_conversations(
    path: Path = LOCOMO, *, limit: int | None = None
) -> tuple[list[Conversation], list[tuple[str, str]]]:
    """Every conversation with its turns and its questions of categories 1-4 that have evidence.

    Args:
        path: the LoCoMo JSON file.
        limit: only the first ``limit`` conversations.

    Returns:
        The conversations, and the (sample_id, dia_id) evidence ids dropped because no such turn exists.
    """
    by_sample: dict[str, list[Turn]] = {}
    position: dict[tuple[str, int], int] = {}
    for record in locomo_turns(path):
        key = (record["sample_id"], record["session"])
        offset = position.get(key, 0)
        position[key] = offset + 1
        match = _DIA_ID.fullmatch(record["dia_id"])
        if match is None:
            raise ValueError(f"{record['sample_id']}: turn id {record['dia_id']!r} is not D<session>:<turn>")
        session, turn = int(match[1]), int(match[2])
        by_sample.setdefault(record["sample_id"], []).append(
            Turn(
                dia_id=f"D{session}:{turn}",
                speaker=record["speaker"],
                text=record["text"],
                session=record["session"],
                created_at=record["when"] + timedelta(seconds=offset),
            )
        )
    conversations: list[Conversation] = []
    dropped: list[tuple[str, str]] = []
    for sample in json.loads(path.read_text())[:limit]:
        sample_id = sample["sample_id"]
        turns = tuple(by_sample[sample_id])
        index = {t.dia_id: i for i, t in enumerate(turns)}
        questions: list[Question] = []
        for qa in sample["qa"]:
            if qa["category"] not in CATEGORIES or not qa.get("evidence"):
                continue
            ids = evidence_ids(qa["evidence"])
            dropped += [(sample_id, i) for i in ids if i not in index]
            evidence = tuple(index[i] for i in ids if i in index)
            sessions = tuple(sorted({turns[i].session for i in evidence}))
            questions.append(Question(qa["question"], int(qa["category"]), evidence, sessions))
        conversations.append(Conversation(sample_id, turns, tuple(questions)))
    return conversations, dropped
