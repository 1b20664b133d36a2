"""The long-memory benchmark's rows, report and figures (see :mod:`benchmarks.long_memory`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agentmem import QueryPolicy
from benchmarks.common import Figure
from benchmarks.locomo_data import Conversation
from benchmarks.locomo_metrics import Evaluation, evaluate
from benchmarks.long_memory_data import context_turns

__all__ = ["TARGET_A", "TARGET_B", "Row", "copies_returned", "figures_of", "paired", "report"]

TARGET_A = 0.85  # session-level R@5 of the defaults
TARGET_B = 0.95  # Auto-GPT-shaped R@10 over question-alone R@10, both with the defaults


@dataclass(slots=True)
class Row:
    """One system's rankings in one setting, evaluated."""

    setting: str
    label: str
    evaluation: Evaluation
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)
    rankings: list[NDArray[np.int64]] = field(default_factory=list, repr=False)

    def mean(self, metric: str, k: int) -> float:
        return self.evaluation.mean(metric, k)


def paired(row: Row, baseline: Row, metric: str, k: int) -> tuple[float, float]:
    """Mean per-question difference to ``baseline`` and 1.96 standard errors."""
    diff = row.evaluation.values[(metric, k)] - baseline.evaluation.values[(metric, k)]
    error = 1.96 * float(diff.std(ddof=1)) / math.sqrt(diff.size) if diff.size > 1 else 0.0
    return float(diff.mean()), error


def copies_returned(row: Row, conversations: Sequence[Conversation]) -> float:
    """Mean number of the query's own older messages (their stored turns) among the top 10."""
    counts = [
        np.isin(ranking[ranking >= 0], context_turns(c, q)).sum()
        for c, rankings in zip(conversations, row.rankings, strict=True)
        for q, ranking in zip(c.questions, rankings, strict=True)
    ]
    return float(np.mean(counts))


def half_recall(row: Row, conversations: Sequence[Conversation], parity: int) -> float:
    """Turn-level R@10 of ``row`` over the even- (0) or odd-numbered (1) conversations (all if none)."""
    chosen = [i for i in range(len(conversations)) if i % 2 == parity] or list(range(len(conversations)))
    evaluation = evaluate([conversations[i] for i in chosen], [row.rankings[i] for i in chosen])
    return evaluation.mean("turn recall", 10)


def _find(rows: Sequence[Row], label: str) -> Row:
    return next(r for r in rows if r.label == label)


