"""The report's PNG plots (matplotlib, Agg backend), each drawn from one results file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a display

import matplotlib.pyplot as plt  # after choosing the backend
from matplotlib.axes import Axes

from benchmarks.locomo_agentmem import DEFAULTS, LADDER
from benchmarks.recall_speed import EXACT, FLOOR, LANGCHAIN
from benchmarks.report_data import Result
from benchmarks.report_headline import recall_speed_paths

__all__ = ["LOCOMO_COMPARED", "LOCOMO_LADDER", "ingest_bars", "latency_vs_size", "locomo_curves", "memory_bytes"]

DPI = 110
LOCOMO_LADDER = LADDER
LOCOMO_COMPARED = (
    DEFAULTS,
    "cosine",
    "BM25",
    "mem0 infer=False",
    "LangChain TimeWeighted decay=0.01",
    "LangChain TimeWeighted decay=0.001",
)
_LOCOMO_COLORS = dict(
    zip(
        (*LOCOMO_LADDER, *LOCOMO_COMPARED[1:]),
        ("tab:cyan", "tab:orange", "tab:green", "tab:olive", "gold", "tab:blue", "tab:purple",
         "tab:gray", "tab:brown", "tab:pink", "tab:red", "salmon"),
        strict=True,
    )
)  # fmt: skip
_KS = (1, 5, 10, 20)


def _save(figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return path


def _style(name: str) -> dict[str, Any]:
    if name == FLOOR:
        return {"color": "black", "linestyle": "--", "marker": "s"}
    if name == LANGCHAIN:
        return {"color": "tab:red", "linestyle": "-", "marker": "^", "linewidth": 2}
    if name == EXACT:
        return {"color": "tab:blue", "linestyle": "-", "marker": "o", "linewidth": 2}
    # A scale path: its index kind picks the colour, its candidate count C the line style.
    kind = name.removeprefix("agentmem ").split(" ")[0]
    colors = {"hnsw": "tab:green", "sq8": "tab:purple", "ivf": "tab:brown", "exact": "tab:cyan"}
    return {"color": colors.get(kind, "tab:olive"), "linestyle": ":" if "C=" in name else "-", "marker": "."}


def latency_vs_size(speed: Result, path: Path) -> Path | None:
    """Recall p50 (touch off, query embedding excluded) against namespace size, log-log, every system."""
    sizes = sorted({int(f.parameters["memories"]) for f in speed.all(f"{FLOOR} p50")})
    if not sizes:
        return None
    series: dict[str, list[tuple[int, float]]] = {FLOOR: [], LANGCHAIN: []}
    agreement: dict[str, float | None] = {}
    for size in sizes:
        for name in (FLOOR, LANGCHAIN):
            value = speed.value(f"{name} p50", memories=size)
            if value is not None:
                series[name].append((size, value))
        for name, (p50, recall) in recall_speed_paths(speed, size).items():
            series.setdefault(name, []).append((size, p50))
            agreement[name] = recall
    figure, axes = plt.subplots(figsize=(8, 5.2))
    for name, points in series.items():
        if not points:
            continue
        label = name
        if name in agreement and name != EXACT and agreement[name] is not None:
            label += f"  (recall@10 vs exact at {points[-1][0]:,}: {agreement[name]:.3f})"
        axes.plot(*zip(*points, strict=True), label=label, **_style(name))
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(sizes, [f"{s:,}" for s in sizes])
    axes.set_xlabel("memories in the namespace")
    axes.set_ylabel("recall latency p50, ms (query embedding excluded)")
    axes.set_title("Recall latency vs namespace size (one query at a time, k = 10, touch off)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return _save(figure, path)


def _curve(axes: Axes, locomo: Result, names: Sequence[str], title: str) -> bool:
    """One panel of recall@k lines; says so in the panel when none of ``names`` was measured."""
    drawn = False
    for name in names:
        points = [
            (k, v) for k in _KS if (v := locomo.value(name, metric="turn recall", k=k, category="all")) is not None
        ]
        if points:
            # Drawn dashed with big markers: a peer that ranks by cosine alone (mem0) would hide it.
            style = {"linestyle": "--", "marker": "s", "markersize": 9} if name == "cosine" else {"marker": "o"}
            axes.plot(*zip(*points, strict=True), label=name, color=_LOCOMO_COLORS.get(name), **style)
            drawn = True
    axes.set_xticks(_KS)
    axes.set_xlabel("k (memories retrieved)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.set_ylim(0, 1)
    if drawn:
        axes.legend(fontsize=8, loc="upper left")
    else:
        axes.text(0.5, 0.5, "not in this results file", ha="center", va="center", transform=axes.transAxes)
    return drawn


def locomo_curves(locomo: Result, path: Path) -> Path | None:
    """Turn-level evidence recall@k: agentmem's ablation ladder, and agentmem against the other systems."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    drawn = _curve(left, locomo, LOCOMO_LADDER, "agentmem: defaults and ablations (real store)")
    drawn = _curve(right, locomo, LOCOMO_COMPARED, "agentmem against baselines and peers") or drawn
    left.set_ylabel("turn-level evidence recall@k")
    questions = locomo.parameters.get("questions", "?")
    figure.suptitle(f"LoCoMo evidence recall ({questions} questions, categories 1-4, same MiniLM vectors)")
    if not drawn:
        plt.close(figure)
        return None
    return _save(figure, path)


