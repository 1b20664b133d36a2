"""The relevance floor on LoCoMo: block tokens spent on memories with no evidence, and the recall it keeps.

    python -m benchmarks.relevance_floor [--quick] [--out DIR]

Each conversation is a real store of its turns (``speaker: text``, created at their times). Three kinds of
query are asked just after the last session: LoCoMo's questions of categories 1-4 (their evidence turns
are known), its category-5 questions (adversarial: about things never said; their "evidence" is the turn
the question distorts), and questions about topics the conversations never touch (:data:`ABSENT`).

The floor (:class:`agentmem.RelevanceFloor`) keeps a memory only when its relevance reaches ``absolute``
and, beyond the first ``after`` memories above that, also ``relative x the best relevance of the query``.
Parameters are chosen on the even-numbered conversations (the fewest no-evidence tokens over category-5
and absent-topic queries together, among the floors whose categories 1-4 R@10 stays within
:data:`RECALL_SLACK` of no floor and whose block recall, the share of their evidence the block holds,
within :data:`BLOCK_SLACK`) and reported on the odd-numbered ones; the sweep reads each query's unfloored
ranking once and filters it, the reported figures come from real ``recall``/``retrieve`` calls with the
default floor, with the absolute floor alone (the default before the relative part) and with none (the
defaults before any floor). "No-evidence tokens" are the tokens of block lines whose memory is not an
evidence turn, as a share of the block budget. Whether any rule on relevance can tell a category-5
question from an answerable one is shown by their best relevances (percentiles and the AUC).
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

from agentmem import MemoryStore, RecallConfig, RelevanceFloor, SentenceTransformerEmbedder
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
BLOCK_SLACK = 0.03  # of block recall: what the relative part may cost the answerable questions' blocks
ABSOLUTE = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
RELATIVE = (0.0, 0.5, 0.6, 0.7, 0.8)
AFTER = (0, 5, 10, 20)
Point = tuple[float, float, int]  # absolute, relative, after
QUICK_CONVERSATIONS = 2
DEFAULT = RecallConfig()

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

    points: dict[Point, dict[str, float]]
    chosen: Point
    asked: list[Asked]
    held_out: list[Asked]
    measured: dict[tuple[str, str], dict[str, float]]  # (conversations, floor) -> figures


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


def _sweep_point(asked: Sequence[Asked], point: Point) -> dict[str, float]:
    """R@10 and block recall of the answerable queries, no-evidence block tokens (share of the budget) of
    the others: per kind, pooled."""
    floor = RelevanceFloor(*point)
    recall, block, spent = [], [], {"adversarial": [], "absent": []}  # type: ignore[var-annotated]
    for a in asked:
        kept = [i for i, why in enumerate(floor.reasons(a.relevance)) if why is None]
        used = wasted = 0
        held = set()
        for i in kept:
            if used + a.tokens[i] > BUDGET:
                continue
            used += a.tokens[i]
            held.add(a.positions[i])
            wasted += 0 if a.positions[i] in a.evidence else a.tokens[i]
        if a.kind == "answerable":
            top = {a.positions[i] for i in kept[:DEPTH]}
            recall.append(len(top & a.evidence) / len(a.evidence))
            block.append(len(held & a.evidence) / len(a.evidence))
        else:
            spent[a.kind].append(wasted / BUDGET)
    return _summary(recall, spent, block)


def _summary(recall: list[float], spent: dict[str, list[float]], block: list[float]) -> dict[str, float]:
    pooled = [v for values in spent.values() for v in values]
    return {"R@10": float(np.mean(recall)), "block recall": float(np.mean(block)),
            **{k: float(np.mean(v)) for k, v in spent.items()}, "pooled": float(np.mean(pooled))}  # fmt: skip


def _choose(points: dict[Point, dict[str, float]]) -> Point:
    """The floor with the least no-evidence tokens whose R@10 and block recall stay within their slacks of
    no floor."""
    base = points[(0.0, 0.0, 0)]
    allowed = [
        key
        for key, p in points.items()
        if p["R@10"] >= base["R@10"] - RECALL_SLACK and p["block recall"] >= base["block recall"] - BLOCK_SLACK
    ]
    return min(allowed, key=lambda key: (points[key]["pooled"], key))


def _separability(asked: Sequence[Asked]) -> dict[str, float]:
    """Best relevance per query kind (quartiles) and the AUC of telling answerable from category-5 by it."""
    best = {kind: np.asarray([max(a.relevance, default=0.0) for a in asked if a.kind == kind])
            for kind in ("answerable", "adversarial", "absent")}  # fmt: skip
    found = {
        f"{kind} best relevance p{q}": float(np.percentile(v, q)) for kind, v in best.items() for q in (25, 50, 75)
    }
    answerable, adversarial = best["answerable"], best["adversarial"]
    above = (answerable[None, :] > adversarial[:, None]).mean() + 0.5 * (
        answerable[None, :] == adversarial[:, None]
    ).mean()
    found["AUC answerable over category 5"] = float(above)
    return found


def _measured(
    stores: Sequence[tuple[Path, dict[int, int]]],
    conversations: Sequence[Conversation],
    queries: Queries,
    lookup: LookupEmbedder,
    point: Point | None,
) -> dict[str, float]:
    """Real recall and retrieve with the floor ``point`` (None: no floor)."""
    recall_values, block_values, spent = [], [], {"adversarial": [], "absent": []}  # type: ignore[var-annotated]
    absolute, relative, after = point or (None, None, 0)
    config = RecallConfig(min_relevance=absolute, relative_relevance=relative, relative_after=after, touch=False)
    for (path, positions), c, asked in zip(stores, conversations, queries, strict=True):
        index_dir = path.with_name(f"{path.stem}-index")
        with MemoryStore.open(path, embedder=lookup, index_dir=index_dir, clock=lambda c=c: c.now, recall=config) as s:
            for kind, text, evidence in asked:
                block = s.recall(text, token_budget=BUDGET)
                if kind == "answerable":
                    top = {positions[m.memory.id] for m in s.retrieve(text, k=DEPTH)}
                    recall_values.append(len(top & evidence) / len(evidence))
                    held = {positions[m.memory.id] for m in block.memories}
                    block_values.append(len(held & evidence) / len(evidence))
                    continue
                lines = block.text.splitlines()[1:]
                tokenizer = default_tokenizer()
                wasted = sum(
                    tokenizer.count(line)
                    for line, m in zip(lines, block.memories, strict=False)
                    if positions[m.memory.id] not in evidence
                )
                spent[kind].append(wasted / BUDGET)
    return _summary(recall_values, spent, block_values)


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
        unfloored = RecallConfig(min_relevance=None, relative_relevance=None, touch=False)
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
        grid = [(ab, rel, after) for ab in ABSOLUTE for rel in RELATIVE for after in AFTER if rel or not after]
        points = {point: _sweep_point(tuning, point) for point in grid}
        chosen = _choose(points)
        odd = [i for i in range(len(conversations)) if i % 2 == 1] or [0]
        held = [stores[i] for i in odd], [conversations[i] for i in odd], [queries[i] for i in odd]
        everything = (stores, conversations, queries)
        floors = {"none": None, "absolute alone": (DEFAULT.min_relevance, None, 0), "default": _default_point()}
        measured = {
            (part, name): _measured(*where, lookup, point)
            for part, where in (("held-out (odd)", held), ("all", everything))
            for name, point in floors.items()
        }
        outcome = Outcome(points, chosen, asked, held_out, measured)
    figures, parameters = _figures(outcome, conversations, args.data)
    path, _ = write_timed_results(
        "relevance_floor", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    markdown = results_folder(args.out, quick=args.quick) / f"relevance_floor{'-quick' if args.quick else ''}.md"
    markdown.write_text(_report(outcome))
    print(markdown.read_text())
    print(f"wrote {path}")
    return 0


def _default_point() -> Point:
    return (DEFAULT.min_relevance or 0.0, DEFAULT.relative_relevance or 0.0, DEFAULT.relative_after)


def _figures(
    outcome: Outcome, conversations: Sequence[Conversation], data: Path
) -> tuple[list[Figure], dict[str, Any]]:
    figures = [
        Figure(f"tuning {name}", value, "share", {"absolute": ab, "relative": rel, "after": after})
        for (ab, rel, after), p in outcome.points.items()
        for name, value in p.items()
    ]
    chosen = dict(zip(("absolute", "relative", "after"), outcome.chosen, strict=True))
    for name, value in _sweep_point(outcome.held_out, outcome.chosen).items():
        figures.append(Figure(f"held-out {name}, chosen floor (sweep)", value, "share", chosen))
    default = dict(zip(("absolute", "relative", "after"), _default_point(), strict=True))
    for (part, floor), values in outcome.measured.items():
        for name, value in values.items():
            figures.append(Figure(f"{part}, {floor} floor: {name} (recall)", value, "share", default))
    for name, value in _separability(outcome.asked).items():
        figures.append(Figure(f"all: {name}", value, "relevance" if "best" in name else "AUC", {}))
    parameters = {
        "data": data.name,
        "conversations": len(conversations),
        "budget": BUDGET,
        "depth": DEPTH,
        "fetch": FETCH,
        "tuning": "even-numbered conversations",
        "held_out": "odd-numbered conversations",
        "chosen": chosen,
        "default": default,
        "recall_slack": RECALL_SLACK,
        "block_slack": BLOCK_SLACK,
        "absent_queries": len(ABSENT),
    }
    return figures, parameters


def _row(cells: Sequence[str], p: dict[str, float]) -> str:
    values = [f"{p['R@10']:.3f}", f"{p['block recall']:.3f}", f"{p['adversarial']:.1%}", f"{p['absent']:.1%}",
              f"{p['pooled']:.1%}"]  # fmt: skip
    return "| " + " | ".join([*cells, *values]) + " |"


def _report(outcome: Outcome) -> str:
    header = "| R@10 | block recall | no-evidence tokens, category 5 | absent topics | both |"
    lines = [
        "# The relevance floor on LoCoMo",
        "",
        f"Block budget {BUDGET} tokens; R@10: turn-level evidence recall of categories 1-4 (retrieve, k={DEPTH}); "
        "block recall: the share of their evidence the block holds (recall); no-evidence tokens: block tokens "
        "on memories that are not evidence, as a share of the budget, per query.",
        "",
        "## Sweep on the tuning conversations (even-numbered)",
        "",
        "A memory is kept when its relevance reaches `absolute` and, beyond the first `after` memories above "
        "that, also `relative` x the best relevance of the query.",
        "",
        "| absolute | relative | after " + header,
        "|---|---|---|---|---|---|---|---|",
    ]
    for (ab, rel, after), p in sorted(outcome.points.items()):
        mark = " **(chosen)**" if (ab, rel, after) == outcome.chosen else ""
        lines.append(_row([f"{ab:.2f}", f"{rel:.1f}", f"{after}{mark}"], p))
    swept = _sweep_point(outcome.held_out, outcome.chosen)
    ab, rel, after = outcome.chosen
    lines += [
        "",
        f"Chosen on the tuning half (least no-evidence tokens with R@10 within {RECALL_SLACK} and block recall "
        f"within {BLOCK_SLACK} of no floor): absolute {ab:.2f}, relative {rel:.1f} after {after}. On the held-out "
        f"half (sweep): R@10 {swept['R@10']:.3f}, block recall {swept['block recall']:.3f}, no-evidence tokens "
        f"{swept['adversarial']:.1%} (category 5), {swept['absent']:.1%} (absent topics), {swept['pooled']:.1%} "
        "(both).",
        "",
        f"## Real recall: the default floor {_default_point()} against the absolute floor alone "
        f"({DEFAULT.min_relevance}) and no floor (the defaults before any floor)",
        "",
        "| conversations | floor " + header,
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_row([part, floor], values) for (part, floor), values in outcome.measured.items()]
    lines.append("")
    for part in ("held-out (odd)", "all"):
        none = outcome.measured[(part, "none")]
        for floor in ("absolute alone", "default"):
            got = outcome.measured[(part, floor)]
            cut = [1 - got[k] / none[k] if none[k] else 0.0 for k in ("adversarial", "absent", "pooled")]
            lines.append(
                f"- {part}, {floor}: no-evidence tokens cut by {cut[0]:.0%} (category 5), {cut[1]:.0%} (absent "
                f"topics), {cut[2]:.0%} (both) against no floor; R@10 {got['R@10']:.3f} (no floor {none['R@10']:.3f})."
            )
    found = _separability(outcome.asked)
    lines += [
        "",
        "## Can relevance tell a category-5 question from an answerable one? (all conversations)",
        "",
        "| queries | best relevance p25 | p50 | p75 |",
        "|---|---|---|---|",
    ]
    for kind in ("answerable", "adversarial", "absent"):
        quartiles = " | ".join(f"{found[f'{kind} best relevance p{q}']:.3f}" for q in (25, 50, 75))
        lines.append(f"| {kind} | {quartiles} |")
    lines += [
        "",
        f"AUC of the best relevance, answerable above category 5: {found['AUC answerable over category 5']:.3f} "
        "(0.5: no better than chance). Category-5 questions are built from real turns with another person put "
        "in: their best matches are as close as an answerable question's, so no rule on relevance (absolute, "
        "relative or on the query's own scores) can leave their blocks empty without emptying the answerable "
        "ones; what a floor can cut is the tail of weak matches that fill a block to its budget.",
        "",
        "Reproduce: `python -m benchmarks.relevance_floor`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
