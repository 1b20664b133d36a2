"""The relevance floor on LoCoMo: block tokens spent on memories with no evidence, and the recall it keeps.

    python -m benchmarks.relevance_floor [--quick] [--out DIR]

Each conversation is a real store of its turns (``speaker: text``, created at their times). Three kinds of
query are asked just after the last session: LoCoMo's questions of categories 1-4 (their evidence turns
are known), its category-5 questions (adversarial: about things never said; their "evidence" is the turn
the question distorts), and questions about topics the conversations never touch (:data:`ABSENT`).

The floor keeps a memory only when its relevance reaches ``max(absolute, relative x the best relevance of
the query)``. Parameters are chosen on the even-numbered conversations (the fewest no-evidence tokens over
category-5 and absent-topic queries together, among the floors whose categories 1-4 R@10 stays within
:data:`RECALL_SLACK` of no floor) and reported on the odd-numbered ones; the sweep reads each query's
unfloored ranking once and filters it, the reported figures come from real ``recall``/``retrieve`` calls
with the default floor and with none (the defaults before it). "No-evidence tokens" are the tokens of
block lines whose memory is not an evidence turn, as a share of the block budget.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentmem import MemoryStore, RecallConfig, SentenceTransformerEmbedder
from agentmem.text.prompt import render_line
from agentmem.text.tokens import default_tokenizer
from benchmarks.common import CACHE, LOCOMO, Figure, add_output_option, results_folder, write_timed_results
from benchmarks.locomo_data import Conversation, evidence_ids, load_conversations
from benchmarks.long_memory import open_filled
from benchmarks.long_memory_data import LookupEmbedder

__all__ = ["ABSENT", "main"]

BUDGET = 1000  # the store's default block budget
DEPTH = 10
FETCH = 50  # the store's max_memories: what a block is assembled from
RECALL_SLACK = 0.01
ABSOLUTE = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
RELATIVE = (0.0, 0.5, 0.6, 0.7, 0.8)
QUICK_CONVERSATIONS = 2

ABSENT = (
    "What port does the production database listen on?",
    "What is the VAT number of the company?",
    "Which courier carries the shipment to Tokyo?",
    "What is the Wi-Fi password of the Berlin office?",
    "When does the lease of the Madrid warehouse end?",
    "What temperature must the server room be kept at?",
    "What is the door code of the Lisbon office?",
    "Which API rate limit applies to the partner integration?",
    "When does the release freeze for version 4.2 start?",
    "Who is the emergency contact for the data center?",
    "What is the boiling point of mercury?",
    "How many moons does Neptune have?",
    "Which compiler flags speed up the Rust build?",
    "What was the closing price of the stock on Friday?",
    "How do I reset the router to factory settings?",
    "What is the torque setting for the wheel bolts?",
    "Which version of PostgreSQL does the cluster run?",
    "What is the capital of Mongolia?",
    "How long should the sourdough proof overnight?",
    "Who won the chess tournament in Reykjavik?",
    "What is the half-life of carbon-14?",
    "Which train goes from Zurich to Milan in the morning?",
    "What dose of ibuprofen did the doctor prescribe?",
    "What is the tracking number of the parcel?",
    "How much does the quarterly cloud bill come to?",
    "Which kernel version broke the network driver?",
    "What is the airspeed of an unladen swallow?",
    "When is the dentist appointment of Dr. Okafor?",
    "What are the opening hours of the tax office?",
    "Which gate does the flight to Oslo leave from?",
)
"""Questions about topics no LoCoMo conversation touches (checked: no evidence, never asked)."""


@dataclass(frozen=True, slots=True)
class Asked:
    """One query, its kind, evidence positions, and its unfloored ranking (positions, relevances, line tokens)."""

    conversation: int
    kind: str  # "answerable", "adversarial", "absent"
    text: str
    evidence: frozenset[int]
    positions: tuple[int, ...]
    relevance: tuple[float, ...]
    tokens: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the run found: the sweep, the chosen floor, and real recall without and with the default floor."""

    points: dict[tuple[float, float], dict[str, float]]
    chosen: tuple[float, float]
    held_out: list[Asked]
    none: dict[str, float]
    default: dict[str, float]
    all_none: dict[str, float]
    all_default: dict[str, float]


