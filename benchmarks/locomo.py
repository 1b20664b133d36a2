"""Retrieval quality on LoCoMo: agentmem's scoring against cosine, BM25, their fusions and peers, same run.

    python -m benchmarks.locomo [--quick] [--systems cosine,bm25,...] [--format auto|text|speaker] [--out DIR]

Every turn of a conversation is one memory (each conversation its own namespace), embedded once with the
bundled all-MiniLM-L6-v2 and cached under ``benchmarks/.cache/``; every system ranks the same vectors:
the baselines and agentmem's scoring sweep in numpy, agentmem itself through a real store with its defaults
and each ablation (:mod:`benchmarks.locomo_agentmem`), and the peers (:mod:`benchmarks.locomo_peers`). Each
turn is created at its session's time plus its position in seconds; the questions (categories 1-4 with
evidence) are asked in order just after the last session. Figures: turn-level evidence recall @1/5/10/20,
MRR@10 and session-level recall @5/10, overall and per category id. This run decides agentmem's default
scoring weights.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from agentmem import SentenceTransformerEmbedder
from benchmarks.common import (
    CACHE,
    LOCOMO,
    Figure,
    add_output_option,
    cached_embeddings,
    results_folder,
    write_results,
)
from benchmarks.locomo_agentmem import AGENTMEM
from benchmarks.locomo_data import (
    EXPECTED_QUESTIONS,
    QUICK_CONVERSATIONS,
    Conversation,
    MemoryFormat,
    load_conversations,
)
from benchmarks.locomo_metrics import METRICS, Evaluation, evaluate
from benchmarks.locomo_peers import PEERS
from benchmarks.locomo_report import markdown_report
from benchmarks.locomo_systems import (
    BASELINES,
    CONSTANT_IMPORTANCE,
    Family,
    MemorySet,
    QuerySet,
    System,
    rank_bm25,
    rank_cosine,
    scoring_family,
)

BATCH_SIZE = 64
FORMATS: dict[str, MemoryFormat] = {"text": "text", "speaker": "speaker: text"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One system's evaluation, or why it could not run."""

    system: System
    evaluation: Evaluation | None
    seconds: float
    status: str = "ok"


def _cosine_recall(outcome: Outcome) -> float:
    """Turn-level R@10 of a baseline probe (which always runs: it needs nothing optional)."""
    if outcome.evaluation is None:
        raise RuntimeError(f"{outcome.system.name} could not run: {outcome.status}")
    return outcome.evaluation.mean("turn recall", 10)


def families(hybrid_a: float) -> dict[str, Family]:
    """Every runnable family by name; the scoring sweep also runs on hybrid relevance at ``hybrid_a``."""
    lexical = (0.0, hybrid_a) if hybrid_a > 0 else (0.0,)
    return {**BASELINES, "scoring": partial(scoring_family, lexical_weights=lexical), **AGENTMEM, **PEERS}


def embed(
    conversations: Sequence[Conversation], embedder: SentenceTransformerEmbedder, *, cache: Path = CACHE
) -> tuple[dict[MemoryFormat, list[MemorySet]], list[QuerySet]]:
    """Memory sets in both text formats and the question sets, from the embedding cache when present."""
    memory_sets: dict[MemoryFormat, list[MemorySet]] = {f: [] for f in FORMATS.values()}
    query_sets: list[QuerySet] = []
    for conversation in conversations:
        created = np.asarray([t.created_at.timestamp() for t in conversation.turns], dtype=np.float64)
        for memory_format in memory_sets:
            texts = tuple(t.memory_text(memory_format) for t in conversation.turns)
            vectors = cached_embeddings(texts, embedder=embedder, cache=cache)
            memory_sets[memory_format].append(
                MemorySet(conversation.sample_id, texts, vectors, created, conversation.now)
            )
        questions = tuple(q.text for q in conversation.questions)
        query_sets.append(QuerySet(questions, cached_embeddings(questions, embedder=embedder, cache=cache)))
    return memory_sets, query_sets


def run(
    system: System,
    conversations: Sequence[Conversation],
    memory_sets: Sequence[MemorySet],
    query_sets: Sequence[QuerySet],
) -> Outcome:
    start = time.perf_counter()
    if system.family in PEERS:
        try:
            rankings = [system.rank(m, q) for m, q in zip(memory_sets, query_sets, strict=True)]
        # A peer that cannot run offline is a finding to record, whatever its library raises.
        except Exception as exc:  # noqa: BLE001
            return Outcome(system, None, time.perf_counter() - start, f"failed: {type(exc).__name__}: {exc}")
    else:
        rankings = [system.rank(m, q) for m, q in zip(memory_sets, query_sets, strict=True)]
    evaluation = evaluate(conversations, rankings)
    return Outcome(system, evaluation, time.perf_counter() - start)


