"""CI smoke of the MCP round-trip benchmark: a small store, the real model, the real stdio server and client;
the results file is well formed and every MCP block equals the Python API's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import ROOT

pytestmark = [pytest.mark.model, pytest.mark.data("locomo10.json")]


def test_quick_run_writes_results_and_mcp_answers_as_the_api(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.mcp_roundtrip", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    payload = json.loads((tmp_path / "mcp_roundtrip-quick.json").read_text())
    figures = {f["name"]: f["value"] for f in payload["figures"]}
    assert figures["identical blocks"] == 1.0
    for name in ("api p50", "mcp p50", "mcp cold start", "api cold start", "mcp server cpu per call"):
        assert figures[name] > 0, name
    assert figures["mcp p95"] >= figures["mcp p50"] and figures["api p95"] >= figures["api p50"]
    assert "| MCP stdio `get_context` |" in (tmp_path / "mcp_roundtrip-quick.md").read_text()