Queries = Sequence[list[tuple[str, str, frozenset[int]]]]


def _adversarial(path: Path, conversations: Sequence[Conversation]) -> list[list[tuple[str, frozenset[int]]]]:
    """Each conversation's category-5 questions with the positions of the turns they distort."""
    samples = {s["sample_id"]: s for s in json.loads(path.read_text())}
    found = []
    for c in conversations:
        index = {t.dia_id: i for i, t in enumerate(c.turns)}
        found.append(
            [
                (qa["question"], frozenset(index[i] for i in evidence_ids(qa.get("evidence") or []) if i in index))
                for qa in samples[c.sample_id]["qa"]
                if qa["category"] == 5
            ]
        )
    return found


def _floor(relevance: Sequence[float], absolute: float, relative: float) -> float:
    return max(absolute, relative * max(relevance, default=0.0))


def _kept(asked: Asked, absolute: float, relative: float) -> list[int]:
    floor = _floor(asked.relevance, absolute, relative)
    return [i for i, r in enumerate(asked.relevance) if r >= floor]


def _sweep_point(asked: Sequence[Asked], absolute: float, relative: float) -> dict[str, float]:
    """R@10 of the answerable queries and no-evidence block tokens (share of the budget): per kind, pooled."""
    recall, spent = [], {"adversarial": [], "absent": []}  # type: ignore[var-annotated]
    for a in asked:
        kept = _kept(a, absolute, relative)
        if a.kind == "answerable":
            top = {a.positions[i] for i in kept[:DEPTH]}
            recall.append(len(top & a.evidence) / len(a.evidence))
            continue
        used = wasted = 0
        for i in kept:
            if used + a.tokens[i] > BUDGET:
                continue
            used += a.tokens[i]
            wasted += 0 if a.positions[i] in a.evidence else a.tokens[i]
        spent[a.kind].append(wasted / BUDGET)
    return _summary(recall, spent)


def _summary(recall: list[float], spent: dict[str, list[float]]) -> dict[str, float]:
    pooled = [v for values in spent.values() for v in values]
    return {"R@10": float(np.mean(recall)), **{k: float(np.mean(v)) for k, v in spent.items()},
            "pooled": float(np.mean(pooled))}  # fmt: skip


def _choose(points: dict[tuple[float, float], dict[str, float]]) -> tuple[float, float]:
    """The floor with the least no-evidence tokens whose R@10 stays within the slack of no floor."""
    base = points[(0.0, 0.0)]["R@10"]
    allowed = [key for key, p in points.items() if p["R@10"] >= base - RECALL_SLACK]
    return min(allowed, key=lambda key: (points[key]["pooled"], key))


