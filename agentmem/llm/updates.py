"""Updates judged by an LLM: is a new memory a newer value of a stored one? Through any OpenAI-compatible server."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from agentmem.errors import LLMError
from agentmem.llm.openai_compatible import ChatClient
from agentmem.types import Message, UpdateJudge

__all__ = ["UPDATE_PROMPT", "LLMUpdateJudge", "parse_verdict"]

logger = logging.getLogger(__name__)

UPDATE_PROMPT = (
    "Two notes from the memory of an assistant. Does the NEW note replace the OLD one, because it states a "
    "newer value of the same fact about the same subject (a number, date, time, place, name or state that "
    "changed)? A different subject, a different event, or extra detail that does not contradict the old note "
    "is not a replacement.\n"
    "OLD: {old}\n"
    "NEW: {new}\n"
    "Answer YES or NO, then a few words on what changed."
)
"""``{old}`` and ``{new}`` are replaced by the stored and the new text."""

_VERDICT = re.compile(r"\b(yes|no)\b", re.I)


def parse_verdict(answer: str) -> tuple[bool, str] | None:
    """``(replaces, the rest of the answer)`` from a YES/NO answer; None when it holds neither word."""
    match = _VERDICT.search(answer)
    if match is None:
        return None
    rest = " ".join(answer[match.end() :].split()).lstrip(":,.- ")
    return match.group(1).lower() == "yes", rest[:120]


class LLMUpdateJudge:
    """An :class:`~agentmem.types.UpdateJudge` that asks a chat model about each pair (one request per pair).

    Only pairs the store found similar (cosine at least ``min_similarity``) are asked. An answer that holds
    neither YES nor NO, or an endpoint that fails after the client's retries, is judged by ``fallback`` (e.g.
    :class:`~agentmem.ValueChangeDetector`) when given, else raises :class:`~agentmem.errors.LLMError`: the add
    stores nothing then, rather than guessing.

    Args:
        client: the chat-completions client.
        min_similarity: cosine at or above which a stored memory is asked about.
        neighbours: most similar active memories asked about for each new one (a request each).
        fallback: judges what the model could not.
        max_tokens: the longest answer requested.
    """

    def __init__(
        self,
        client: ChatClient,
        *,
        min_similarity: float = 0.45,
        neighbours: int = 5,
        fallback: UpdateJudge | None = None,
        max_tokens: int = 48,
    ) -> None:
        self.client = client
        self.min_similarity = min_similarity
        self.neighbours = neighbours
        self.fallback = fallback
        self.max_tokens = max_tokens

    def judge(self, pairs: Sequence[tuple[str, str, float]]) -> list[str | None]:
        """For each ``(new, stored, cosine)``: the model's words on what changed when it says YES, else None.

        Raises:
            LLMError: the endpoint failed or an answer was neither YES nor NO, and there is no fallback.
        """
        verdicts: list[str | None] = []
        for new, old, cosine in pairs:
            if cosine < self.min_similarity:
                verdicts.append(None)
                continue
            prompt = UPDATE_PROMPT.format(old=" ".join(old.split()), new=" ".join(new.split()))
            try:
                answer = self.client.complete([Message("user", prompt)], max_tokens=self.max_tokens)
                parsed = parse_verdict(answer)
                if parsed is None:
                    raise LLMError(f"neither YES nor NO in {answer[:120]!r}", url=self.client.url, status=200)
            except LLMError as exc:
                if self.fallback is None:
                    raise
                logger.warning("LLM update judge failed (%s): the fallback judges this pair", exc)
                verdicts.extend(self.fallback.judge([(new, old, cosine)]))
                continue
            replaces, why = parsed
            verdicts.append(f"llm: {why or 'yes'}" if replaces else None)
        return verdicts

    def __repr__(self) -> str:
        return f"LLMUpdateJudge({self.client!r}, fallback={self.fallback!r})"
