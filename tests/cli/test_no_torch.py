"""Commands that embed nothing never import torch or load the model (checked in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentmem import MemoryStore
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder

# Runs the commands in-process with typer's CliRunner, then reports what got imported.
_SCRIPT = r"""
import json, sys
from typer.testing import CliRunner
from agentmem.cli.app import app
from agentmem.embedders.sentence_transformers import load_calls

db, commands = sys.argv[1], json.loads(sys.argv[2])
codes = {}
for args in commands:
    result = CliRunner().invoke(app, ["--db", db, *args], catch_exceptions=False)
    codes[" ".join(args)] = result.exit_code
print(json.dumps({
    "codes": codes,
    "torch": "torch" in sys.modules,
    "sentence_transformers": "sentence_transformers" in sys.modules,
    "models_loaded": load_calls(),
}))
"""


def _run(db: Path, commands: list[list[str]], home: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTMEM_")}
    env.update(HF_HUB_OFFLINE="1", AGENTMEM_HOME=str(home))
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(db), json.dumps(commands)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Path:
    """A database built with the real default model, as an agent would leave it."""
    db = tmp_path_factory.mktemp("no-torch") / "memories.db"
    with MemoryStore.open(db, embedder=real_embedder) as store:
        store.add_many(["Alice's flight leaves Friday.", "The cat sat on the mat.", "Bob prefers tea."])
        store.with_namespace("other").add("Another agent's memory.")
    return db


@pytest.mark.model
def test_commands_that_embed_nothing_never_load_the_model(database: Path, tmp_path: Path) -> None:
    commands = [
        ["init"],
        ["migrate", "--check"],
        ["migrate"],
        ["ls"],
        ["ls", "--json", "--kind", "observation"],
        ["show", "1"],
        ["show", "1", "--json"],
        ["stats"],
        ["stats", "--all", "--json"],
        ["namespaces"],
        ["export"],
        ["export", "--vectors"],
        ["doctor"],
        ["reindex"],
        ["prune", "--max-active", "2"],
        ["prune", "--max-active", "2", "--yes"],
        ["restore", "1", "2", "3"],
        ["forget", "2", "--yes"],
    ]
    report = _run(database, commands, tmp_path)
    assert report["codes"] == {" ".join(c): 0 for c in commands}
    assert report["torch"] is False
    assert report["sentence_transformers"] is False
    assert report["models_loaded"] == 0


@pytest.mark.model
def test_the_check_would_see_a_command_that_embeds(database: Path, tmp_path: Path) -> None:
    report = _run(database, [["search", "a kitten on a rug"]], tmp_path)
    assert report["codes"] == {"search a kitten on a rug": 0}
    assert report["models_loaded"] == 1
    # A short query runs on the numpy path (agentmem/embedders/minilm.py): the model loads, torch does not.
    assert report["torch"] is False
