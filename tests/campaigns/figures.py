"""The campaigns' figures, added up over the session and printed at its end (see conftest.py).

Each test adds what it tried and what it saw; the summary is the campaign's evidence in the CI log, and a
long run (``AGENTMEM_CAMPAIGN=long``) also writes it to benchmarks/results/campaigns.json and .md.
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["FIGURES", "add"]

FIGURES: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
"""campaign (e.g. ``sigkill/sqlite``) → figure (``kills``, ``acknowledged writes``, ``lost``...) → count."""


def add(campaign: str, **counts: int) -> None:
    """Add counts to a campaign's figures (keyword names use ``_`` for spaces)."""
    for name, count in counts.items():
        FIGURES[campaign][name.replace("_", " ")] += count
