"""Every setting of agentmem: frozen dataclasses checked when built, and the decay their half-lives mean.

At the bottom of the layers: it imports only :mod:`agentmem.errors` and :mod:`agentmem.types`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agentmem.errors import ConfigError
from agentmem.types import Tokenizer, UpdateJudge

__all__ = [
    "DEFAULT_SCORING",
    "Chunking",
    "MemoryPolicy",
    "Normalize",
    "QueryPolicy",
    "RecallConfig",
    "ReflectionPolicy",
    "Scoring",
    "decay",
]

Normalize = Literal["none", "minmax"]


@dataclass(frozen=True, slots=True)
class Scoring:
    """Weights and decay of the combined score.

    The defaults are the store's, chosen on LoCoMo (docs/scoring.md): relevance dominates, recency is a
    small tie-breaker with a long half-life (at weight 0.1 and 30 days it cost 0.031 of turn-level R@10),
    and importance weighs what the caller or the store's ImportanceScorer gave.

    Attributes:
        relevance: weight of relevance (cosine similarity to the query).
        recency: weight of recency (exponential decay since last access).
        importance: weight of importance.
        half_life: time after which recency falls to 0.5.
        normalize: ``"none"`` (score of a memory depends only on it and the query) or ``"minmax"``
            (each component rescaled to [0, 1] over the scored candidates, as in Generative Agents; a
            component that is constant over the candidates becomes 0.5 for all of them).

    Raises:
        ConfigError: a weight is negative or not finite, all weights are 0, ``half_life`` is not positive,
            or ``normalize`` is not one of the allowed values.
    """

    relevance: float = 1.0
    recency: float = 0.02
    importance: float = 0.1
    half_life: timedelta = timedelta(days=180)
    normalize: Normalize = "none"

    def __post_init__(self) -> None:
        weights = {"relevance": self.relevance, "recency": self.recency, "importance": self.importance}
        for name, value in weights.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"Scoring.{name} must be a finite number >= 0, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"Scoring.{name} must be a finite number >= 0, got {value!r}")
        if all(value == 0 for value in weights.values()):
            raise ConfigError("Scoring weights must not all be 0: give at least one of them a positive value")
        if not isinstance(self.half_life, timedelta) or self.half_life <= timedelta(0):
            raise ConfigError(f"Scoring.half_life must be a positive timedelta, got {self.half_life!r}")
        if self.normalize not in ("none", "minmax"):
            raise ConfigError(f"Scoring.normalize must be 'none' or 'minmax', got {self.normalize!r}")


@dataclass(frozen=True, slots=True)
class QueryPolicy:
    """How recall reads a list of messages, or a query string longer than the embedding model reads.

    The defaults were measured on LoCoMo (``benchmarks/long_memory.py``, docs/scoring.md): the newest
    message carries the query; older ones help only a little, and only in the vector.

    Attributes:
        context_messages: older messages (or older windows of a long string) that contribute, newest first.
        context_weight: weight of the older messages' mean vector, the newest message's being 1; 0 uses
            the newest message alone.
        newest_window: the most tokens of a long query string's newest part (its last sentences); None:
            what the embedding model reads.
        repeat_containment: a memory at least this fraction of whose words the messages contain (in runs
            of 3 words they share) repeats them and is left out of recall; None keeps such memories.
        outcome_weight: weight of each tool result or system line after the agent's newest turn, times
            how much it says (0 for a bare acknowledgement; see :mod:`agentmem.ranking.intent`).
        detail_weight: weight of a structured anchor's values after its first (an Auto-GPT reply's
            reasoning, plan, criticism and command arguments), its first value's (``thoughts.text``) being 1;
            plain-text anchors are one value and are not affected.
    """

    context_messages: int = 8
    context_weight: float = 0.1
    newest_window: int | None = 64
    repeat_containment: float | None = 0.8
    outcome_weight: float = 0.5
    detail_weight: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.context_messages, bool) or not isinstance(self.context_messages, int):
            raise ConfigError(f"context_messages must be an integer >= 0, not {self.context_messages!r}")
        if self.context_messages < 0:
            raise ConfigError(f"context_messages must be >= 0, not {self.context_messages}")
        if not math.isfinite(self.context_weight) or self.context_weight < 0:
            raise ConfigError(f"context_weight must be a finite number >= 0, not {self.context_weight}")
        window = self.newest_window
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 1):
            raise ConfigError(f"newest_window must be a positive integer or None, not {window!r}")
        containment = self.repeat_containment
        if containment is not None and not 0.0 < containment <= 1.0:
            raise ConfigError(f"repeat_containment must be in (0, 1] or None, not {containment}")
        if not math.isfinite(self.outcome_weight) or self.outcome_weight < 0:
            raise ConfigError(f"outcome_weight must be a finite number >= 0, not {self.outcome_weight}")
        if not math.isfinite(self.detail_weight) or self.detail_weight < 0:
            raise ConfigError(f"detail_weight must be a finite number >= 0, not {self.detail_weight}")


@dataclass(frozen=True, slots=True)
class ReflectionPolicy:
    """When and how observations are grouped into reflections.

    Attributes:
        threshold: :meth:`~agentmem.MemoryStore.maybe_reflect` reflects once the importances of the
            un-reflected observations add up to this. Generative Agents used 150 on its 1-10 poignancy scale,
            about 15 on agentmem's [0, 1] scale.
        similarity: least cosine between an observation and a group's centroid for it to join the group.
        max_gap: longest time between an observation and the newest member of the group it joins.
        min_group: fewest observations a reflection is made of.
        max_group: most observations a reflection is made of.
        kinds: the kinds of memory that get reflected on.
    """

    threshold: float = 15.0
    similarity: float = 0.25
    max_gap: timedelta = timedelta(hours=6)
    min_group: int = 3
    max_group: int = 8
    kinds: tuple[str, ...] = ("observation",)

    def __post_init__(self) -> None:
        if not 2 <= self.min_group <= self.max_group:
            raise ConfigError("reflection groups need 2 <= min_group <= max_group")
        if not -1.0 <= self.similarity <= 1.0:
            raise ConfigError("similarity must be a cosine in [-1, 1]")
        if self.max_gap <= timedelta(0) or self.threshold <= 0:
            raise ConfigError("max_gap and threshold must be positive")


def decay(age_seconds: ArrayLike, half_life: timedelta) -> NDArray[np.float64]:
    """What a half-life means: 1.0 at age 0, 0.5 after one half-life (negative ages count as 0).

    The one formula of recency (:class:`Scoring`) and of retention (``MemoryPolicy.forget_half_life``).
    """
    age = np.maximum(np.asarray(age_seconds, dtype=np.float64), 0.0)
    return np.asarray(np.power(0.5, age / half_life.total_seconds()), dtype=np.float64)


# Chosen by measurement on LoCoMo (benchmarks/locomo.py; docs/scoring.md has the tables): relevance
# dominates; recency helps nothing there and, with recall touching what it returns, a weight of 0.1 at a
# 30-day half-life cost 0.03-0.08 of R@10, so it is kept small with a long half-life (0.02, 180 days:
# -0.006 +- 0.004 with touching). Hybrid lexical relevance at a = 0.3 gained +0.18 R@10 (0.445 -> 0.626).
DEFAULT_SCORING = Scoring()
"""The store's default weights (those of :class:`Scoring`'s own defaults, measured in docs/scoring.md)."""

DEFAULT_MIN_RELEVANCE = 0.3
"""The store's default relevance floor (:attr:`RecallConfig.min_relevance`), measured in docs/scoring.md."""

