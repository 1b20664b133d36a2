"""CI smoke of the benchmark harness: ``python -m benchmarks.run --quick`` into a temporary folder.

Every suite runs at its quick size in its own process (with the real model, FAISS and SQLite files), then the
report is generated from what they wrote. This checks that each results file is well formed and that the
committed results are left alone; the numbers of a smoke run mean nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.common import RESULTS, ROOT
from benchmarks.run import SUITES

pytestmark = [pytest.mark.model, pytest.mark.data("locomo10.json")]


def _committed() -> dict[str, str]:
    """Hash of every file under benchmarks/results (but its quick/ folder) and of RESULTS.md."""
    paths = [p for p in RESULTS.rglob("*") if p.is_file() and "quick" not in p.relative_to(RESULTS).parts]
    paths.append(ROOT / "benchmarks" / "RESULTS.md")
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("bench-quick")
    before = _committed()
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=580,
    )
    seconds = time.perf_counter() - began
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert _committed() == before, "a quick run changed the committed results"
    print(f"benchmarks.run --quick: {seconds:.0f} s")
    return out, seconds


@pytest.mark.parametrize("suite", [s.name for s in SUITES])
def test_every_suite_writes_well_formed_results(quick_run: tuple[Path, float], suite: str) -> None:
    out, _ = quick_run
    payload = json.loads((out / f"{suite}-quick.json").read_text())
    assert payload["suite"] == suite
    assert payload["quick"] is True
    assert payload["parameters"]
    assert payload["versions"]["agentmem"]
    assert payload["machine"]["cpus"] >= 1
    assert payload["figures"]
    for figure in payload["figures"]:
        assert isinstance(figure["name"], str) and figure["name"], figure
        assert isinstance(figure["unit"], str) and figure["unit"], figure
        assert isinstance(figure["value"], (int, float)) and math.isfinite(figure["value"]), figure
        assert isinstance(figure["parameters"], dict) and figure["parameters"], figure


def test_the_run_records_every_suite_as_ok(quick_run: tuple[Path, float]) -> None:
    out, _ = quick_run
    run = json.loads((out / "run-quick.json").read_text())
    statuses = {f["parameters"]["suite"]: f["parameters"]["status"] for f in run["figures"]}
    assert statuses == {s.name: "ok" for s in SUITES}


def test_the_report_has_the_headline_table_and_its_plots(quick_run: tuple[Path, float]) -> None:
    out, _ = quick_run
    report = (out / "RESULTS.md").read_text()
    assert "## Headline targets" in report
    headline = report.split("## Headline targets")[1].split("\n## ")[0]
    # The quick run measures ingest and LoCoMo, so their targets get a verdict; speed at 100k it does not.
    ingest = next(line for line in headline.splitlines() if line.startswith("| ingest throughput"))
    assert ingest.endswith(("| **yes** |", "| **no** |"))
    assert sum("LoCoMo" in line and ("**yes**" in line or "**no**" in line) for line in headline.splitlines()) == 2
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert len(images) == 4
    for image in images:
        assert (out / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
