"""The relevance floor: which ranked memories bear too little on the query to be recalled at all.

A memory is cut when its relevance is below the absolute floor (``RecallConfig.min_relevance``): a query
about a topic the store never heard of gets an empty block. Among the memories above it, the first
``relative_after`` stay; each later one must also reach ``relative_relevance`` times the best relevance of
the query, so that a block is not filled to its budget with memories far weaker than the ones that answer.
The first ones are left alone because the evidence of a question is often not its best match (on
LoCoMo, half the best on every rank cost 0.015 of R@10, beyond the first 5 0.009; docs/scoring.md).
Importance and recency play no part: they reorder what the floor keeps, never lift a memory past it.

Pure: relevances in, reasons out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentmem.config import RecallConfig

__all__ = ["RelevanceFloor"]


@dataclass(frozen=True, slots=True)
class RelevanceFloor:
    """The floor of one recall.

    Attributes:
        absolute: the least relevance of every memory (None: none).
        relative: beyond the first ``after`` memories above ``absolute``, the least share of the best
            relevance (None: none).
        after: how many memories above ``absolute`` the relative floor leaves alone.
    """

    absolute: float | None = None
    relative: float | None = None
    after: int = 0

    @classmethod
    def of(cls, config: RecallConfig) -> RelevanceFloor:
        """The floor a store's recall settings draw (``min_relevance``, ``relative_relevance``, ``relative_after``)."""
        return cls(config.min_relevance, config.relative_relevance, config.relative_after)

    def reasons(self, relevances: Sequence[float]) -> list[str | None]:
        """Why each memory of a ranking (best first) is cut, or None for the memories kept.

        Args:
            relevances: the relevance of each ranked memory, in rank order.

        Returns:
            One entry per memory: None, or a reason such as ``relevance 0.210 < floor 0.30``.
        """
        best = max(relevances, default=0.0)
        share = self.relative
        kept = 0
        found: list[str | None] = []
        for relevance in relevances:
            if self.absolute is not None and relevance < self.absolute:
                found.append(f"relevance {relevance:.3f} < floor {self.absolute:.2f}")
            elif share is not None and kept >= self.after and relevance < share * best:
                found.append(
                    f"relevance {relevance:.3f} < {share:.2f} x the best {best:.3f} (beyond the first {self.after})"
                )
            else:
                kept += 1
                found.append(None)
        return found
