"""Whether a reflection still says what each of its sources said: which sources it may archive.

A reflection replaces the sources it archives in recall, so a source is archived only when the summary keeps what
a later question could ask of it:

1. every name, number, date, time, amount and code of the source (:func:`detail_spans`, :func:`proper_names`)
   appears in the summary, and
2. at least :data:`COVERED_SHARE` of the source's content words (stopwords removed, crudely stemmed) appear in
   it, and as much of its own words, those no other source of the group uses (the topic's words are in every
   source and in any summary; what one source alone adds, "needs a taxi to the airport", is what gets lost),
   unless the source has fewer than :data:`MIN_WORDS` content words (small talk: "Wow, thanks!" says nothing a
   question would ask for).

A source that fails either test stays active beside the reflection, which still lists it among its sources:
whatever the summarizer (the extractive default, an LLM's paraphrase, a custom one), nothing a source said becomes
unreachable. The shares were measured on LoCoMo (``python -m benchmarks.consolidation``, docs/scoring.md).

Pure: strings in, positions out.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentmem.consolidation.importance import detail_spans, proper_names
from agentmem.consolidation.summaries import content_words, mentions, split_sentences, split_speaker

__all__ = ["COVERED_SHARE", "MIN_WORDS", "uncovered"]

COVERED_SHARE = 0.5
"""Least share of a source's content words the summary must hold for the source to be archived."""
MIN_WORDS = 3
"""A source with fewer content words than this is covered by its details alone."""


def uncovered(sources: Sequence[str], summary: str) -> list[int]:
    """Positions of the ``sources`` that ``summary`` does not cover (see the module docs), in order.

    Args:
        sources: the texts of a reflection's sources.
        summary: the reflection's text.
    """
    said = content_words(summary)
    bodies = [split_speaker(source)[1] for source in sources]  # the summary names speakers its own way
    # What a source states: its sentences that are not questions ("What was the event like?" states nothing).
    words = [content_words(" ".join(_statements(body))) for body in bodies]
    found = []
    for position, body in enumerate(bodies):
        details = [d for d in (*detail_spans(body), *proper_names(body)) if not mentions(summary, d)]
        own = words[position].difference(*(w for i, w in enumerate(words) if i != position))
        judged = [group for group in (words[position], own) if len(group) >= MIN_WORDS]
        enough = all(len(group & said) >= COVERED_SHARE * len(group) for group in judged)
        if details or not enough:
            found.append(position)
    return found


def _statements(text: str) -> list[str]:
    """The sentences of ``text`` that are not questions."""
    return [s for s in split_sentences(text) if not s.rstrip().endswith("?")]
