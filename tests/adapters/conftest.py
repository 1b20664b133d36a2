from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import db_url, postgres_url

__all__ = ["db_url", "postgres_url"]


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Backend selection reads the environment: start every test from a clean one."""
    for name in ("MEMORY_BACKEND", "AGENTMEM_DB", "AGENTMEM_NAMESPACE", "AGENTMEM_MODEL", "AGENTMEM_WIPE_ON_INIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTMEM_HOME", str(tmp_path / "home"))
