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
    figures = {campaign: dict(counts) for campaign, counts in sorted(FIGURES.items())}
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    facts = {"when": when, "machine": platform.platform(), "python": platform.python_version()}
    (RESULTS / "campaigns.json").write_text(json.dumps({**facts, "campaigns": figures}, indent=2) + "\n")
    names = list(dict.fromkeys(name for counts in figures.values() for name in counts))
    lines = [
        "# Campaigns (AGENTMEM_CAMPAIGN=long)",
        "",
        f"Run {when} on {facts['machine']}, Python {facts['python']}, by `AGENTMEM_CAMPAIGN=long pytest "
        "tests/campaigns`. Lost and wrong answers must be 0; CI runs the same tests with smaller budgets.",
        "",
        "| campaign | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for campaign, counts in figures.items():
        lines.append(f"| {campaign} | " + " | ".join(f"{counts[n]:,}" if n in counts else "" for n in names) + " |")
    (RESULTS / "campaigns.md").write_text("\n".join(lines) + "\n")
