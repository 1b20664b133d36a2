"""Consolidation on LoCoMo: how much smaller memory gets by reflection, and what recall it keeps.

    python -m benchmarks.consolidation [--quick] [--similarity S] [--max-group N] [--max-gap-hours H] [--out DIR]

Each conversation is its own store (a real SQLite file and FAISS index). Every turn is added as an
observation (``speaker: text``, at its session's time, importance from the store's offline heuristic), with its
turn id in the metadata. Turn-level evidence recall@10 is measured with the store's default recall, then
``reflect()`` runs with the offline defaults (extractive summaries), and recall@10 is measured again; a
reflection counts as a hit for an evidence turn when its provenance (``store.sources``) holds that turn. That
count is honest because a reflection archives only the sources its summary covers (names, numbers, dates and
most words, :mod:`agentmem.consolidation.coverage`); the others stay active and count as themselves. The
summaries' ``coverage`` is chosen on the even-numbered conversations and reported on the odd ones.
Vectors of turns and questions come from the benchmark cache (the same all-MiniLM-L6-v2 vectors as
``benchmarks.locomo``); reflection summaries are embedded by the real model.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agentmem import Chunking, ExtractiveSummarizer, MemoryPolicy, MemoryStore, NewMemory, SentenceTransformerEmbedder
from agentmem.config import ReflectionPolicy
from benchmarks.common import Figure, add_output_option, cached_embeddings, write_results
from benchmarks.locomo_agentmem import LookupEmbedder
from benchmarks.locomo_data import QUICK_CONVERSATIONS, Conversation, load_conversations

K = 10


def _recall_at_k(store: MemoryStore, conversation: Conversation, dia_ids: dict[int, str]) -> float:
    position = {t.dia_id: i for i, t in enumerate(conversation.turns)}
    scores = []
    for q in conversation.questions:
        covered: set[int] = set()
        for m in store.retrieve(q.text, k=K, now=conversation.now):
            if m.memory.kind == "reflection":
                covered.update(position[str(s.metadata["dia_id"])] for s in store.sources(m.memory.id))
            else:
                covered.add(position[dia_ids[m.memory.id]])
        scores.append(len(covered & set(q.evidence)) / len(q.evidence))
    return float(np.mean(scores))


def _weighted(rows: list[tuple[str, int, int, int, float, float]], column: int) -> float:
    """The question-weighted mean of one recall column of per-conversation rows."""
    return sum(r[1] * r[column] for r in rows) / max(sum(r[1] for r in rows), 1)


def _active_words(store: MemoryStore) -> int:
    return sum(len(m.record.text.split()) for m in store.export_memories() if m.record.status == "active")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CONVERSATIONS} conversation (CI smoke)")
    parser.add_argument("--similarity", type=float, default=ReflectionPolicy().similarity)
    parser.add_argument("--max-group", type=int, default=ReflectionPolicy().max_group)
    parser.add_argument("--max-gap-hours", type=float, default=ReflectionPolicy().max_gap.total_seconds() / 3600)
    parser.add_argument("--max-sentences", type=int, default=None, help="of the extractive summaries")
    parser.add_argument("--coverage", type=float, default=ExtractiveSummarizer().coverage, help="of the summaries")
    parser.add_argument("--chunk-window", type=int, default=None, help="tokens per chunk (default: the model's)")
    parser.add_argument("--tag", default="", help="suffix of the results file")
    add_output_option(parser)
    args = parser.parse_args(argv)
    conversations, _dropped = load_conversations(limit=QUICK_CONVERSATIONS if args.quick else None)
    model = SentenceTransformerEmbedder()
    known: dict[str, NDArray[np.float32]] = {}
    for c in conversations:  # per conversation, as benchmarks.locomo caches them: the same cache entries
        for texts in ([t.memory_text("speaker: text") for t in c.turns], [q.text for q in c.questions]):
            known.update(zip(texts, cached_embeddings(texts, embedder=model), strict=True))
    embedder = LookupEmbedder(model, known)
    reflection = ReflectionPolicy(
        similarity=args.similarity, max_group=args.max_group, max_gap=timedelta(hours=args.max_gap_hours)
    )
    before_active = after_active = before_words = after_words = kept_active = 0
    per_conversation: list[tuple[str, int, int, int, float, float]] = []
    weighted_before = weighted_after = 0.0
    questions_total = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for conversation in conversations:
            db = Path(tmp) / f"{conversation.sample_id}.db"
            policy = MemoryPolicy(reflection=reflection, dedupe=False)
            summarizer = ExtractiveSummarizer(max_sentences=args.max_sentences, coverage=args.coverage)
            chunking = None if args.chunk_window is None else Chunking(window=args.chunk_window, overlap=8)
            with MemoryStore.open(
                db,
                embedder=embedder,
                policy=policy,
                summarizer=summarizer,
                chunking=chunking,
                clock=lambda c=conversation: c.now,
            ) as store:
                records = store.add_many(
                    NewMemory(
                        t.memory_text("speaker: text"),
                        created_at=t.created_at,
                        metadata={"dia_id": t.dia_id, "speaker": t.speaker, "session": t.session},
                    )
                    for t in conversation.turns
                )
                dia_ids = {r.id: t.dia_id for r, t in zip(records, conversation.turns, strict=True)}
                before = _recall_at_k(store, conversation, dia_ids)
                before_n = store.stats().active
                before_active += before_n
                before_words += _active_words(store)
                kept_active += sum(len(r.kept) for r in store.reflect(now=conversation.now))
                after = _recall_at_k(store, conversation, dia_ids)
                after_n = store.stats().active
                after_active += after_n
                after_words += _active_words(store)
            n = len(conversation.questions)
            weighted_before += before * n
            weighted_after += after * n
            questions_total += n
            print(f"{conversation.sample_id}: R@{K} {before:.3f} -> {after:.3f}")
            per_conversation.append((conversation.sample_id, n, before_n, after_n, before, after))
    recall_before, recall_after = weighted_before / questions_total, weighted_after / questions_total
    parameters = {
        "conversations": len(conversations),
        "questions": questions_total,
        "k": K,
        "reflection": {
            "similarity": reflection.similarity,
            "max_group": reflection.max_group,
            "min_group": reflection.min_group,
            "max_gap_hours": args.max_gap_hours,
        },
        "summary": {"max_sentences": args.max_sentences, "coverage": args.coverage},
        "chunk_window": args.chunk_window,
        "summarizer": "ExtractiveSummarizer (offline default)",
        "importance": "HeuristicImportance (offline default)",
        "recall": "store defaults (hybrid, recency 0.02 / 180 d, importance 0.1)",
        "seconds": round(time.perf_counter() - started, 1),
    }
    figures = [
        Figure("active memories before reflection", before_active, "memories", parameters),
        Figure("active memories after reflection", after_active, "memories", parameters),
        Figure("reduction", before_active / max(after_active, 1), "x", parameters),
        Figure("words in active memories before reflection", before_words, "words", parameters),
        Figure("words in active memories after reflection", after_words, "words", parameters),
        Figure("text reduction", before_words / max(after_words, 1), "x", parameters),
        Figure(f"turn-level evidence R@{K} before", recall_before, "recall", parameters),
        Figure(f"turn-level evidence R@{K} after (reflection hits by provenance)", recall_after, "recall", parameters),
        Figure("recall kept", recall_after / recall_before, "ratio", parameters),
        Figure(
            "sources a reflection left active (its summary lacks what they say)", kept_active, "memories", parameters
        ),
    ]
    for half, part in ((0, "tuning (even-numbered conversations)"), (1, "reporting (odd-numbered conversations)")):
        chosen = per_conversation[half::2]
        where = {"part": part, "conversations": len(chosen)}
        figures += [
            Figure("reduction", sum(c[2] for c in chosen) / max(sum(c[3] for c in chosen), 1), "x", where),
            Figure(f"turn-level evidence R@{K} before", _weighted(chosen, 4), "recall", where),
            Figure(
                f"turn-level evidence R@{K} after (reflection hits by provenance)",
                _weighted(chosen, 5),
                "recall",
                where,
            ),
        ]
    for sample_id, n, before_n, after_n, before, after in per_conversation:
        where = {"conversation": sample_id, "questions": n}
        figures += [
            Figure("active memories before reflection", before_n, "memories", where),
            Figure("active memories after reflection", after_n, "memories", where),
            Figure(f"turn-level evidence R@{K} before", before, "recall", where),
            Figure(f"turn-level evidence R@{K} after (reflection hits by provenance)", after, "recall", where),
        ]
    path = write_results(f"consolidation{args.tag}", figures, parameters=parameters, quick=args.quick, out=args.out)
    print(
        f"active {before_active} -> {after_active} ({before_active / max(after_active, 1):.2f}x fewer); "
        f"words {before_words} -> {after_words} ({before_words / max(after_words, 1):.2f}x); "
        f"R@{K} {recall_before:.3f} -> {recall_after:.3f} ({recall_after / recall_before:.1%} kept) -> {path}"
    )
    return {"reduction": before_active / max(after_active, 1), "kept": recall_after / recall_before}


if __name__ == "__main__":
    main()
