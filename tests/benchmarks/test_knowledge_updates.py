"""CI smoke of the knowledge-updates benchmark: a few LongMemEval questions, two LoCoMo conversations, the real
model; the results are well formed and explicit supersession puts every new value above its old one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import ROOT

pytestmark = [pytest.mark.model, pytest.mark.data("longmemeval_oracle_dev.json"), pytest.mark.data("locomo10.json")]


def test_quick_run_writes_results_and_explicit_updates_win(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.knowledge_updates", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    payload = json.loads((tmp_path / "knowledge_updates-quick.json").read_text())
    figures = {(f["name"], f["parameters"].get("setting"), f["parameters"].get("config")): f["value"]
               for f in payload["figures"]}  # fmt: skip
    for setting in ("per question", "pooled"):
        assert figures[("new above old", setting, "explicit")] == 1.0
        assert (
            figures[("knowledge updates found", setting, "explicit")]
            == figures[("knowledge-update questions", setting, "explicit")]
        )
        for config in ("defaults", "explicit", "detector"):
            assert 0.0 <= figures[("turn R@10 (all)", setting, config)] <= 1.0
        assert figures[("superseded turns", setting, "defaults")] == 0
    report = (tmp_path / "knowledge_updates-quick.md").read_text()
    assert "| pooled / detector |" in report and "## LoCoMo:" in report
