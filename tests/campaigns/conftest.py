"""Prints the campaigns' figures after the session; a long run also writes them to benchmarks/results/."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone

import pytest

from benchmarks.common import RESULTS
from tests.campaigns.figures import FIGURES
from tests.campaigns.processes import LONG
from tests.support import db_url, postgres_url

__all__ = ["db_url", "postgres_url"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("agentmem campaigns")
    for campaign, figures in sorted(FIGURES.items()):
        terminalreporter.line(f"{campaign}: " + ", ".join(f"{name} {count:,}" for name, count in figures.items()))
    if LONG:
        _write_results()


def _write_results() -> None:
    """Write this session's campaigns into the results, keeping those of earlier long runs it did not run."""
    path = RESULTS / "campaigns.json"
    earlier = json.loads(path.read_text()) if path.is_file() else {}
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    runs = {**earlier.get("runs", {}), **{campaign: when for campaign in FIGURES}}
    figures = {**earlier.get("campaigns", {}), **{c: dict(counts) for c, counts in FIGURES.items()}}
    figures = dict(sorted(figures.items()))
    facts = {"machine": platform.platform(), "python": platform.python_version()}
    path.write_text(json.dumps({**facts, "runs": dict(sorted(runs.items())), "campaigns": figures}, indent=2) + "\n")
    campaigns = list(figures)
    names = list(dict.fromkeys(name for counts in figures.values() for name in counts))
    lines = [
        "# Campaigns (AGENTMEM_CAMPAIGN=long)",
        "",
        f"Run on {facts['machine']}, Python {facts['python']}, by `AGENTMEM_CAMPAIGN=long pytest tests/campaigns` "
        "(seed 19; the last row says when each ran). Lost, wrong answers and leaks must be 0; CI runs the same "
        "tests with smaller budgets and prints the same figures at the end of the session.",
        "",
        "| figure | " + " | ".join(campaigns) + " |",
        "|---|" + "---:|" * len(campaigns),
    ]
    for name in names:
        cells = [f"{figures[c][name]:,}" if name in figures[c] else "" for c in campaigns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| run at (UTC) | " + " | ".join(runs.get(c, "") for c in campaigns) + " |")
    (RESULTS / "campaigns.md").write_text("\n".join(lines) + "\n")
