"""agentmem itself on LoCoMo: a real MemoryStore per conversation, with its defaults and each ablation.

Unlike the scoring sweep of :mod:`benchmarks.locomo_systems` (agentmem's pure scoring functions over the
benchmark's own BM25), these systems go through the public API end to end: a SQLite file with its FTS5
lexical index and a FAISS flat index, every turn added as an observation (one ``add_many``, created at its
turn time, importance from the store's offline heuristic, which compares each text with the 20 before it;
exact repeats folded into one memory, as the default policy does), questions asked in order at the question
time.

The ladder, each step adding one thing to the one before:

- cosine only: ``retrieve(hybrid=False)`` with relevance weight 1 and no recency or importance;
- + BM25 hybrid: the store's hybrid relevance (``lexical_weight`` 0.3);
- + recency: recency weight 0.02, half-life 180 days;
- + importance: importance weight 0.1 (the default scoring), ``retrieve(touch=False)``;
- + time match: a question that names a time ("in May 2023") gives 0.2 of relevance to the memories
  created then (``time_weight``; the rungs before it have it at 0);
- defaults: ``recall`` exactly as an agent calls it (near-duplicates dropped, what it returned touched), with a
  token budget large enough for the 20 memories the metrics need;
- defaults after consolidation: the same, after ``reflect()`` with the default policy; a reflection covers the
  turns it replaced (its provenance, ``store.sources``).

Vectors come from the shared cache (the same all-MiniLM-L6-v2 vectors every other system ranks); only texts
the cache lacks (reflection summaries) are embedded by the real model.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agentmem import MemoryStore, NewMemory, RecallConfig, ScoredMemory, Scoring, SentenceTransformerEmbedder
from agentmem.config import DEFAULT_SCORING
from benchmarks.locomo_metrics import Covered
from benchmarks.locomo_peers import vector_lookup
from benchmarks.locomo_systems import DEPTH, Family, MemorySet, QuerySet, Ranker, System

__all__ = ["AGENTMEM", "COSINE_ONLY", "DEFAULTS", "LADDER", "LookupEmbedder", "agentmem_family"]

BATCH_SIZE = 64
UNLIMITED_TOKENS = 1_000_000  # recall's block may hold all DEPTH memories: the metrics need 20
_NO_RECENCY = Scoring(relevance=1.0, recency=0.0, importance=0.0, half_life=DEFAULT_SCORING.half_life)
_RECENCY = Scoring(relevance=1.0, recency=DEFAULT_SCORING.recency, importance=0.0, half_life=DEFAULT_SCORING.half_life)

COSINE_ONLY = "agentmem cosine only"
DEFAULTS = "agentmem defaults"
CONSOLIDATED = "agentmem defaults after consolidation"
LADDER = (
    COSINE_ONLY,
    "agentmem + BM25 hybrid",
    "agentmem + recency",
    "agentmem + importance",
    "agentmem + time match",
    DEFAULTS,
    CONSOLIDATED,
)
"""The labels of the systems :func:`agentmem_family` makes, in order."""

Ask = Callable[[MemoryStore, str, datetime], Sequence[ScoredMemory]]
"""One question put to a filled store at the question time: the memories it returns, best first."""


class LookupEmbedder:
    """The real model's identity, answering from precomputed vectors for the texts it was given them for;
    any other text (a reflection summary) is embedded by the model, loaded on first need."""

    def __init__(self, model: SentenceTransformerEmbedder, known: dict[str, NDArray[np.float32]]) -> None:
        self._model = model
        self._known = known
        self.model_id = model.model_id
        self.dimensions = model.dimensions
        # The model's window and tokenizer, so the store chunks long texts as it would with the model.
        self.max_tokens = model.max_tokens
        self.tokenizer_file = model.tokenizer_file

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            self._known.update(zip(missing, self._model.embed(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dimensions), np.float32)
        return np.stack([self._known[t] for t in texts])


@cache
def _model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(batch_size=BATCH_SIZE)  # loads its weights only when first used


def _store_ranker(ask: Ask, *, reflect: bool = False, recall: RecallConfig | None = None) -> Ranker:
    """A ranker that fills a fresh store with the conversation, optionally reflects, then asks in order."""

    def rank(memories: MemorySet, queries: QuerySet) -> Covered:
        embedder = LookupEmbedder(_model(), vector_lookup(memories, queries))
        with tempfile.TemporaryDirectory(prefix="locomo-agentmem-") as folder:
            store = MemoryStore.open(
                Path(folder) / "memory.db", embedder=embedder, clock=lambda: memories.now, recall=recall
            )
            with store:
                turns_of = _add_conversation(store, memories)
                if reflect:
                    store.reflect(now=memories.now)
                rows = []
                for question in queries.texts:
                    found = ask(store, question, memories.now)
                    rows.append(tuple(_covered(store, m, turns_of) for m in found[:DEPTH]))
        return Covered(tuple(rows), DEPTH)

    return rank


def _add_conversation(store: MemoryStore, memories: MemorySet) -> dict[int, tuple[int, ...]]:
    """Add every turn; returns memory id -> the turn positions it holds (more than one: folded repeats)."""
    when = [datetime.fromtimestamp(float(t), tz=timezone.utc) for t in memories.created_at]
    records = store.add_many(NewMemory(text, created_at=w) for text, w in zip(memories.texts, when, strict=True))
    turns_of: dict[int, list[int]] = {}
    for position, record in enumerate(records):
        turns_of.setdefault(record.id, []).append(position)
    return {memory_id: tuple(p) for memory_id, p in turns_of.items()}


def _covered(store: MemoryStore, found: ScoredMemory, turns_of: dict[int, tuple[int, ...]]) -> tuple[int, ...]:
    if found.memory.kind == "reflection":
        return tuple(p for source in store.sources(found.memory.id) for p in turns_of.get(source.id, ()))
    return turns_of.get(found.memory.id, ())


def _retrieve(scoring: Scoring | None, *, hybrid: bool) -> Ask:
    def ask(store: MemoryStore, question: str, now: datetime) -> Sequence[ScoredMemory]:
        return store.retrieve(question, k=DEPTH, now=now, scoring=scoring, hybrid=hybrid, touch=False)

    return ask


def _recall(store: MemoryStore, question: str, now: datetime) -> Sequence[ScoredMemory]:
    return store.recall(question, k=DEPTH, token_budget=UNLIMITED_TOKENS, now=now).memories


def agentmem_family(quick: bool) -> list[System]:
    """The ablation ladder, then the defaults, then the defaults after consolidation (same in quick runs)."""
    defaults = RecallConfig()
    lexical = {"lexical_weight": defaults.lexical_weight, "lexical_candidates": defaults.lexical_candidates}
    scorings = (_NO_RECENCY, _NO_RECENCY, _RECENCY, defaults.scoring, defaults.scoring)
    timeless = RecallConfig(time_weight=0.0)
    recalls = (timeless, timeless, timeless, timeless, defaults)
    ladder = zip(LADDER[:5], scorings, (False, True, True, True, True), recalls, strict=True)
    systems = []
    for label, scoring, hybrid, recall in ladder:
        parameters = {"call": "retrieve(touch=False)", "hybrid": hybrid, **(lexical if hybrid else {})}
        parameters["scoring"] = repr(scoring)
        parameters["time_weight"] = recall.time_weight
        ranker = _store_ranker(_retrieve(scoring, hybrid=hybrid), recall=recall)
        systems.append(System("agentmem", label, parameters, ranker))
    recall_parameters = {
        "call": "recall: store defaults (hybrid, touch, near-duplicates dropped)",
        "scoring": repr(defaults.scoring),
        "token_budget": UNLIMITED_TOKENS,
    }
    systems.append(System("agentmem", DEFAULTS, recall_parameters, _store_ranker(_recall)))
    systems.append(
        System(
            "agentmem",
            CONSOLIDATED,
            {**recall_parameters, "reflect": "reflect() with the default ReflectionPolicy, provenance-counted"},
            _store_ranker(_recall, reflect=True),
        )
    )
    return systems


AGENTMEM: dict[str, Family] = {"agentmem": agentmem_family}