def figures_of(outcome: Outcome, common: dict[str, Any]) -> list[Figure]:
    system = outcome.system
    base = {"system": system.family, **system.parameters, **common}
    found = [Figure(f"{system.label} seconds", outcome.seconds, "s", {**base, "status": outcome.status})]
    if outcome.evaluation is None:
        return found
    for group in outcome.evaluation.groups():
        for metric, k in METRICS:
            value = outcome.evaluation.mean(metric, k, group)
            if not np.isnan(value):
                category = "all" if group is None else group
                found.append(
                    Figure(system.label, value, "fraction", {**base, "metric": metric, "k": k, "category": category})
                )
    return found


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CONVERSATIONS} conversations, fewer sweep points")
    parser.add_argument("--systems", default="", help="comma-separated families (default: all of them)")
    parser.add_argument(
        "--format", choices=["auto", *FORMATS], default="auto", help="memory text (auto: the better cosine R@10)"
    )
    parser.add_argument("--hybrid-a", type=float, default=0.3, help="lexical weight of the hybrid scoring sweep")
    parser.add_argument("--data", type=Path, default=LOCOMO)
    parser.add_argument("--cache", type=Path, default=CACHE, help="folder of cached embeddings")
    add_output_option(parser)
    args = parser.parse_args(argv)
    registry = families(args.hybrid_a)
    chosen_families = [name.strip() for name in args.systems.split(",") if name.strip()] or list(registry)
    unknown = sorted(set(chosen_families) - set(registry))
    if unknown:
        parser.error(f"unknown systems {', '.join(unknown)}; choose from {', '.join(registry)}")

    started = time.perf_counter()
    conversations, dropped = load_conversations(args.data, limit=QUICK_CONVERSATIONS if args.quick else None)
    questions = sum(len(c.questions) for c in conversations)
    turns = sum(len(c.turns) for c in conversations)
    print(f"{len(conversations)} conversations, {turns} turns, {questions} questions of categories 1-4 with evidence")
    if not args.quick and args.data == LOCOMO:
        assert questions == EXPECTED_QUESTIONS, f"expected {EXPECTED_QUESTIONS} questions, found {questions}"
    embedder = SentenceTransformerEmbedder(batch_size=BATCH_SIZE)
    embed_start = time.perf_counter()
    memory_sets, query_sets = embed(conversations, embedder, cache=args.cache)
    embed_seconds = time.perf_counter() - embed_start

    # The memory text: the format whose plain cosine R@10 is higher, used by every system.
    format_outcomes: dict[MemoryFormat, list[Outcome]] = {}
    for memory_format, sets in memory_sets.items():
        probes = [System("cosine", "cosine", {}, rank_cosine), System("bm25", "BM25", {}, rank_bm25)]
        format_outcomes[memory_format] = [run(p, conversations, sets, query_sets) for p in probes]
    if args.format == "auto":
        memory_format = max(memory_sets, key=lambda f: _cosine_recall(format_outcomes[f][0]))
    else:
        memory_format = FORMATS[args.format]

    common = {"memory_format": memory_format, "questions": questions}
    outcomes: list[Outcome] = []
    for name in chosen_families:
        for system in registry[name](args.quick):
            outcome = run(system, conversations, memory_sets[memory_format], query_sets)
            print(f"  {system.label}: {outcome.seconds:.1f} s, {outcome.status}", flush=True)
            outcomes.append(outcome)
            if outcome.status != "ok":
                break  # the other variants of an unavailable peer would fail the same way
    total_seconds = time.perf_counter() - started

    figures = [Figure("embedding seconds (cache hits are near 0)", embed_seconds, "s", {"model": embedder.model_id})]
    figures.append(Figure("total seconds", total_seconds, "s", {"quick": args.quick}))
    for fmt, format_probes in format_outcomes.items():
        for probe in format_probes:
            figures += [
                Figure(f"{f.name} (format probe)", f.value, f.unit, {**f.parameters, "probe": True})
                for f in figures_of(probe, {"memory_format": fmt, "questions": questions})
                if f.unit == "fraction"
            ]
    for outcome in outcomes:
        figures += figures_of(outcome, common)
    parameters = {
        "data": str(args.data.name),
        "conversations": len(conversations),
        "turns": turns,
        "questions": questions,
        "dropped_evidence_ids": [f"{s} {d}" for s, d in dropped],
        "model": embedder.model_id,
        "batch_size": BATCH_SIZE,
        "memory_format": memory_format,
        "memory_format_choice": args.format,
        "question_time": "just after the last session's last turn",
        "created_at": "session time + position in session (s)",
        "importance": f"constant {CONSTANT_IMPORTANCE}: LoCoMo has none, so its weight cannot change a ranking",
        "mrr_cutoff": 10,
        "systems": chosen_families,
        "statuses": {o.system.label: o.status for o in outcomes if o.status != "ok"},
        "total_seconds": total_seconds,
    }
    report = markdown_report(outcomes, format_outcomes, chosen=memory_format, parameters=parameters)
    print(report)
    path = write_results("locomo", figures, parameters=parameters, quick=args.quick, out=args.out)
    markdown = results_folder(args.out, quick=args.quick) / f"locomo{'-quick' if args.quick else ''}.md"
    markdown.write_text(report + "\n")
    print(f"{total_seconds:.0f} s in all (embedding {embed_seconds:.1f} s) -> {path}, {markdown}")
    best = {o.system.label: o.evaluation.mean("turn recall", 10) for o in outcomes if o.evaluation is not None}
    return best


if __name__ == "__main__":
    main()