def ingest_bars(ingest: Result, path: Path) -> Path | None:
    """add_many throughput beside the raw encode limit."""
    raw = ingest.value("raw SentenceTransformer.encode")
    ours = ingest.value("agentmem add_many (SQLite, faiss)")
    if raw is None or ours is None:
        return None
    figure, axes = plt.subplots(figsize=(7, 2.6))
    labels = ["raw SentenceTransformer.encode\n(the limit)", "agentmem add_many\n(SQLite + FAISS)"]
    bars = axes.barh(labels, [raw, ours], color=["tab:gray", "tab:blue"])
    for bar, value in zip(bars, (raw, ours), strict=True):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.0f}/s", va="center")
    axes.set_xlim(0, max(raw, ours) * 1.25)
    axes.set_xlabel("texts per second")
    texts = ingest.parameters.get("texts", "?")
    axes.set_title(f"Ingest: {ours / raw:.0%} of the raw encode throughput ({texts} LoCoMo turns, same model)")
    axes.invert_yaxis()
    return _save(figure, path)


def memory_bytes(footprint: Result, path: Path) -> Path | None:
    """Bytes per memory: SQL (by table) plus the index file on disk, and the loaded replica in RAM, per kind."""
    kinds = list(footprint.parameters.get("kinds", []))
    tables = [f for f in footprint.all() if f.name.startswith("sqlite table ") and f.value is not None]
    if not kinds or not tables:
        return None
    figure, axes = plt.subplots(figsize=(9, 1.2 + 0.9 * len(kinds)))
    rows: list[str] = []
    colors = [plt.get_cmap("tab20")(n) for n in range(20)]
    for position, kind in enumerate(kinds):
        disk, ram = 2 * position, 2 * position + 1
        left = 0.0
        for number, table in enumerate(tables):
            width = float(table.value or 0.0)
            label = table.name.removeprefix("sqlite table ") if position == 0 else None
            axes.barh(disk, width, left=left, color=colors[number % len(colors)], label=label)
            left += width
        index_file = footprint.value(f"{kind} index file") or 0.0
        axes.barh(disk, index_file, left=left, color="gold", hatch="//", label="index file" if not position else None)
        axes.text(left + index_file, disk, f" {left + index_file:,.0f} B", va="center", fontsize=8)
        replica = footprint.value(f"{kind} replica RSS") or 0.0
        axes.barh(ram, replica, color="tab:purple", label="replica resident (RSS)" if not position else None)
        axes.text(replica, ram, f" {replica:,.0f} B", va="center", fontsize=8)
        rows += [f"{kind}: on disk", f"{kind}: in RAM"]
    axes.set_yticks(range(len(rows)), rows)
    axes.invert_yaxis()
    axes.set_xlabel("bytes per memory")
    memories = int(footprint.parameters.get("stored", footprint.parameters.get("memories", 0)))
    axes.set_title(f"Bytes per memory at {memories:,} memories (384-d float32 vector = 1,536 B)")
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    axes.set_xlim(0, axes.get_xlim()[1] * 1.12)
    return _save(figure, path)