def report(
    a: Sequence[Row],
    b: Sequence[Row],
    sweep: Sequence[Row],
    conversations: Sequence[Conversation],
    parameters: dict[str, Any],
) -> str:
    lines = [
        "# Long memories and agent-shaped queries on LoCoMo",
        "",
        f"{parameters['conversations']} conversations, {parameters['questions']} questions (categories 1-4 with "
        f"evidence), {parameters['model']}, same run. `python -m benchmarks.long_memory`.",
        "",
        f"## A. Each session one memory ({parameters['sessions']} memories, median "
        f"{parameters['session_tokens_median']:.0f} word pieces): session-level evidence recall",
        "",
        "| system | R@5 | R@10 |",
        "|---|---|---|",
    ]
    lines += [f"| {r.label} | {r.mean('session recall', 5):.3f} | {r.mean('session recall', 10):.3f} |" for r in a]
    best = _find(a, "agentmem defaults").mean("session recall", 5)
    lines += [
        "",
        f"Target: agentmem defaults R@5 >= {TARGET_A}: **{best:.3f}** ({'met' if best >= TARGET_A else 'NOT met'}).",
    ]
    lines += [
        "",
        f"## B. Turn memories, Auto-GPT-shaped query (median {parameters['query_tokens_median']:.0f} word pieces): "
        "turn-level evidence recall",
        "",
        "| system | R@10 | R@5 | older messages' own turns in the top 10 |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r.label} | {r.mean('turn recall', 10):.3f} | {r.mean('turn recall', 5):.3f} | "
        f"{copies_returned(r, conversations):.2f} |"
        for r in b
    ]
    for prefix in ("agentmem defaults", "Auto-GPT adapter get_relevant"):
        alone = _find(b, f"{prefix}, question alone").mean("turn recall", 10)
        shaped = _find(b, f"{prefix}, Auto-GPT-shaped query").mean("turn recall", 10)
        ratio = shaped / alone
        halves = [
            half_recall(_find(b, f"{prefix}, Auto-GPT-shaped query"), conversations, parity)
            / half_recall(_find(b, f"{prefix}, question alone"), conversations, parity)
            for parity in (0, 1)
        ]
        lines.append("")
        lines.append(
            f"Target ({prefix}): Auto-GPT-shaped R@10 >= {TARGET_B:.0%} of the question alone: {shaped:.3f} / "
            f"{alone:.3f} = **{ratio:.1%}** ({'met' if ratio >= TARGET_B else 'NOT met'}); even-numbered "
            f"conversations (where the query policy was chosen) {halves[0]:.1%}, odd-numbered {halves[1]:.1%}."
        )
    default = _find(b, "agentmem defaults, Auto-GPT-shaped query")
    lines += [
        "",
        "## Query policy sweep (setting B, Auto-GPT-shaped query, in a store)",
        "",
        f"Defaults: {QueryPolicy()}. Difference: mean per-question R@10 difference to the defaults, +- 1.96 SE.",
        "",
        "| policy | R@10 | R@5 | R@10 - defaults | older messages' own turns in the top 10 |",
        "|---|---|---|---|---|",
        f"| defaults | {default.mean('turn recall', 10):.3f} | {default.mean('turn recall', 5):.3f} | - | "
        f"{copies_returned(default, conversations):.2f} |",
    ]
    unparsed = _find(b, "agentmem defaults, the query string unparsed")
    for r in sweep:
        if r.parameters["query"] == "string" and r is next(x for x in sweep if x.parameters["query"] == "string"):
            lines += [
                "",
                "The same query given to the store as one unparsed string (the newest part of a long string):",
                "",
                "| policy | R@10 | R@5 | R@10 - defaults | older messages' own turns in the top 10 |",
                "|---|---|---|---|---|",
                f"| defaults | {unparsed.mean('turn recall', 10):.3f} | {unparsed.mean('turn recall', 5):.3f} | - | "
                f"{copies_returned(unparsed, conversations):.2f} |",
            ]
        diff, error = paired(r, unparsed if r.parameters["query"] == "string" else default, "turn recall", 10)
        r10, r5 = r.mean("turn recall", 10), r.mean("turn recall", 5)
        copies = copies_returned(r, conversations)
        lines.append(f"| {r.label} | {r10:.3f} | {r5:.3f} | {diff:+.3f} +- {error:.3f} | {copies:.2f} |")
    return "\n".join(lines)


def figures_of(rows: Sequence[Row], conversations: Sequence[Conversation]) -> list[Figure]:
    found = []
    for r in rows:
        if r.setting == "B":
            copies = copies_returned(r, conversations)
            parameters = {"setting": r.setting, "metric": "older messages' turns in the top 10", **r.parameters}
            found.append(Figure(f"B: {r.label} older-message turns in top 10", copies, "memories", parameters))
        found.append(Figure(f"{r.setting}: {r.label} seconds", r.seconds, "s", {"setting": r.setting, **r.parameters}))
        metrics = (
            (("session recall", 5), ("session recall", 10))
            if r.setting == "A"
            else (("turn recall", 5), ("turn recall", 10))
        )
        for metric, k in metrics:
            parameters = {"setting": r.setting, "metric": metric, "k": k, **r.parameters}
            found.append(Figure(f"{r.setting}: {r.label}", r.mean(metric, k), "fraction", parameters))
    return found
