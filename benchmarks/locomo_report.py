"""The markdown report of a LoCoMo run: what was compared, the headline table, per category, the sweep grid."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from benchmarks.locomo_data import CATEGORIES, MemoryFormat

if TYPE_CHECKING:
    from benchmarks.locomo import Outcome

__all__ = ["markdown_report"]

_COLUMNS = (
    ("R@1", "turn recall", 1),
    ("R@5", "turn recall", 5),
    ("R@10", "turn recall", 10),
    ("R@20", "turn recall", 20),
    ("MRR@10", "MRR", 10),
    ("session R@5", "session recall", 5),
    ("session R@10", "session recall", 10),
)


def _cell(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


def _difference(outcome: Outcome, baseline: Outcome | None) -> str:
    """Mean paired difference of R@10 to the baseline, +- 1.96 standard errors."""
    if baseline is None or outcome.evaluation is None or baseline.evaluation is None:
        return "-"
    differences = outcome.evaluation.values[("turn recall", 10)] - baseline.evaluation.values[("turn recall", 10)]
    error = 1.96 * float(differences.std(ddof=1)) / math.sqrt(differences.size) if differences.size > 1 else 0.0
    return f"{float(differences.mean()):+.3f} ± {error:.3f}"


def _r10(outcome: Outcome, category: int | None = None) -> float:
    return outcome.evaluation.mean("turn recall", 10, category) if outcome.evaluation else float("nan")


def _group(outcome: Outcome) -> tuple[str, float, int]:
    """A scoring variant's (normalisation, lexical weight, touched): the sweep is reported per group."""
    parameters = outcome.system.parameters
    return parameters["normalize"], parameters["lexical_weight"], parameters["touch"]


def _headline(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Every system except the scoring sweep, of which only the best of each (normalisation, relevance) group."""
    rows = [o for o in outcomes if o.system.family != "scoring"]
    groups: dict[tuple[str, float, int], Outcome] = {}
    for outcome in outcomes:
        if outcome.system.family != "scoring" or outcome.evaluation is None:
            continue
        key = _group(outcome)
        if key not in groups or _r10(outcome) > _r10(groups[key]):
            groups[key] = outcome
    return rows + list(groups.values())


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _scoring_grids(outcomes: Sequence[Outcome]) -> list[str]:
    sweep = [o for o in outcomes if o.system.family == "scoring" and o.evaluation is not None]
    lines: list[str] = []
    groups = sorted({_group(o) for o in sweep})
    for normalize, lexical, touch in groups:
        members = [o for o in sweep if _group(o) == (normalize, lexical, touch)]
        weights = sorted({o.system.parameters["recency_weight"] for o in members})
        decaying = [o for o in members if o.system.parameters["recency_weight"]]
        half_lives = sorted({o.system.parameters["half_life_days"] for o in decaying})
        relevance = "cosine" if not lexical else f"hybrid a={lexical}"
        touched = f", top {touch} touched after each question" if touch else ""
        lines += ["", f"Scoring sweep, R@10 (relevance weight 1 = {relevance}, normalize={normalize}{touched}):", ""]
        rows = []
        for weight in weights:
            row = [f"recency {weight}"]
            for days in half_lives:
                match = [
                    o
                    for o in members
                    if o.system.parameters["recency_weight"] == weight
                    and (weight == 0 or o.system.parameters["half_life_days"] == days)
                ]
                row.append(_cell(_r10(match[0])) if match else "-")
            rows.append(row)
        lines += _table(["", *(f"half-life {d:g} d" for d in half_lives)], rows)
    return lines


def markdown_report(
    outcomes: Sequence[Outcome],
    format_outcomes: Mapping[MemoryFormat, Sequence[Outcome]],
    *,
    chosen: MemoryFormat,
    parameters: Mapping[str, Any],
) -> str:
    """The run as markdown: memory-format probe, headline metrics, R@10 per category, scoring grid, failures."""
    lines = [
        f"## LoCoMo evidence recall ({parameters['conversations']} conversations, {parameters['questions']} questions)",
        "",
        "Memory text format (every system uses the chosen one):",
        "",
    ]
    lines += _table(
        ["format", "cosine R@10", "BM25 R@10", "chosen"],
        [
            [f"`{fmt}`", _cell(_r10(probes[0])), _cell(_r10(probes[1])), "yes" if fmt == chosen else ""]
            for fmt, probes in format_outcomes.items()
        ],
    )
    headline = _headline(outcomes)
    baseline = next((o for o in outcomes if o.system.family == "cosine" and o.evaluation is not None), None)
    lines += [
        "",
        "Overall (categories 1-4); the difference to cosine is paired over questions, with its 95% interval:",
        "",
    ]
    lines += _table(
        ["system", *(c[0] for c in _COLUMNS), "R@10 - cosine", "seconds"],
        [
            [
                o.system.label,
                *(_cell(o.evaluation.mean(m, k)) for _, m, k in _COLUMNS),
                _difference(o, baseline),
                f"{o.seconds:.1f}",
            ]
            for o in headline
            if o.evaluation is not None
        ],
    )
    lines += ["", "R@10 by category id (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop):", ""]
    lines += _table(
        ["system", *(str(c) for c in CATEGORIES), "all"],
        [
            [o.system.label, *(_cell(_r10(o, c)) for c in CATEGORIES), _cell(_r10(o))]
            for o in headline
            if o.evaluation is not None
        ],
    )
    lines += _scoring_grids(outcomes)
    failed = [o for o in outcomes if o.evaluation is None]
    if failed:
        lines += ["", "Could not run:", ""]
        lines += [f"- {o.system.label}: {o.status}" for o in failed]
    return "\n".join(lines)
