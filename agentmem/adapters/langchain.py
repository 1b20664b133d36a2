"""agentmem for LangChain: a retriever over a memory namespace, and LangChain embeddings as an agentmem embedder.

- :class:`AgentMemRetriever` (a ``langchain_core.retrievers.BaseRetriever``): a query becomes the
  ``Document`` s of the memories that matter most for it, ranked by relevance, recency and importance, each
  with its memory's metadata and the components of its score. With a ``token_budget`` the documents are
  exactly those of :meth:`agentmem.MemoryStore.recall`'s block: what fits, near-duplicates left out.
- :class:`LangChainEmbedder`: any LangChain ``Embeddings`` (or LangGraph embedding function wrapped by
  ``langgraph.store.base.ensure_embeddings``) as an :class:`agentmem.Embedder`.

Needs ``pip install 'agentmem[langchain]'``; ``import agentmem`` never imports this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agentmem import ConfigError, MemoryFilter, MemoryStore, MissingDependencyError, ScoredMemory, Scoring

try:
    from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(exc.name or "langchain_core", extra="langchain") from exc

__all__ = ["AgentMemRetriever", "LangChainEmbedder", "default_model_id", "document_of"]


class LangChainEmbedder:
    """A LangChain ``Embeddings`` as an :class:`agentmem.Embedder` (rows scaled to unit length).

    Args:
        embeddings: the LangChain embeddings; one that wraps only an async function (LangGraph's
            ``EmbeddingsLambda``) is run to completion on a private event loop.
        dimensions: the length of its vectors.
        model_id: a stable name recorded with each namespace; default: the class (and its ``model`` or
            ``model_name`` attribute, when it has one).

    Raises:
        ConfigError: ``dimensions`` is not a positive integer.
    """

    def __init__(self, embeddings: Embeddings, *, dimensions: int, model_id: str | None = None) -> None:
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
            raise ConfigError(f"dimensions must be a positive integer, not {dimensions!r}")
        self._embeddings = embeddings
        self._dimensions = dimensions
        self._model_id = model_id or default_model_id(embeddings)
        # LangGraph's wrapper of an async-only function raises on the sync call.
        self._async_only = hasattr(embeddings, "afunc") and not hasattr(embeddings, "func")

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed through the LangChain embeddings; raises ConfigError on vectors of the wrong length."""
        batch = list(texts)
        if not batch:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        if self._async_only:
            raw = asyncio.run(self._embeddings.aembed_documents(batch))
        else:
            raw = self._embeddings.embed_documents(batch)
        vectors = np.asarray(raw, dtype=np.float32)
        if vectors.shape != (len(batch), self._dimensions):
            raise ConfigError(
                f"embeddings {self._model_id} returned shape {vectors.shape} for {len(batch)} texts; the index "
                f"config says dims={self._dimensions}"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # A zero vector stays zero (cosine 0 with everything), as LangGraph's own stores treat it.
        return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def default_model_id(embeddings: object) -> str:
    """A stable name for LangChain embeddings: their class, and their model when they name one."""
    target = getattr(embeddings, "func", None) or getattr(embeddings, "afunc", None) or embeddings
    kind = target if callable(target) and not isinstance(target, Embeddings) else type(target)
    name = f"langchain:{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', type(kind).__name__)}"
    model = getattr(embeddings, "model", None) or getattr(embeddings, "model_name", None)
    return f"{name}:{model}" if isinstance(model, str) and model else name


def document_of(scored: ScoredMemory, *, truncated: bool = False) -> Document:
    """A LangChain document of a ranked memory: its text, its fields and the components of its score."""
    memory = scored.memory
    return Document(
        id=str(memory.id),
        page_content=memory.text,
        metadata={
            "memory_id": memory.id,
            "namespace": memory.namespace,
            "key": memory.key,
            "kind": memory.kind,
            "created_at": memory.created_at.isoformat(),
            "last_accessed_at": memory.last_accessed_at.isoformat(),
            "access_count": memory.access_count,
            "score": scored.score,
            "relevance": scored.relevance,
            "recency": scored.recency,
            "importance": scored.importance,
            "truncated": truncated,
            "metadata": dict(memory.metadata),
        },
    )


class AgentMemRetriever(BaseRetriever):
    """The memories of one agentmem namespace that matter most for a query, as LangChain documents.

    Attributes:
        memory: the namespace to read (a :class:`agentmem.MemoryStore`).
        k: at most this many documents.
        token_budget: when set, the documents of the block :meth:`~agentmem.MemoryStore.recall` builds for
            this many tokens (the best that fit; near-duplicates left out); None: the ``k`` best.
        where: only memories this filter lets through (kinds, metadata, time ranges, archived).
        scoring: weights and half-life; default: the store's.
        hybrid: fuse lexical matches into relevance; default: the store's setting.
        touch: record an access on the memories returned (recency counts from it), as recall does.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: MemoryStore
    k: int = 4
    token_budget: int | None = None
    where: MemoryFilter | None = None
    scoring: Scoring | None = None
    hybrid: bool | None = None
    touch: bool = True

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        if not query.strip():
            return []
        if self.token_budget is None:
            ranked = self.memory.retrieve(
                query, k=self.k, where=self.where, scoring=self.scoring, hybrid=self.hybrid, touch=self.touch
            )
            return [document_of(m) for m in ranked]
        block = self.memory.recall(
            query,
            token_budget=self.token_budget,
            k=self.k,
            where=self.where,
            scoring=self.scoring,
            hybrid=self.hybrid,
            touch=self.touch,
        )
        cut = set(block.truncated_ids)
        return [document_of(m, truncated=m.memory.id in cut) for m in block.memories]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        # SQL, FAISS and the embedding model block: run them off the event loop.
        return await asyncio.to_thread(self._get_relevant_documents, query, run_manager=run_manager.get_sync())
