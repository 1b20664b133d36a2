from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import Cli
from tests.support import postgres_url

__all__ = ["postgres_url"]


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The developer's AGENTMEM_* settings must not leak into what a command sees."""
    for name in ("AGENTMEM_DB", "AGENTMEM_NAMESPACE", "AGENTMEM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTMEM_HOME", str(tmp_path / "home"))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "memories.db")
