"""Embedders: text to unit-norm float32 vectors.

Importing this package stays cheap: torch and sentence-transformers are imported only when
:class:`SentenceTransformerEmbedder` first needs its model.
"""

from __future__ import annotations

from agentmem.embedders.base import Embedder, content_hash
from agentmem.embedders.hashing import HashingEmbedder
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder

__all__ = ["Embedder", "HashingEmbedder", "SentenceTransformerEmbedder", "content_hash"]
