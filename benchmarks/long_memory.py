"""Long memories and agent-shaped queries on LoCoMo: plain, chunked, BM25 and agentmem's defaults, same run.

    python -m benchmarks.long_memory [--quick] [--out DIR]

Two settings (defined in :mod:`benchmarks.long_memory_data`), every system on the same all-MiniLM-L6-v2
vectors (cached under ``benchmarks/.cache/``), each conversation its own namespace, questions of categories
1-4 with evidence asked just after the last session:

- **A, sessions as memories** (272 memories of ~700 word pieces): session-level evidence R@5. *plain* embeds
  each session whole (the model reads its first 254 word pieces), *chunked* takes the best of its chunks,
  *BM25* scores the whole text; agentmem's defaults chunk and fuse lexical relevance in a real store.
- **B, Auto-GPT-shaped queries** (turn memories; the query is ``str()`` of Auto-GPT 0.2.2's last 9 messages:
  6 older turns, the loop's trigger, the agent's JSON reply asking the question, the system line
  ``Command append_to_file returned: Text appended successfully.``):
  turn-level R@10. *plain* embeds the query string (its first 254 word pieces), *chunked* takes the best of
  its windows, *BM25* scores the whole string; agentmem's defaults read the messages through the Auto-GPT
  adapter's parser. The target compares them with the same defaults given the question alone.

The sweep over :class:`agentmem.QueryPolicy` (how many older messages count and how much, whether repeats
of the messages are left out) is what chose its defaults (docs/scoring.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem import MemoryStore, NewMemory, QueryPolicy, RecallConfig, SentenceTransformerEmbedder
from agentmem.adapters.autogpt import AgentMemMemory, loop_query
from agentmem.ranking.queries import plan_query, query_vector
from agentmem.ranking.scoring import top_k
from agentmem.text.chunking import TextChunker
from benchmarks.bm25 import BM25
from benchmarks.common import CACHE, LOCOMO, add_output_option, write_results
from benchmarks.locomo_data import EXPECTED_QUESTIONS, Conversation, load_conversations
from benchmarks.locomo_metrics import evaluate
from benchmarks.locomo_systems import RRF_K
from benchmarks.long_memory_data import LookupEmbedder, autogpt_messages, sessions_of, store_chunker
from benchmarks.long_memory_report import Row, figures_of, report

DEPTH = 10
QUICK_CONVERSATIONS = 1
QUICK_QUESTIONS = 60  # of that conversation: a cold run (nothing cached) embeds about 1,200 texts
LEXICAL_WEIGHT = 0.3  # agentmem's default, for the lexical-query rows computed outside a store
TIME_WEIGHTS = (0.0, 0.1, 0.3)  # around the default 0.2: its share of relevance for a query naming a time
Scores = Callable[[int], NDArray[np.float64]]  # question index -> a score per memory


def ranked(scores: NDArray[np.float64], depth: int = DEPTH) -> NDArray[np.int64]:
    """Top ``depth`` memory positions of each row, best first, -1 padded."""
    out = np.full((scores.shape[0], depth), -1, dtype=np.int64)
    for row in range(scores.shape[0]):
        best = top_k(scores[row], depth)
        out[row, : best.shape[0]] = best
    return out


def rrf(first: NDArray[np.float64], second: NDArray[np.float64]) -> NDArray[np.float64]:
    """Reciprocal-rank fusion (k = 60) of two score matrices; the second counts only memories scoring > 0."""
    fused = np.zeros_like(first)
    positions = np.arange(1, first.shape[1] + 1, dtype=np.float64)
    for row in range(first.shape[0]):
        fused[row, top_k(first[row], first.shape[1])] += 1.0 / (RRF_K + positions)
        matching = np.flatnonzero(second[row] > 0)
        by_second = matching[top_k(second[row, matching], matching.shape[0])]
        fused[row, by_second] += 1.0 / (RRF_K + positions[: by_second.shape[0]])
    return fused


def chunk_max(queries: NDArray[np.float32], pieces: Sequence[NDArray[np.float32]]) -> NDArray[np.float64]:
    """Cosine of each query to each memory as the best of the memory's chunk vectors."""
    return np.stack([(queries @ p.T).max(axis=1) for p in pieces], axis=1).astype(np.float64)


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(float(epoch), tz=timezone.utc)


