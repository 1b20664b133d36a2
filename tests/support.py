"""Shared test fixtures: a counting fake embedder, real SQLite files and a fresh PostgreSQL schema per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import create_engine, text

from agentmem import HashingEmbedder

POSTGRES_URL = os.environ.get("AGENTMEM_TEST_POSTGRES_URL")


class CountingEmbedder:
    """A HashingEmbedder that records every text it embeds."""

    def __init__(self, dimensions: int = 64) -> None:
        self._inner = HashingEmbedder(dimensions)
        self.calls: list[list[str]] = []

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimensions(self) -> int:
        return self._inner.dimensions

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(list(texts))
        return self._inner.embed(texts)

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections live in a fresh schema of the test PostgreSQL database, dropped after."""
    if not POSTGRES_URL:
        pytest.skip("AGENTMEM_TEST_POSTGRES_URL is not set")
    schema = f"agentmem_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test body against a SQLite file and a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "memories.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["faiss", "exact", "hnsw", "sq8"])
def index_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)