def _measured(
    stores: Sequence[tuple[Path, dict[int, int]]],
    conversations: Sequence[Conversation],
    queries: Queries,
    lookup: LookupEmbedder,
    floor: float | None,
) -> dict[str, float]:
    """Real recall and retrieve with ``min_relevance=floor`` (None: today's defaults)."""
    recall_values, spent = [], {"adversarial": [], "absent": []}  # type: ignore[var-annotated]
    config = RecallConfig(min_relevance=floor, touch=False)
    for (path, positions), c, asked in zip(stores, conversations, queries, strict=True):
        index_dir = path.with_name(f"{path.stem}-index")
        with MemoryStore.open(path, embedder=lookup, index_dir=index_dir, clock=lambda c=c: c.now, recall=config) as s:
            for kind, text, evidence in asked:
                if kind == "answerable":
                    top = {positions[m.memory.id] for m in s.retrieve(text, k=DEPTH)}
                    recall_values.append(len(top & evidence) / len(evidence))
                    continue
                block = s.recall(text, token_budget=BUDGET)
                lines = block.text.splitlines()[1:]
                tokenizer = default_tokenizer()
                wasted = sum(
                    tokenizer.count(line)
                    for line, m in zip(lines, block.memories, strict=False)
                    if positions[m.memory.id] not in evidence
                )
                spent[kind].append(wasted / BUDGET)
    return _summary(recall_values, spent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CONVERSATIONS} conversations")
    parser.add_argument("--data", type=Path, default=LOCOMO)
    add_output_option(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    conversations, _ = load_conversations(args.data, limit=QUICK_CONVERSATIONS if args.quick else None)
    adversarial = _adversarial(args.data, conversations)
    queries = [
        [("answerable", q.text, frozenset(q.evidence)) for q in c.questions]
        + [("adversarial", text, evidence) for text, evidence in adversarial[i]]
        + [("absent", text, frozenset()) for text in ABSENT]
        for i, c in enumerate(conversations)
    ]
    lookup = LookupEmbedder(SentenceTransformerEmbedder(), cache=CACHE)
    memories = [[t.memory_text("speaker: text") for t in c.turns] for c in conversations]
    lookup.warm([t for ts in memories for t in ts] + [q for qs in queries for _, q, _ in qs])
    tokenizer = default_tokenizer()
    with tempfile.TemporaryDirectory(prefix="agentmem-floor-") as folder:
        stores = [
            open_filled(Path(folder), f"c{i}", lookup, memories[i], [t.created_at.timestamp() for t in c.turns], c.now)
            for i, c in enumerate(conversations)
        ]
        asked: list[Asked] = []
        unfloored = RecallConfig(min_relevance=None, touch=False)
        for i, ((path, positions), c) in enumerate(zip(stores, conversations, strict=True)):
            index_dir = path.with_name(f"{path.stem}-index")
            with MemoryStore.open(
                path, embedder=lookup, index_dir=index_dir, clock=lambda c=c: c.now, recall=unfloored
            ) as s:
                for kind, text, evidence in queries[i]:
                    ranked = s.retrieve(text, k=FETCH)
                    asked.append(
                        Asked(i, kind, text, evidence, tuple(positions[m.memory.id] for m in ranked),
                              tuple(m.relevance for m in ranked),
                              tuple(tokenizer.count("\n" + render_line(m.memory)) for m in ranked))
                    )  # fmt: skip
        tuning = [a for a in asked if a.conversation % 2 == 0]
        held_out = [a for a in asked if a.conversation % 2 == 1] or tuning
        points = {(ab, rel): _sweep_point(tuning, ab, rel) for ab in ABSOLUTE for rel in RELATIVE}
        absolute, relative = _choose(points)
        odd = [i for i in range(len(conversations)) if i % 2 == 1] or [0]
        held = [stores[i] for i in odd], [conversations[i] for i in odd], [queries[i] for i in odd]
        measured_none = _measured(*held, lookup, None)
        measured_default = _measured(*held, lookup, RecallConfig().min_relevance)
        everything = (stores, conversations, queries)
        default_floor = RecallConfig().min_relevance
        every_none = _measured(*everything, lookup, None)
        every_default = _measured(*everything, lookup, default_floor)
        outcome = Outcome(points, (absolute, relative), held_out, measured_none, measured_default, every_none,
                          every_default)  # fmt: skip
    figures, parameters = _figures(outcome, conversations, args.data)
    path, _ = write_timed_results(
        "relevance_floor", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    markdown = results_folder(args.out, quick=args.quick) / f"relevance_floor{'-quick' if args.quick else ''}.md"
    markdown.write_text(_report(outcome))
    print(markdown.read_text())
    print(f"wrote {path}")
    return 0


def _figures(
    outcome: Outcome, conversations: Sequence[Conversation], data: Path
) -> tuple[list[Figure], dict[str, Any]]:
    floor = RecallConfig().min_relevance
    figures = [
        Figure(f"tuning {name}", value, "share", {"absolute": ab, "relative": rel})
        for (ab, rel), p in outcome.points.items()
        for name, value in p.items()
    ]
    chosen = {"absolute": outcome.chosen[0], "relative": outcome.chosen[1]}
    for name, value in _sweep_point(outcome.held_out, *outcome.chosen).items():
        figures.append(Figure(f"held-out {name}, chosen floor (sweep)", value, "share", chosen))
    measured = (("no floor", outcome.none), ("default floor", outcome.default), ("all, no floor", outcome.all_none),
                ("all, default floor", outcome.all_default))  # fmt: skip
    for label, values in measured:
        for name, value in values.items():
            figures.append(Figure(f"{label} {name} (recall)", value, "share", {"min_relevance": floor}))
    parameters = {
        "data": data.name,
        "conversations": len(conversations),
        "budget": BUDGET,
        "depth": DEPTH,
        "fetch": FETCH,
        "tuning": "even-numbered conversations",
        "held_out": "odd-numbered conversations",
        "chosen": chosen,
        "default_min_relevance": floor,
        "recall_slack": RECALL_SLACK,
        "absent_queries": len(ABSENT),
    }
    return figures, parameters


def _row(cells: Sequence[str], p: dict[str, float]) -> str:
    values = [f"{p['R@10']:.3f}", f"{p['adversarial']:.1%}", f"{p['absent']:.1%}", f"{p['pooled']:.1%}"]
    return "| " + " | ".join([*cells, *values]) + " |"


def _report(outcome: Outcome) -> str:
    floor = RecallConfig().min_relevance
    header = "| R@10 | no-evidence tokens, category 5 | absent topics | both |"
    lines = [
        "# The relevance floor on LoCoMo",
        "",
        f"Block budget {BUDGET} tokens; R@10: turn-level evidence recall of categories 1-4 (retrieve, k={DEPTH}); "
        "no-evidence tokens: block tokens on memories that are not evidence, as a share of the budget, per query.",
        "",
        "## Sweep on the tuning conversations (even-numbered), floor = max(absolute, relative x best)",
        "",
        "| absolute | relative " + header,
        "|---|---|---|---|---|---|",
    ]
    for (ab, rel), p in sorted(outcome.points.items()):
        mark = " **(chosen)**" if (ab, rel) == outcome.chosen else ""
        lines.append(_row([f"{ab:.2f}", f"{rel:.1f}{mark}"], p))
    swept = _sweep_point(outcome.held_out, *outcome.chosen)
    lines += [
        "",
        f"Chosen on the tuning half: absolute {outcome.chosen[0]:.2f}, relative {outcome.chosen[1]:.1f}. On the "
        f"held-out half (sweep): R@10 {swept['R@10']:.3f}, no-evidence tokens {swept['adversarial']:.1%} "
        f"(category 5), {swept['absent']:.1%} (absent topics).",
        "",
        f"## Real recall, the default min_relevance={floor} against no floor (the defaults before it)",
        "",
        "| conversations | floor " + header,
        "|---|---|---|---|---|---|",
        _row(["held-out (odd)", "none"], outcome.none),
        _row(["held-out (odd)", "default"], outcome.default),
        _row(["all", "none"], outcome.all_none),
        _row(["all", "default"], outcome.all_default),
    ]
    keys = ("adversarial", "absent", "pooled")
    cut = [1 - outcome.default[k] / outcome.none[k] if outcome.none[k] else 0.0 for k in keys]
    lines += [
        "",
        f"Held-out cut of no-evidence tokens by the default floor: {cut[0]:.0%} (category 5), {cut[1]:.0%} "
        f"(absent topics), {cut[2]:.0%} (both).",
        "",
        "Reproduce: `python -m benchmarks.relevance_floor`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
