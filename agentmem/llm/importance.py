"""Importance from an LLM: Generative Agents' poignancy rating through any OpenAI-compatible server."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from agentmem.errors import LLMError
from agentmem.llm.openai_compatible import ChatClient
from agentmem.types import ImportanceScorer, Message

__all__ = ["POIGNANCY_PROMPT", "LLMImportance", "parse_rating"]

logger = logging.getLogger(__name__)


POIGNANCY_PROMPT = (
    "On the scale of 1 to 10, where 1 is purely mundane (e.g., brushing teeth, making bed) and 10 is extremely "
    "poignant (e.g., a break up, college acceptance), rate the likely poignancy of the following piece of memory. "
    "Respond with a single integer.\n"
    "Memory: {memory}\n"
    "Rating: <fill in>"
)
"""The Generative Agents poignancy prompt (Park et al., 2023); ``{memory}`` is replaced by the text."""

_NUMBER = r"(\d+(?:\.\d+)?)"
_OUT_OF_TEN = re.compile(_NUMBER + r"\s*/\s*10\b")
_LABELLED = re.compile(r"\brating\W{0,4}(?:is|of)?\W{0,4}" + _NUMBER, re.I)
_SCALE = re.compile(r"\b(?:1|one)\s*(?:-|\u2013|to)\s*(?:10|ten)\b|\bout of (?:10|ten)\b", re.I)
_ANY_NUMBER = re.compile(r"(?<![\d.])" + _NUMBER)
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_ANY_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


def parse_rating(answer: str) -> float | None:
    """Find a 1-10 rating in a model's answer; None when there is none.

    Tried in order: ``"7/10"``; a labelled ``"Rating: 8"``; the first number from 1 to 10 anywhere, once
    mentions of the scale itself (``"1 to 10"``, ``"out of 10"``) are removed; the first number word
    (``"seven"``).
    """
    for pattern in (_OUT_OF_TEN, _LABELLED):
        match = pattern.search(answer)
        if match and 1.0 <= float(match.group(1)) <= 10.0:
            return float(match.group(1))
    answer = _SCALE.sub(" ", answer)
    for match in _ANY_NUMBER.finditer(answer):
        if 1.0 <= float(match.group(1)) <= 10.0:
            return float(match.group(1))
    word = _ANY_NUMBER_WORD.search(answer)
    return float(_NUMBER_WORDS.index(word.group(1).lower()) + 1) if word else None


class LLMImportance:
    """Generative Agents' poignancy rating (1-10) by any OpenAI-compatible model, mapped to ``(r - 1) / 9``.

    One request per text, so each rating is independent of the others and one bad answer costs one text.
    ``context`` is not sent: the prompt rates a memory on its own, as in the paper.

    When an answer holds no rating, the fallback scores that text (a warning names its position); when the
    endpoint fails (:class:`~agentmem.errors.LLMError` after the client's retries), the fallback scores that
    text and every later one of the call, so a server that is down costs one round of retries, not one per
    text. Without a fallback, both raise :class:`~agentmem.errors.LLMError`: never a silent 0.

    Args:
        client: the chat-completions client.
        fallback: scores what the model could not, e.g. :class:`HeuristicImportance`.
        max_tokens: the longest answer requested.
    """

    def __init__(self, client: ChatClient, *, fallback: ImportanceScorer | None = None, max_tokens: int = 32) -> None:
        self.client = client
        self.fallback = fallback
        self.max_tokens = max_tokens

    def score(self, texts: Sequence[str], *, context: Sequence[str] = ()) -> list[float]:
        """Return one importance in [0, 1] per text.

        Raises:
            LLMError: the endpoint failed or an answer held no rating, and there is no fallback.
        """
        scores: list[float] = []
        for position, text in enumerate(texts):
            before = [*context, *texts[:position]]
            prompt = POIGNANCY_PROMPT.format(memory=text)
            try:
                answer = self.client.complete([Message("user", prompt)], max_tokens=self.max_tokens)
            except LLMError as exc:
                if self.fallback is None:
                    raise
                rest = f"#{position}" if position == len(texts) - 1 else f"#{position}-#{len(texts) - 1}"
                logger.warning(
                    "LLM importance failed at text #%d (%s): the fallback scores texts %s", position, exc, rest
                )
                return [*scores, *self.fallback.score(texts[position:], context=before)]
            rating = parse_rating(answer)
            if rating is not None:
                scores.append((rating - 1.0) / 9.0)
                continue
            snippet = " ".join(answer.split())[:120]
            if self.fallback is None:
                message = f"no 1-10 rating in the answer for text #{position}: {snippet!r}"
                raise LLMError(message, url=self.client.url, status=200)
            logger.warning(
                "no 1-10 rating in the LLM's answer for text #%d (%r): the fallback scores it", position, snippet
            )
            scores.extend(self.fallback.score([text], context=before))
        return scores

    def __repr__(self) -> str:
        return f"LLMImportance({self.client!r}, fallback={self.fallback!r})"
