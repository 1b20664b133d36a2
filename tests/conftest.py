"""Fixtures shared by every test package."""

from __future__ import annotations

import os

# Before anything can import huggingface_hub: tests must never reach for the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The real default model (bundled all-MiniLM-L6-v2), loaded once and shared by the whole session."""
    return SentenceTransformerEmbedder()
