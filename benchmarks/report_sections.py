"""The report's per-suite sections: markdown tables built from one suite's results, with their parameters."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.locomo_report import _COLUMNS as LOCOMO_COLUMNS
from benchmarks.recall_speed import EXACT, FLOOR, LANGCHAIN
from benchmarks.report_data import Measured, Result
from benchmarks.report_plots import LOCOMO_COMPARED, LOCOMO_LADDER

__all__ = [
    "consolidation_section",
    "environment_section",
    "export_import_section",
    "image",
    "ingest_section",
    "locomo_section",
    "memory_section",
    "recall_speed_section",
    "runtime_section",
    "table",
]

RUNTIME_FIGURES = ("benchmark runtime", "total seconds")


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


COUNTS = ("memories", "namespaces", "texts")  # units whose values are whole numbers


def number(value: float | None, digits: int = 2, *, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000 or unit in COUNTS:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _link(path: Path, markdown: Path) -> str:
    """``path`` relative to the folder of the markdown file that links to it."""
    return Path(os.path.relpath(path.resolve(), markdown.parent.resolve())).as_posix()


def image(plot: Path | None, markdown: Path, alt: str) -> list[str]:
    return [] if plot is None else [f"![{alt}]({_link(plot, markdown)})", ""]


def source(result: Result, markdown: Path) -> str:
    return f"From [`{result.path.name}`]({_link(result.path, markdown)}), measured {result.measured_at}."


def parameters_block(result: Result) -> list[str]:
    text = json.dumps(result.parameters, indent=1, default=str)
    return ["<details><summary>parameters</summary>", "", "```json", text, "```", "", "</details>", ""]


def _distinct(figure: Measured, suite: Mapping[str, Any], skip: Sequence[str] = ()) -> str:
    """A figure's parameters that are not the suite's own (those are listed once, below the table)."""
    own = {k: v for k, v in figure.parameters.items() if suite.get(k, object()) != v and k not in skip}
    text = json.dumps(own, default=str) if own else ""
    return text if len(text) <= 160 else text[:157] + "..."


def figure_rows(figures: Iterable[Measured], suite: Mapping[str, Any], skip: Sequence[str] = ()) -> list[list[str]]:
    return [[f.name, number(f.value, 3, unit=f.unit), f.unit, _distinct(f, suite, skip)] for f in figures]


# -- recall speed ---------------------------------------------------------------------------------


def _systems(speed: Result, size: int) -> list[str]:
    names = [str(f.parameters["system"]) for f in speed.all(memories=size, touch=False) if f.name.endswith(" p50")]
    middle = sorted(n for n in dict.fromkeys(names) if n not in (FLOOR, EXACT, LANGCHAIN))
    return [n for n in (FLOOR, EXACT) if n in names] + middle + ([LANGCHAIN] if LANGCHAIN in names else [])


def recall_speed_section(speed: Result, markdown: Path, plot: Path | None) -> list[str]:
    lines = ["## Recall latency, scale path, cold open and the index pool", "", source(speed, markdown), ""]
    lines += image(plot, markdown, "recall latency p50 against namespace size")
    sizes = sorted({int(f.parameters["memories"]) for f in speed.all(f"{FLOOR} p50")})
    rows = []
    for size in sizes:
        for name in _systems(speed, size):
            agreement = (
                "agentmem exact vs brute-force numpy top-10" if name == EXACT else f"{name} recall@10 vs exact path"
            )
            floor = speed.value(f"{FLOOR} p50", memories=size)
            p50 = speed.value(f"{name} p50", memories=size)
            rows.append([
                f"{size:,}", name, number(p50), number(speed.value(f"{name} p95", memories=size)),
                number(speed.value(f"{name} p50 touch", memories=size)),
                number(speed.value(f"{name} p95 touch", memories=size)),
                number(speed.value(agreement, memories=size), 3),
                number(p50 / floor if p50 is not None and floor else None),
            ])  # fmt: skip
    lines += [
        "Latency of one query at a time, k = 10, query embedding excluded (every system is handed the query vector); "
        "touch = the access written to SQL as `recall` does; recall@10 = agreement of the top 10 with the exact "
        "path's (for the exact path: with a brute-force numpy scoring of every memory).",
        "",
    ]
    lines += table(
        ["memories", "system", "p50 ms", "p95 ms", "p50 ms, touch", "p95 ms, touch", "recall@10", "p50 / FAISS"], rows
    )
    groups = (
        ("Ingest, index builds and storage during the run", ("ingest", "hnsw index", "sq8 index", "ivf index",
                                                             "langchain ingest", "sqlite file")),
        ("Cold open", ("cold open",)),
        ("Index pool: many namespaces under a memory budget", ("pool",)),
    )  # fmt: skip
    for title, prefixes in groups:
        chosen = [f for f in speed.figures if f.name.startswith(prefixes)]
        if chosen:
            lines += ["", f"{title}:", ""]
            lines += table(["figure", "value", "unit", "parameters"], figure_rows(chosen, speed.parameters, ("k",)))
    return [*lines, "", *parameters_block(speed)]


# -- LoCoMo ---------------------------------------------------------------------------------------


def _locomo_rows(locomo: Result) -> list[str]:
    labels = [f.name for f in locomo.all(metric="turn recall", k=10, category="all") if "probe" not in f.parameters]
    fusions = [n for n in labels if n.startswith("score fusion")]
    best = [max(fusions, key=lambda n: locomo.value(n, metric="turn recall", k=10, category="all") or 0.0)]
    chosen = [*LOCOMO_LADDER, *LOCOMO_COMPARED, "RRF k=60", *(best if fusions else [])]
    return [n for n in dict.fromkeys(chosen) if n in labels]


def locomo_section(locomo: Result, markdown: Path, plot: Path | None) -> list[str]:
    parameters = locomo.parameters
    sweep = locomo.path.with_suffix(".md")  # written beside it by benchmarks.locomo
    lines = ["## Retrieval quality: LoCoMo evidence recall", "", source(locomo, markdown), ""]
    lines += image(plot, markdown, "LoCoMo evidence recall at k")
    lines += [
        f"{parameters.get('conversations')} conversations, {parameters.get('turns')} turns (one memory each, "
        f"`{parameters.get('memory_format')}`), {parameters.get('questions')} questions of categories 1-4 asked "
        "at the last session's time; every system ranks the same all-MiniLM-L6-v2 vectors. agentmem rows go through "
        "a real store (SQLite, FTS5, FAISS); the full sweep of agentmem's scoring weights is in "
        f"[`{sweep.name}`]({_link(sweep, markdown)}).",
        "",
    ]
    rows = [
        [name, *(number(locomo.value(name, metric=m, k=k, category="all"), 3) for _, m, k in LOCOMO_COLUMNS)]
        for name in _locomo_rows(locomo)
    ]
    lines += table(["system", *(c[0] for c in LOCOMO_COLUMNS)], rows)
    lines += ["", "R@10 by category (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop):", ""]
    categories = (1, 2, 3, 4, "all")
    rows = [
        [name, *(number(locomo.value(name, metric="turn recall", k=10, category=c), 3) for c in categories)]
        for name in _locomo_rows(locomo)
    ]
    lines += table(["system", *(str(c) for c in categories)], rows)
    statuses = parameters.get("statuses") or {}
    if statuses:
        lines += ["", "Could not run:", ""] + [f"- {name}: {status}" for name, status in statuses.items()]
    return [*lines, "", *parameters_block(locomo)]


# -- the others -----------------------------------------------------------------------------------


def ingest_section(ingest: Result, markdown: Path, plot: Path | None) -> list[str]:
    lines = ["## Ingest throughput against the raw encode limit", "", source(ingest, markdown), ""]
    lines += image(plot, markdown, "ingest throughput")
    lines += table(["figure", "value", "unit"], [r[:3] for r in figure_rows(ingest.figures, ingest.parameters)])
    return [*lines, "", *parameters_block(ingest)]


def consolidation_section(results: Sequence[Result], markdown: Path) -> list[str]:
    lines = ["## Consolidation: reflection on LoCoMo", ""]
    # The totals: per-conversation figures repeat the same names (they stay in the JSON).
    totals = [f for f in results[0].figures if "conversation" not in f.parameters]
    names = list(dict.fromkeys(f.name for f in totals))
    units = {f.name: f.unit for f in totals}
    rows = []
    for result in results:
        reflection = result.parameters.get("reflection", {})
        setting = ", ".join(f"{k} {v}" for k, v in reflection.items())
        link = f"[`{result.path.name}`]({_link(result.path, markdown)})"
        rows.append([link, setting, *(number(result.value(n), 3, unit=units[n]) for n in names)])
    lines += table(["file", "reflection policy", *names], rows)
    lines += ["", f"Measured {', '.join(r.measured_at for r in results)}.", ""]
    return [*lines, *parameters_block(results[0])]


def export_import_section(result: Result, markdown: Path) -> list[str]:
    lines = ["## Export and import throughput", "", source(result, markdown), ""]
    lines += [
        "JSONL through `agentmem.store.jsonl`, as the CLI's `export` / `import` do. *Identical lines* compares every "
        "field of the re-exported namespace with the first export; *identical but for version* leaves out "
        "`version`, the namespace's change counter, which an import into a fresh namespace restarts.",
        "",
    ]
    figures = [f for f in result.figures if f.name not in RUNTIME_FIGURES]
    lines += table(["figure", "value", "unit"], [r[:3] for r in figure_rows(figures, result.parameters)])
    return [*lines, "", *parameters_block(result)]


def langgraph_store_section(result: Result, markdown: Path) -> list[str]:
    lines = ["## LangGraph store: AgentMemStore vs InMemoryStore", "", source(result, markdown), ""]
    lines += [
        "Both stores behind LangGraph's `BaseStore` methods, one call at a time, with the same embedding function "
        "(precomputed vectors); the ratio is InMemoryStore's p50 over AgentMemStore's (above 1: AgentMemStore is "
        "faster). The table with every size side by side is `benchmarks/results/langgraph_store.md`.",
        "",
    ]
    figures = [f for f in result.figures if f.name not in RUNTIME_FIGURES]
    lines += table(["figure", "value", "unit", "parameters"], figure_rows(figures, result.parameters))
    return [*lines, "", *parameters_block(result)]


def memory_section(result: Result, markdown: Path, plot: Path | None) -> list[str]:
    lines = ["## Memory: bytes per memory on disk and in RAM", "", source(result, markdown), ""]
    lines += image(plot, markdown, "bytes per memory")
    kinds = list(result.parameters.get("kinds", []))
    rows = [
        [kind, number(result.value(f"{kind} index file"), 0), number(result.value(f"{kind} replica RSS"), 0),
         number(result.value(f"{kind} process RSS with the replica loaded"), 1),
         number(result.value(f"{kind} index build or load + first retrieve"), 2),
         number(result.value(f"{kind} index load from file + first retrieve"), 2)]
        for kind in kinds
    ]  # fmt: skip
    lines += table(
        [
            "index",
            "index file B/memory",
            "replica RSS B/memory",
            "process RSS MiB",
            "build (flat: load) s",
            "load + retrieve s",
        ],
        rows,
    )
    sqlite = result.value("sqlite file") or 0.0
    sql = [f for f in result.figures if f.name.startswith("sqlite table ")]
    lines += [
        "",
        f"SQL (the same database for every index kind): {number(sqlite, 0)} bytes per memory in the file.",
        "",
    ]
    rows = [
        [f.name.removeprefix("sqlite table "), number(f.value, 0), f"{(f.value or 0) / sqlite:.0%}" if sqlite else "-"]
        for f in sql
    ]
    stats = result.value("sql_bytes (NamespaceStats)")
    rows.append(["(NamespaceStats.sql_bytes: text and vectors as agentmem counts them)", number(stats, 0), ""])
    lines += table(["table or index", "B/memory", "share"], rows)
    return [*lines, "", *parameters_block(result)]


def other_suites_section(results: Mapping[str, list[Result]], shown: Sequence[str], markdown: Path) -> list[str]:
    """Suites with their own report (``<suite>.md`` beside the JSON): a link each, with their ratios and targets."""
    lines = [
        "## Other suites",
        "",
        "Each of these writes its own report next to its JSON; run one with `python -m benchmarks.<suite>`.",
        "",
    ]
    rows = []
    for name in sorted(set(results) - set(shown) - {"run"}):
        result = results[name][0]
        report = result.path.with_suffix(".md")
        linked = f"[`{name}`]({_link(report, markdown)})" if report.exists() else f"`{name}`"
        headline = [
            f"{f.name}: {number(f.value, 3)}"
            for f in result.figures
            if f.unit in ("ratio", "share of queries") and f.name not in RUNTIME_FIGURES
        ]
        rows.append([linked, result.measured_at[:10], "; ".join(headline[:4]) or "see its report"])
    return [*lines, *table(["suite", "measured", "ratios and shares"], rows)]


def runtime_section(results: Mapping[str, list[Result]], run: Result | None, order: Sequence[str]) -> list[str]:
    """Each suite's wall time: from the harness's run file, else the suite's own runtime figure."""
    rows, total = [], 0.0
    for suite in order:
        timing = run.all(f"{suite} seconds") if run else []
        seconds = timing[0].value if timing else None
        finished, load, origin = "", "", ""
        if timing:
            finished = str(timing[0].parameters.get("finished", ""))
            load = " / ".join(str(x) for x in timing[0].parameters.get("load_average", []))
            origin = "python -m benchmarks.run"
        for result in [] if timing else results.get(suite, [])[:1]:
            seconds = next((f.value for f in result.figures if f.name in RUNTIME_FIGURES), None)
            seconds = seconds if seconds is not None else result.parameters.get("seconds")
            finished, origin = result.measured_at, f"the suite's own timing ({result.path.name})"
            load = " / ".join(str(x) for x in result.machine.get("load_average", []))
        total += float(seconds or 0.0)
        rows.append([suite, number(seconds, 0) if seconds is not None else "not run", finished, load, origin])
    rows.append(["**all**", f"**{total:,.0f}** (≈ {total / 60:.0f} min)", "", "", "sum of the above"])
    return table(["suite", "seconds", "finished", "load average 1 / 5 / 15 min", "measured by"], rows)


def environment_section(results: Mapping[str, list[Result]]) -> list[str]:
    packages = ("agentmem", "numpy", "faiss-cpu", "torch", "sentence-transformers", "sqlalchemy", "langchain-classic")
    rows = []
    for suite_results in results.values():
        for r in suite_results:
            machine = (
                f"{r.machine.get('cpus')} CPUs, {r.machine.get('memory_gib')} GiB, Python {r.machine.get('python')}"
            )
            rows.append([r.path.name, r.measured_at, *(r.versions.get(p, "-") for p in packages), machine])
    return table(["file", "measured", *packages, "machine"], rows)
