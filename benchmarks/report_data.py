"""The results files as the report reads them: one :class:`Result` per JSON file, figures looked up by name and
parameters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Measured", "Result", "load_results"]


@dataclass(frozen=True, slots=True)
class Measured:
    """One figure of a results file (``value`` None: written as not measured)."""

    name: str
    value: float | None
    unit: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Result:
    """One results file.

    Attributes:
        path: the file.
        suite: the suite that wrote it.
        quick: written by a ``--quick`` smoke run.
        measured_at: when (UTC, ISO 8601).
        parameters: the run's parameters.
        figures: every figure, in file order.
        versions: library versions of the run.
        machine: facts about the machine of the run.
    """

    path: Path
    suite: str
    quick: bool
    measured_at: str
    parameters: Mapping[str, Any]
    figures: tuple[Measured, ...]
    versions: Mapping[str, str]
    machine: Mapping[str, Any]

    @property
    def canonical(self) -> bool:
        """The suite's own file (``<suite>[-quick].json``), not a variant saved under another name."""
        return self.path.name == f"{self.suite}{'-quick' if self.quick else ''}.json"

    def all(self, name: str | None = None, **match: Any) -> list[Measured]:
        """Figures called ``name`` (any name if None) whose parameters include every ``match`` item."""
        return [
            f
            for f in self.figures
            if (name is None or f.name == name) and all(f.parameters.get(k) == v for k, v in match.items())
        ]

    def value(self, name: str, **match: Any) -> float | None:
        """The value of the first figure :meth:`all` finds, or None."""
        found = self.all(name, **match)
        return found[0].value if found else None


def load_results(folder: Path, *, quick: bool) -> dict[str, list[Result]]:
    """Every results file in ``folder`` of the given kind (full or quick), by suite, canonical file first."""
    by_suite: dict[str, list[Result]] = {}
    for path in sorted(folder.glob("*.json")):
        payload = json.loads(path.read_text())
        if not isinstance(payload, dict) or "suite" not in payload or bool(payload.get("quick")) != quick:
            continue
        figures = tuple(
            Measured(f["name"], None if f["value"] is None else float(f["value"]), f["unit"], f.get("parameters", {}))
            for f in payload["figures"]
        )
        result = Result(
            path=path,
            suite=payload["suite"],
            quick=quick,
            measured_at=payload.get("measured_at", ""),
            parameters=payload.get("parameters", {}),
            figures=figures,
            versions=payload.get("versions", {}),
            machine=payload.get("machine", {}),
        )
        by_suite.setdefault(result.suite, []).append(result)
    for results in by_suite.values():
        results.sort(key=lambda r: (not r.canonical, r.path.name))
    return by_suite
