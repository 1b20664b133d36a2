"""Fixtures shared by every test package."""

from __future__ import annotations

import os

# Before anything can import huggingface_hub: tests must never reach for the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from benchmarks.common import DATA, DATA_ENV


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.data("locomo10.json")``: the test reads that file of the evaluation data folder.

    Outside CI a clone without the folder skips such tests, saying where the data goes; under CI (``CI`` set)
    a missing file fails the test: CI must never pass by skipping what it is meant to run.
    """
    for marker in item.iter_markers("data"):
        for name in marker.args:
            path = DATA / name
            if path.is_file():
                continue
            where = f"{path} is missing: put the evaluation data there (README: Evaluation data) or set {DATA_ENV}"
            if os.environ.get("CI"):
                pytest.fail(f"CI runs every data-bound test: {where}", pytrace=False)
            pytest.skip(f"needs {name}: {where}")


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The real default model (bundled all-MiniLM-L6-v2), loaded once and shared by the whole session."""
    return SentenceTransformerEmbedder()
