"""Turn ranked memories into a prompt block that never exceeds a token budget.

The block is a header line followed by one line per memory, best first::

    Relevant memories:
    - [2024-05-08 13:56] (observation) Alice said she is moving to Lisbon in June.
    - [2024-05-02 09:12] (reflection) Alice plans her life around her garden.

Pure: no I/O and no clock; token counts come from the :class:`~agentmem.tokens.Tokenizer` passed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np
from numpy.typing import NDArray

from agentmem.errors import ConfigError
from agentmem.tokens import Tokenizer
from agentmem.types import MemoryRecord, PromptMemory, ScoredMemory

__all__ = ["TRUNCATION_MARKER", "assemble", "render_line"]

TRUNCATION_MARKER = " […]"
"""Appended to a memory whose text was cut to fit the budget."""


def assemble(
    ranked: Sequence[ScoredMemory],
    *,
    token_budget: int,
    tokenizer: Tokenizer,
    vectors: NDArray[np.float32] | None = None,
    dedupe_threshold: float = 0.95,
    header: str = "Relevant memories:",
) -> PromptMemory:
    """Fit the best memories into ``token_budget`` tokens, dropping duplicates.

    Memories are taken best first. One is skipped when its text (whitespace collapsed) repeats a chosen
    one, when its vector has cosine >= ``dedupe_threshold`` with a chosen one's, or when its line does not
    fit in what is left of the budget; a shorter one further down may still fit. If the first memory to be
    taken does not fit whole, its text is cut and marked with :data:`TRUNCATION_MARKER` (its id is listed in
    ``truncated_ids``), so a small budget still yields the best memory rather than nothing.

    Args:
        ranked: scored memories, best first.
        token_budget: the most tokens the block may have, header included.
        tokenizer: counts tokens; use the one of the model that reads the prompt.
        vectors: optional ``(len(ranked), d)`` array, row ``i`` being the vector of ``ranked[i]``;
            None disables near-duplicate detection.
        dedupe_threshold: cosine similarity at or above which a memory counts as a near-duplicate.
        header: first line of the block; empty for none.

    Returns:
        The block. ``tokens`` is ``tokenizer.count(text)`` of the final text and never exceeds the budget.
        The text is empty (0 tokens) when the budget is 0, the header alone does not fit, or no memory fits.

    Raises:
        ConfigError: ``token_budget`` is negative, ``dedupe_threshold`` is not finite, or ``vectors`` does
            not have one row per ranked memory.
    """
    if token_budget < 0:
        raise ConfigError(f"token_budget must be >= 0, got {token_budget}")
    if not math.isfinite(dedupe_threshold):
        raise ConfigError(f"dedupe_threshold must be a finite cosine similarity, got {dedupe_threshold}")
    unit = _unit_rows(vectors, len(ranked))
    if token_budget == 0 or not ranked or tokenizer.count(header) > token_budget:
        return PromptMemory(text="", memories=(), tokens=0, token_budget=token_budget)

    lines: list[str] = []
    chosen: list[int] = []
    seen_texts: set[str] = set()
    truncated_id: int | None = None
    used = 0
    for i, sm in enumerate(ranked):
        # Appending a line always adds tokens, so a full block cannot take anything more.
        if used >= token_budget:
            break
        body = _one_line(sm.memory.text)
        if body in seen_texts or _near_duplicate(unit, i, chosen, dedupe_threshold):
            continue
        line = render_line(sm.memory)
        # Counted on the whole block, not added up per line: tokenizers may merge across line breaks.
        tokens = tokenizer.count(_block(header, [*lines, line]))
        if tokens > token_budget:
            if chosen:
                continue
            cut = _truncated_line(sm.memory, header=header, token_budget=token_budget, tokenizer=tokenizer)
            if cut is None:
                continue
            line, tokens = cut
            truncated_id = sm.memory.id
        lines.append(line)
        chosen.append(i)
        seen_texts.add(body)
        used = tokens

    # Every accepted block was counted whole, so this holds; it is checked again on the exact final text
    # because the budget is a promise to the caller, and a tokenizer plugged in may not be deterministic.
    text = _block(header, lines) if lines else ""
    tokens = tokenizer.count(text)
    while tokens > token_budget:
        lines.pop()
        chosen.pop()
        text = _block(header, lines) if lines else ""
        tokens = tokenizer.count(text)
    memories = tuple(ranked[i] for i in chosen)
    kept_ids = {sm.memory.id for sm in memories}
    return PromptMemory(
        text=text,
        memories=memories,
        tokens=tokens,
        token_budget=token_budget,
        truncated_ids=(truncated_id,) if truncated_id is not None and truncated_id in kept_ids else (),
    )


def render_line(memory: MemoryRecord) -> str:
    """Render one memory as a block line: ``- [YYYY-MM-DD HH:MM] (kind) text``.

    The time is ``created_at`` in UTC at minute precision (a naive datetime is read as UTC, never as local
    time, so the output does not depend on the machine). Runs of whitespace, line breaks included, become
    one space: each memory stays on one line, and a memory's text cannot pose as another entry.

    Args:
        memory: the memory to render.

    Returns:
        The line, without a trailing newline.
    """
    return f"{_line_prefix(memory)}{_one_line(memory.text)}".rstrip()


def _line_prefix(memory: MemoryRecord) -> str:
    created = memory.created_at
    created = created.replace(tzinfo=timezone.utc) if created.tzinfo is None else created
    return f"- [{_minute(created.astimezone(timezone.utc))}] ({_one_line(memory.kind)}) "


def _minute(moment: datetime) -> str:
    # Formatted by hand: strftime's %Y does not zero-pad years below 1000 on every platform.
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _block(header: str, lines: list[str]) -> str:
    return "\n".join([header, *lines] if header else lines)


def _truncated_line(
    memory: MemoryRecord, *, header: str, token_budget: int, tokenizer: Tokenizer
) -> tuple[str, int] | None:
    """The memory's line with its text cut to fit, and the block's token count; None if nothing fits."""
    prefix = _line_prefix(memory)
    body = _one_line(memory.text)
    room = token_budget - tokenizer.count(_block(header, [prefix + TRUNCATION_MARKER.strip()]))
    while room >= 1:
        cut = tokenizer.truncate(body, room).rstrip()
        if not cut:
            return None
        line = f"{prefix}{cut}{TRUNCATION_MARKER}"
        tokens = tokenizer.count(_block(header, [line]))
        if tokens <= token_budget:
            return line, tokens
        # Pieces counted apart can sum to less than the joined line: give back the overshoot and retry.
        room -= tokens - token_budget
    return None


def _unit_rows(vectors: NDArray[np.float32] | None, rows: int) -> NDArray[np.float64] | None:
    if vectors is None:
        return None
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != rows:
        raise ConfigError(
            f"vectors must have shape (len(ranked), dimensions) = ({rows}, d), got {array.shape}"
        )
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    # A zero vector has no direction: leave it zero, so it is nobody's near-duplicate.
    return array / np.where(norms == 0.0, 1.0, norms)


def _near_duplicate(unit: NDArray[np.float64] | None, i: int, chosen: list[int], threshold: float) -> bool:
    if unit is None or not chosen:
        return False
    return bool((unit[chosen] @ unit[i] >= threshold).any())