def open_filled(
    folder: Path, name: str, lookup: LookupEmbedder, texts: Sequence[str], created: Sequence[float], now: datetime
) -> tuple[Path, dict[int, int]]:
    """A real store (SQLite file, FAISS index) holding ``texts``; returns its path and memory id -> position."""
    path = folder / f"{name}.db"
    with MemoryStore.open(path, embedder=lookup, index_dir=folder / f"{name}-index", clock=lambda: now) as store:
        records = store.add_many([NewMemory(t, created_at=_utc(c)) for t, c in zip(texts, created, strict=True)])
    return path, {r.id: i for i, r in enumerate(records)}


def store_rankings(
    path: Path,
    positions: dict[int, int],
    queries: Sequence[Any],
    *,
    lookup: LookupEmbedder,
    now: datetime,
    recall: RecallConfig | None = None,
    adapter: bool = False,
) -> NDArray[np.int64]:
    """Rank with a store over ``path`` (or the Auto-GPT adapter over it, which touches what it returns)."""
    out = np.full((len(queries), DEPTH), -1, dtype=np.int64)
    index_dir = path.with_name(f"{path.stem}-index")
    store = MemoryStore.open(path, embedder=lookup, index_dir=index_dir, clock=lambda: now, recall=recall)
    by_text = {}
    if adapter:
        by_text = {r.text: r.id for r in store.list_memories(limit=len(positions) + 1)}
    with store:
        memory = AgentMemMemory(store) if adapter else None
        for row, query in enumerate(queries):
            if memory is not None:
                ids = [by_text[t] for t in memory.get_relevant(query, DEPTH)]
            else:
                ids = [m.memory.id for m in store.retrieve(query, k=DEPTH, now=now)]
            found = [positions[i] for i in ids]
            out[row, : len(found)] = found
    return out


def _timed_row(
    setting: str,
    label: str,
    conversations: Sequence[Conversation],
    rank: Callable[[], list[NDArray[np.int64]]],
    **parameters: Any,
) -> Row:
    start = time.perf_counter()
    rankings = rank()
    seconds = time.perf_counter() - start
    return Row(setting, label, evaluate(conversations, rankings), seconds, dict(parameters), rankings)


