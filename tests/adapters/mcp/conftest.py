from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentmem import HashingEmbedder, MemoryStore
from agentmem.adapters.mcp import MemoryService


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "memories.db"


@pytest.fixture
def service(db: Path) -> Iterator[MemoryService]:
    """A server's service on a real SQLite file with the fast embedder, pinned to namespace ``agent``."""
    store = MemoryStore.open(db, namespace="agent", embedder=HashingEmbedder(64))
    service = MemoryService(store, pinned=True, read_only=False)
    yield service
    service.close()
