"""Store-wide recall settings: defaults every recall uses unless the call overrides them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from agentmem.consolidation.reflection import ReflectionPolicy
from agentmem.errors import ConfigError
from agentmem.ranking.queries import QueryPolicy
from agentmem.ranking.scoring import Scoring
from agentmem.text.tokens import Tokenizer

__all__ = ["DEFAULT_SCORING", "Chunking", "MemoryPolicy", "RecallConfig"]

# Chosen by measurement on LoCoMo (benchmarks/locomo.py; docs/scoring.md has the tables): relevance
# dominates; recency helps nothing there and, with recall touching what it returns, a weight of 0.1 at a
# 30-day half-life cost 0.03-0.08 of R@10, so it is kept small with a long half-life (0.02, 180 days:
# -0.006 +- 0.004 with touching). Hybrid lexical relevance at a = 0.3 gained +0.18 R@10 (0.445 -> 0.626).
DEFAULT_SCORING = Scoring()
"""The store's default weights (those of :class:`Scoring`'s own defaults, measured in docs/scoring.md)."""


@dataclass(frozen=True, slots=True)
class RecallConfig:
    """Defaults of :meth:`agentmem.MemoryStore.recall` for one store.

    Attributes:
        scoring: weights of relevance, recency and importance, and the recency half-life.
        hybrid: fuse lexical (BM25-style) matches into relevance, to find names, numbers and rare words.
        lexical_weight: share of the lexical score in hybrid relevance, in [0, 1].
        lexical_candidates: lexical matches fetched per query.
        scale_candidates: candidates the scale path asks its index for (HNSW: also its efSearch) before the
            threshold test (agentmem.ranking.certified), which asks for 4 times more when it cannot certify them.
            On the LoCoMo-based vectors of benchmarks/recall_speed.py the top 10 by the default score took
            at most 193 candidates at 1M memories; HNSW at 100k found them at 0.9935 of the exact path's
            top 10 with 256 (0.9995 with 1,024, three times slower).
        touch: record an access (last_accessed_at, access_count) on the memories recall returns.
        token_budget: tokens the prompt block may take.
        max_memories: most memories considered for the block.
        dedupe_threshold: cosine at or above which a memory counts as a near-duplicate of a better one.
        query: how a list of recent messages, or a query longer than the embedding model reads, becomes
            the query (see :mod:`agentmem.ranking.queries`).
        time_weight: share of relevance given, when the query names a time ("in May 2023", "yesterday",
            see :mod:`agentmem.ranking.timespans`), to whether a memory was created then, in [0, 1); 0 ignores
            the times queries name.
        time_slack: how far before and after a named time a memory still counts as created then (12
            hours by default: a day named in any timezone).
    """

    scoring: Scoring = field(default_factory=lambda: DEFAULT_SCORING)
    hybrid: bool = True
    lexical_weight: float = 0.3
    lexical_candidates: int = 100
    scale_candidates: int = 256
    touch: bool = True
    token_budget: int = 1000
    max_memories: int = 50
    dedupe_threshold: float = 0.95
    query: QueryPolicy = field(default_factory=QueryPolicy)
    time_weight: float = 0.2
    time_slack: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        if not 0.0 <= self.lexical_weight <= 1.0:
            raise ConfigError(f"lexical_weight must be in [0, 1], not {self.lexical_weight}")
        for name in ("lexical_candidates", "scale_candidates", "max_memories"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        if not 0.0 <= self.time_weight < 1.0:
            raise ConfigError(f"time_weight must be in [0, 1), not {self.time_weight}")
        if not isinstance(self.time_slack, timedelta) or self.time_slack < timedelta(0):
            raise ConfigError(f"time_slack must be a timedelta >= 0, got {self.time_slack!r}")
        if self.token_budget < 0:
            raise ConfigError("token_budget must be >= 0")
        if not 0.0 < self.dedupe_threshold <= 1.0:
            raise ConfigError("dedupe_threshold must be in (0, 1]; 1.0 drops only identical vectors")


@dataclass(frozen=True, slots=True)
class MemoryPolicy:
    """How a store keeps its memory small: duplicates, budgets, reflection and forgetting.

    Attributes:
        dedupe: adding the exact text of an active memory strengthens it (one more access, the higher
            importance) instead of storing a copy.
        max_active: most active memories per namespace; after each add the lowest-retention ones beyond it
            are archived (None: no limit).
        reflection: when and how observations are grouped into reflections.
        forget_half_life: the recency half-life of retention (see :mod:`agentmem.consolidation.retention`).
    """

    dedupe: bool = True
    max_active: int | None = None
    reflection: ReflectionPolicy = field(default_factory=ReflectionPolicy)
    forget_half_life: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if self.max_active is not None and self.max_active < 1:
            raise ConfigError("max_active must be at least 1, or None for no budget")


@dataclass(frozen=True, slots=True)
class Chunking:
    """How memories longer than the embedding model reads are embedded: as overlapping chunks.

    The model reads a fixed number of tokens and drops the rest of a longer text from its embedding; a
    chunked memory is found by any of its parts (see :mod:`agentmem.text.chunking`).

    Attributes:
        enabled: embed long texts in chunks (False: whole, as the model truncates them).
        window: tokens per chunk; None: half of what the embedder reads (its ``max_tokens`` less the 2
            special tokens, halved: 127 word pieces for all-MiniLM-L6-v2). Texts up to the full window are
            never cut. An embedder that states no ``max_tokens`` is not chunked unless a window is given.
            Measured on LoCoMo sessions stored as single memories (session-level R@5, cosine / hybrid):
            window 254: 0.684 / 0.838; 127: 0.715 / 0.842; 64: 0.705 / 0.844.
        overlap: tokens of whole sentences repeated from one chunk to the next.
        tokenizer: counts tokens for cutting; None: the embedder's own tokenizer (its ``tokenizer_file()``),
            else the store's tokenizer, else the bundled model's.
    """

    enabled: bool = True
    window: int | None = None
    overlap: int = 32
    tokenizer: Tokenizer | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.window is not None and self.window < 1:
            raise ConfigError(f"chunk window must be at least 1 token, not {self.window}")
        if self.overlap < 0 or (self.window is not None and self.overlap >= self.window):
            raise ConfigError(f"chunk overlap must be in [0, window), not {self.overlap}")
