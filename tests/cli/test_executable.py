"""The installed ``agentmem`` executable, as a user runs it, on a real SQLite file and the real model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MEMORIES = [
    {"text": "Alice's flight to Lisbon leaves Friday at 09:40 from gate B12.", "kind": "fact", "importance": 0.9},
    {"text": "The cat sat on the mat by the fireplace.", "metadata": {"room": "living"}},
    {"text": "The build failed: test_payments timed out after 30 s.", "created_at": "2024-05-01T08:00:00Z"},
]


def _executable() -> str:
    beside = Path(sys.executable).parent / "agentmem"
    found = str(beside) if beside.exists() else shutil.which("agentmem")
    if found is None:
        pytest.fail("the agentmem executable is not installed: run `pip install -e .`")
    return found


def _agentmem(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTMEM_")}
    env.update(HF_HUB_OFFLINE="1", AGENTMEM_HOME=str(cwd / "home"), COLUMNS="120")
    done = subprocess.run([_executable(), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"agentmem {' '.join(args)} exited {done.returncode}: {done.stderr}"
    assert "Traceback" not in done.stderr
    return done


@pytest.mark.model
def test_add_recall_ls_show_prune_export_import_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "agent.db"
    memories = tmp_path / "memories.jsonl"
    memories.write_text("\n".join(json.dumps(m) for m in MEMORIES) + "\n", encoding="utf-8")
    added = _agentmem(tmp_path, "--db", str(source), "add", "--file", str(memories))
    assert "added 3 memories to namespace 'default'" in added.stdout

    recalled = _agentmem(tmp_path, "--db", str(source), "recall", "a kitten sleeping on a rug", "--touch", "--k", "2")
    lines = recalled.stdout.splitlines()
    assert lines[0] == "Relevant memories:" and lines[1].endswith("The cat sat on the mat by the fireplace.")
    explained = _agentmem(tmp_path, "--db", str(source), "recall", "when does Alice fly?", "--explain").stdout
    assert "relevance" in explained and "Alice's flight" in explained

    listed = json.loads(_agentmem(tmp_path, "--db", str(source), "ls", "--json").stdout)
    assert [m["text"] for m in listed] == [m["text"] for m in MEMORIES]
    assert listed[1]["access_count"] == 1  # touched by the recall above
    shown = _agentmem(tmp_path, "--db", str(source), "show", str(listed[0]["id"])).stdout
    assert "gate B12" in shown and "provenance" in shown

    # The old build failure has the lowest retention: a dry run lists it and changes nothing, --yes archives it.
    preview = json.loads(_agentmem(tmp_path, "--db", str(source), "prune", "--below", "0.3", "--json").stdout)
    assert [m["text"] for m in preview["memories"]] == [MEMORIES[2]["text"]] and preview["applied"] is False
    assert json.loads(_agentmem(tmp_path, "--db", str(source), "ls", "--json").stdout) == listed
    pruned = _agentmem(tmp_path, "--db", str(source), "prune", "--below", "0.3", "--yes").stdout
    assert "archived 1 memories" in pruned
    listed = json.loads(_agentmem(tmp_path, "--db", str(source), "ls", "--json").stdout)
    assert [m["text"] for m in listed] == [m["text"] for m in MEMORIES[:2]]
    archived = json.loads(_agentmem(tmp_path, "--db", str(source), "ls", "--archived", "--json").stdout)
    assert [m["status"] for m in archived] == ["active", "active", "archived"]

    dump = tmp_path / "dump.jsonl"
    _agentmem(tmp_path, "--db", str(source), "export", "--out", str(dump), "--vectors")
    copy = tmp_path / "copy.db"
    assert "imported 3 memories" in _agentmem(tmp_path, "--db", str(copy), "import", str(dump)).stdout
    copied = json.loads(_agentmem(tmp_path, "--db", str(copy), "ls", "--json").stdout)
    assert copied == listed
    assert json.loads(_agentmem(tmp_path, "--db", str(copy), "ls", "--archived", "--json").stdout) == archived

    # The restored vectors search like the originals.
    def ranked(db: Path) -> list[int]:
        out = _agentmem(tmp_path, "--db", str(db), "search", "payments test timeout", "--json").stdout
        return [hit["memory"]["id"] for hit in json.loads(out)]

    assert ranked(copy) == ranked(source)
    assert json.loads(_agentmem(tmp_path, "--db", str(copy), "doctor", "--json").stdout)["ok"] is True