DEFAULT_RELATIVE_RELEVANCE = 0.5
DEFAULT_RELATIVE_AFTER = 5
"""The store's default relative floor (:attr:`RecallConfig.relative_relevance`, ``relative_after``)."""


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
        touch: record an access (last_accessed_at, access_count) on the memories recall returns. The store
            shows it at once in this process and writes it behind (see agentmem/store/access_log.py).
        touch_flush_memories: accesses to this many distinct memories queued are written at once.
        touch_flush_seconds: the first recall this long after the oldest queued access writes the queue
            (as does close and every other store operation); a crash loses at most the queued accesses,
            never a memory.
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
        min_relevance: the least relevance (hybrid, time match included; see :mod:`agentmem.ranking.scoring`)
            a memory needs to be recalled or retrieved at all, however recent or important it is: a block
            holds only memories that bear on the query, and may be empty. None: no floor. Measured on
            LoCoMo (benchmarks/relevance_floor.py, docs/scoring.md).
        relative_relevance: beyond the first ``relative_after`` memories above ``min_relevance``, a memory
            must also reach this share of the query's best relevance (:mod:`agentmem.ranking.floor`): the
            block ends where the memories become far weaker than the best. None: no relative floor.
        relative_after: how many memories above ``min_relevance`` the relative floor leaves alone.
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
    min_relevance: float | None = DEFAULT_MIN_RELEVANCE
    relative_relevance: float | None = DEFAULT_RELATIVE_RELEVANCE
    relative_after: int = DEFAULT_RELATIVE_AFTER
    touch_flush_memories: int = 256
    touch_flush_seconds: float = 1.0

    def __post_init__(self) -> None:
        floor = self.min_relevance
        if floor is not None and (isinstance(floor, bool) or not 0.0 <= floor <= 1.0):
            raise ConfigError(f"min_relevance must be in [0, 1] or None, not {floor!r}")
        share = self.relative_relevance
        if share is not None and (isinstance(share, bool) or not 0.0 <= share <= 1.0):
            raise ConfigError(f"relative_relevance must be in [0, 1] or None, not {share!r}")
        after = self.relative_after
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ConfigError(f"relative_after must be an integer >= 0, not {after!r}")
        if self.touch_flush_memories < 1 or not self.touch_flush_seconds > 0:
            raise ConfigError("touch_flush_memories must be at least 1 and touch_flush_seconds above 0")
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
        updates: detects, on add, a new memory that restates an active one with a changed value and makes
            it supersede that one (an :class:`~agentmem.types.UpdateJudge`: :class:`agentmem.ValueChangeDetector`
            offline, :class:`agentmem.LLMUpdateJudge` over an LLM); None: only explicit updates (``supersedes=``,
            :meth:`agentmem.MemoryStore.update`).
    """

    dedupe: bool = True
    max_active: int | None = None
    reflection: ReflectionPolicy = field(default_factory=ReflectionPolicy)
    forget_half_life: timedelta = timedelta(days=30)
    updates: UpdateJudge | None = None

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