def setting_a(
    conversations: Sequence[Conversation], lookup: LookupEmbedder, chunker: TextChunker, work: Path
) -> list[Row]:
    """Each session one memory, the question alone: session-level evidence recall."""
    sessions = [sessions_of(c) for c in conversations]
    chunks = [[chunker.split(t) for t in s.texts] for s in sessions]
    questions = [[q.text for q in c.questions] for c in conversations]
    lookup.warm([t for s in sessions for t in s.texts] + [p for c in chunks for t in c for p in t])
    lookup.warm([q for qs in questions for q in qs])
    n = range(len(conversations))

    def plain(i: int) -> NDArray[np.float64]:
        return (lookup.embed(questions[i]) @ lookup.embed(sessions[i].texts).T).astype(np.float64)

    def chunked(i: int) -> NDArray[np.float64]:
        return chunk_max(lookup.embed(questions[i]), [lookup.embed(c) for c in chunks[i]])

    def bm25(i: int) -> NDArray[np.float64]:
        index = BM25(sessions[i].texts)
        return np.stack([index.scores(q) for q in questions[i]])

    def as_turns(rankings: list[NDArray[np.int64]]) -> list[NDArray[np.int64]]:
        # A session stands for itself through its first turn: session recall reads that turn's session.
        return [np.where(r >= 0, s.first_turn[np.maximum(r, 0)], -1) for r, s in zip(rankings, sessions, strict=True)]

    filled = [
        open_filled(work, f"a-{c.sample_id}", lookup, s.texts, s.created_at, c.now)
        for c, s in zip(conversations, sessions, strict=True)
    ]

    def in_store(recall: RecallConfig | None = None) -> Callable[[], list[NDArray[np.int64]]]:
        def rank() -> list[NDArray[np.int64]]:
            return as_turns(
                [
                    store_rankings(path, positions, qs, lookup=lookup, now=c.now, recall=recall)
                    for (path, positions), c, qs in zip(filled, conversations, questions, strict=True)
                ]
            )

        return rank

    def matrix_row(label: str, matrix: Scores) -> Row:
        return _timed_row("A", label, conversations, lambda: as_turns([ranked(matrix(i)) for i in n]))

    return [
        matrix_row("plain (whole text, truncated by the model)", plain),
        matrix_row("chunked (max over chunks)", chunked),
        matrix_row("BM25 (whole text)", bm25),
        matrix_row("RRF of chunked and BM25 (reference)", lambda i: rrf(chunked(i), bm25(i))),
        _timed_row("A", "agentmem defaults", conversations, in_store()),
        *(
            _timed_row("A", f"agentmem defaults, time_weight={w}", conversations, in_store(RecallConfig(time_weight=w)))
            for w in TIME_WEIGHTS
        ),
    ]


SWEEP_FULL = (
    [QueryPolicy(context_weight=w) for w in (0.0, 0.05, 0.2, 0.3, 0.5)]
    + [QueryPolicy(context_messages=m) for m in (1, 2, 4)]
    + [QueryPolicy(repeat_containment=c) for c in (None, 0.6, 0.9)]
    + [QueryPolicy(detail_weight=w) for w in (0.0, 0.05, 0.2, 0.3, 1.0)]
)
SWEEP_QUICK = (QueryPolicy(context_weight=0.0), QueryPolicy(repeat_containment=None), QueryPolicy(detail_weight=1.0))
# How much of a long query string's end is its newest part (the query string given unparsed).
STRING_SWEEP_FULL = tuple(QueryPolicy(newest_window=w) for w in (16, 32, 48, 128, None))
STRING_SWEEP_QUICK = (QueryPolicy(newest_window=None),)


