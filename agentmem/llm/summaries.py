"""Reflections written by an LLM through any OpenAI-compatible server."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from agentmem.errors import ConfigError, LLMError
from agentmem.llm.openai_compatible import ChatClient
from agentmem.text.tokens import WhitespaceTokenizer
from agentmem.types import Message, Summarizer, Tokenizer

__all__ = ["REFLECTION_PROMPT", "LLMSummarizer", "strip_boilerplate"]

logger = logging.getLogger(__name__)


REFLECTION_PROMPT = (
    "Statements from an agent's memory, oldest first:\n{statements}\n\n"
    "Write one concise, factual summary of these statements{limit}. Keep every name, number, date, time, "
    "amount and place exactly as written, and say who did what. Add nothing that the statements do not say. "
    "Answer with the summary only."
)
"""The summarizing prompt, in the style of Generative Agents' reflection prompt (numbered statements)."""

_PREAMBLE = re.compile(
    r"^\s*(?:(?:sure|okay|ok|certainly|of course)\b[,.!]?\s*)?\**\s*"
    r"(?:here(?:'s| is| are)\b[^\n:]*:|(?:a |the )?(?:concise |factual |brief )*summary\s*:)\s*\**\s*",
    re.I,
)
_CLOSING = re.compile(r"\n+\s*(?:let me know|i hope|hope this|feel free)\b.*$", re.I | re.S)


def strip_boilerplate(answer: str) -> str:
    """The summary in a model's answer, without "Here is a summary:", a closing offer or wrapping quotes."""
    text = _CLOSING.sub("", _PREAMBLE.sub("", answer, count=1))
    text = " ".join(text.split())
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


class LLMSummarizer:
    """A summary written by any OpenAI-compatible model (see :data:`REFLECTION_PROMPT`).

    Boilerplate around the summary ("Here is a summary:", "Let me know if...") is removed. With
    ``max_tokens``, the prompt asks for about ``0.75 * max_tokens`` words and a longer answer is cut to fit,
    back to its last full sentence when there is one. When the endpoint fails or answers nothing, the fallback
    summarizes instead (with a warning); without one, :class:`~agentmem.errors.LLMError` is raised.

    Args:
        client: the chat-completions client.
        fallback: summarizes when the model cannot, e.g. :class:`ExtractiveSummarizer`.
        tokenizer: counts tokens for ``max_tokens``; :class:`~agentmem.text.tokens.WhitespaceTokenizer` by default.
        answer_tokens: the longest answer requested when no ``max_tokens`` is given.
    """

    def __init__(
        self,
        client: ChatClient,
        *,
        fallback: Summarizer | None = None,
        tokenizer: Tokenizer | None = None,
        answer_tokens: int = 512,
    ) -> None:
        self.client = client
        self.fallback = fallback
        self.tokenizer: Tokenizer = tokenizer if tokenizer is not None else WhitespaceTokenizer()
        self.answer_tokens = answer_tokens

    def summarize(self, texts: Sequence[str], *, max_tokens: int | None = None) -> str:
        """Return the model's summary of ``texts`` (oldest first).

        Raises:
            ConfigError: every text is blank.
            LLMError: the endpoint failed or answered nothing usable, and there is no fallback.
        """
        statements = [" ".join(t.split()) for t in texts if t.strip()]
        if not statements:
            raise ConfigError("there is nothing to summarize: every text is blank")
        limit = "" if max_tokens is None else f" in at most {max(1, int(max_tokens * 0.75))} words"
        numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(statements, start=1))
        prompt = REFLECTION_PROMPT.format(statements=numbered, limit=limit)
        requested = self.answer_tokens if max_tokens is None else max(2 * max_tokens, 64)
        try:
            summary = strip_boilerplate(self.client.complete([Message("user", prompt)], max_tokens=requested))
            if not summary:
                raise LLMError("the summary answer was empty", url=self.client.url, status=200)
        except LLMError as exc:
            if self.fallback is None:
                raise
            logger.warning("LLM summary of %d texts failed (%s): the fallback summarizes them", len(texts), exc)
            return self.fallback.summarize(texts, max_tokens=max_tokens)
        return summary if max_tokens is None else self._fit(summary, max_tokens)

    def _fit(self, summary: str, max_tokens: int) -> str:
        if self.tokenizer.count(summary) <= max_tokens:
            return summary
        cut = self.tokenizer.truncate(summary, max_tokens).rstrip()
        if cut.endswith((".", "!", "?")):
            return cut
        last_stop = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
        return cut[: last_stop + 1] if last_stop > 0 else cut

    def __repr__(self) -> str:
        return f"LLMSummarizer({self.client!r}, fallback={self.fallback!r})"
