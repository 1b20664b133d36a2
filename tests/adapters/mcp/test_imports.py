"""The MCP SDK is loaded by ``agentmem mcp`` alone: never by ``import agentmem``, the adapters package or the
other commands (checked in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_SCRIPT = r"""
import json, sys
import agentmem, agentmem.adapters
from typer.testing import CliRunner
from agentmem.cli.app import app

db = sys.argv[1]
codes = [CliRunner().invoke(app, ["--db", db, "--model", "hashing-64", *args]).exit_code
         for args in (["add", "a memory"], ["ls"], ["recall", "memory"], ["mcp", "--help"], ["--help"])]
print(json.dumps({"codes": codes, "loaded": sorted(m for m in sys.modules if m == "mcp" or m.startswith("mcp."))}))
"""


def test_nothing_but_the_mcp_command_imports_the_sdk(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "memories.db")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"codes": [0, 0, 0, 0, 0], "loaded": []}