def setting_b(
    conversations: Sequence[Conversation], lookup: LookupEmbedder, chunker: TextChunker, work: Path, *, quick: bool
) -> tuple[list[Row], list[Row]]:
    """Turn memories, Auto-GPT-shaped queries: turn-level evidence recall; then the query-policy sweep."""
    memories = [[t.memory_text("speaker: text") for t in c.turns] for c in conversations]
    created = [[t.created_at.timestamp() for t in c.turns] for c in conversations]
    questions = [[q.text for q in c.questions] for c in conversations]
    messages = [[autogpt_messages(c, q) for q in c.questions] for c in conversations]
    raws = [[str(m) for m in ms] for ms in messages]
    newest = [[str(m[-1:]) for m in ms] for ms in messages]
    windows = [[chunker.split(r) for r in rs] for rs in raws]
    defaults = QueryPolicy()
    plans = [[plan_query(loop_query(r), policy=defaults, split=chunker.split) for r in rs] for rs in raws]
    warm = [t for ts in memories for t in ts] + [q for qs in questions for q in qs]
    warm += [t for rs in (raws, newest) for r in rs for t in r] + [w for ws in windows for r in ws for w in r]
    warm += [t for ps in plans for p in ps for t in p.texts]
    # The unparsed strings' plans for every newest window swept (warming only: a miss is embedded anyway).
    for policy in (defaults, *(STRING_SWEEP_QUICK if quick else STRING_SWEEP_FULL)):
        window = policy.newest_window
        tail = None if window is None else TextChunker(chunker.tokenizer, window, 0).split
        warm += [
            t
            for rs in raws
            for r in rs
            for t in plan_query(r, policy=policy, split=chunker.split, split_newest=tail).texts
        ]
    lookup.warm(warm)
    n = range(len(conversations))

    def cosine(queries: list[list[str]]) -> Scores:
        return lambda i: (lookup.embed(queries[i]) @ lookup.embed(memories[i]).T).astype(np.float64)

    def window_max(i: int) -> NDArray[np.float64]:
        vectors = lookup.embed(memories[i])
        return np.stack([(lookup.embed(w) @ vectors.T).max(axis=0) for w in windows[i]]).astype(np.float64)

    def bm25(queries: list[list[str]]) -> Scores:
        def scores(i: int) -> NDArray[np.float64]:
            index = BM25(memories[i])
            return np.stack([index.scores(q) for q in queries[i]])

        return scores

    def fusion(lexical: list[list[str]]) -> Scores:
        """agentmem's query vector fused (a = 0.3) with BM25 of the given lexical query, outside a store."""
        lexical_scores = bm25(lexical)

        def scores(i: int) -> NDArray[np.float64]:
            vectors = np.stack([query_vector(p, lookup.embed(p.texts)) for p in plans[i]])
            words = lexical_scores(i)
            top = words.max(axis=1, keepdims=True)
            normalised = np.divide(words, top, out=np.zeros_like(words), where=top > 0)
            cos = (vectors @ lookup.embed(memories[i]).T).astype(np.float64)
            return (1 - LEXICAL_WEIGHT) * cos + LEXICAL_WEIGHT * normalised

        return scores

    def matrix_row(label: str, matrix: Scores, **parameters: Any) -> Row:
        return _timed_row("B", label, conversations, lambda: [ranked(matrix(i)) for i in n], **parameters)

    filled = [
        open_filled(work, f"b-{c.sample_id}", lookup, memories[i], created[i], c.now)
        for i, c in enumerate(conversations)
    ]

    def store_row(
        label: str, queries: list[list[Any]], *, recall: RecallConfig | None = None, **parameters: Any
    ) -> Row:
        def rank() -> list[NDArray[np.int64]]:
            return [
                store_rankings(path, positions, queries[i], lookup=lookup, now=conversations[i].now, recall=recall)
                for i, (path, positions) in enumerate(filled)
            ]

        return _timed_row("B", label, conversations, rank, **parameters)

    def adapter_row(label: str, queries: list[list[str]]) -> Row:
        def rank() -> list[NDArray[np.int64]]:
            found = []
            for i, c in enumerate(conversations):  # a fresh store each: the adapter touches what it returns
                path, positions = open_filled(
                    work, f"b-{c.sample_id}-{label[:8]}", lookup, memories[i], created[i], c.now
                )
                found.append(store_rankings(path, positions, queries[i], lookup=lookup, now=c.now, adapter=True))
            return found

        return _timed_row("B", label, conversations, rank, adapter=True)

    shaped = [[loop_query(r) for r in rs] for rs in raws]
    older_first = [
        [" ".join([m[-1]["content"], *(x["content"] for x in reversed(m[:-1]))]) for m in ms] for ms in messages
    ]
    rows = [
        matrix_row("question alone, cosine (reference)", cosine(questions)),
        matrix_row("newest message alone as its str(), cosine (reference)", cosine(newest)),
        matrix_row("plain (the query string, truncated by the model)", cosine(raws)),
        matrix_row("chunked (max over the query's windows)", window_max),
        matrix_row("BM25 (the whole query string)", bm25(raws)),
        store_row("agentmem defaults, question alone", questions),
        store_row("agentmem defaults, question alone, time_weight=0", questions, recall=RecallConfig(time_weight=0.0)),
        store_row("agentmem defaults, Auto-GPT-shaped query", shaped),
        store_row("agentmem defaults, the query string unparsed", raws),
        adapter_row("Auto-GPT adapter get_relevant, question alone", questions),
        adapter_row("Auto-GPT adapter get_relevant, Auto-GPT-shaped query", raws),
        matrix_row("fusion a=0.3 outside a store, lexical = the question", fusion(questions), lexical="question"),
        matrix_row(
            "fusion a=0.3 outside a store, lexical = newest then older messages",
            fusion(older_first),
            lexical="newest+older",
        ),
    ]
    sweep = []
    for policy, queries, kind in [(p, shaped, "messages") for p in (SWEEP_QUICK if quick else SWEEP_FULL)] + [
        (p, raws, "string") for p in (STRING_SWEEP_QUICK if quick else STRING_SWEEP_FULL)
    ]:
        parameters = {
            "query": kind,
            "context_messages": policy.context_messages,
            "context_weight": policy.context_weight,
            "newest_window": policy.newest_window,
            "repeat_containment": policy.repeat_containment,
            "detail_weight": policy.detail_weight,
        }
        label = f"{kind}: " + " ".join(f"{k}={v}" for k, v in parameters.items() if k != "query")
        sweep.append(store_row(label, queries, recall=RecallConfig(query=policy), **parameters))
    return rows, sweep


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_QUESTIONS} questions of {QUICK_CONVERSATIONS} conversation"
    )
    parser.add_argument("--data", type=Path, default=LOCOMO)
    parser.add_argument("--cache", type=Path, default=CACHE, help="folder of cached embeddings")
    add_output_option(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    conversations, dropped = load_conversations(args.data, limit=QUICK_CONVERSATIONS if args.quick else None)
    if args.quick:
        conversations = [dataclasses.replace(c, questions=c.questions[:QUICK_QUESTIONS]) for c in conversations]
    questions = sum(len(c.questions) for c in conversations)
    if not args.quick and args.data == LOCOMO:
        assert questions == EXPECTED_QUESTIONS, f"expected {EXPECTED_QUESTIONS} questions, found {questions}"
    model = SentenceTransformerEmbedder()
    lookup = LookupEmbedder(model, cache=args.cache)
    chunker = store_chunker(model)
    with tempfile.TemporaryDirectory(prefix="agentmem-long-") as folder:
        work = Path(folder)
        a = setting_a(conversations, lookup, chunker, work)
        print("\n".join(f"A {r.label}: R@5 {r.mean('session recall', 5):.3f}" for r in a), flush=True)
        b, sweep = setting_b(conversations, lookup, chunker, work, quick=args.quick)
    total = time.perf_counter() - started
    tokens = chunker.tokenizer
    session_tokens = [tokens.count(t) for c in conversations for t in sessions_of(c).texts]
    query_tokens = [tokens.count(str(autogpt_messages(c, q))) for c in conversations for q in c.questions]
    parameters = {
        "data": args.data.name,
        "conversations": len(conversations),
        "questions": questions,
        "dropped_evidence_ids": [f"{s} {d}" for s, d in dropped],
        "model": model.model_id,
        "chunk_window": chunker.window,
        "chunk_overlap": chunker.overlap,
        "sessions": len(session_tokens),
        "session_tokens_median": float(np.median(session_tokens)),
        "query_tokens_median": float(np.median(query_tokens)),
        "depth": DEPTH,
        "query_policy_defaults": repr(QueryPolicy()),
        "question_time": "just after the last session's last turn",
        "total_seconds": total,
    }
    text = report(a, b, sweep, conversations, parameters)
    print(text)
    figures = figures_of([*a, *b, *sweep], conversations)
    path = write_results("long_memory", figures, parameters=parameters, quick=args.quick, out=args.out)
    path.with_suffix(".md").write_text(text + "\n")
    print(f"{total:.0f} s in all -> {path}")
    return {r.label: r.mean("turn recall", 10) for r in b}


if __name__ == "__main__":
    main()
