"""agentmem: long-term vector memory for autonomous agents.

SQL (SQLite by default, PostgreSQL to share) holds every memory and its vector; a FAISS index per
namespace is a rebuildable cache for search. Importing agentmem loads neither torch nor faiss.
"""

from __future__ import annotations

from agentmem.config import Chunking, MemoryPolicy, QueryPolicy, RecallConfig, ReflectionPolicy, Scoring
from agentmem.consolidation.importance import HeuristicImportance
from agentmem.consolidation.summaries import ExtractiveSummarizer
from agentmem.embedders import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from agentmem.errors import (
    AgentMemError,
    ConfigError,
    EmbedderMismatchError,
    IndexCorruptError,
    LLMError,
    MemoryNotFoundError,
    MissingDependencyError,
    SchemaError,
    SchemaOutOfDateError,
)
from agentmem.llm import ChatClient
from agentmem.llm.importance import LLMImportance
from agentmem.llm.summaries import LLMSummarizer
from agentmem.store.memory_store import MemoryStore
from agentmem.types import (
    ExportedMemory,
    ImportanceScorer,
    MemoryFilter,
    MemoryRecord,
    Message,
    NamespaceStats,
    NewMemory,
    PromptMemory,
    PruneResult,
    Reflection,
    ScoredMemory,
    SearchHit,
    Summarizer,
    Tokenizer,
)

__all__ = [
    "AgentMemError",
    "ChatClient",
    "Chunking",
    "ConfigError",
    "Embedder",
    "EmbedderMismatchError",
    "ExportedMemory",
    "ExtractiveSummarizer",
    "HashingEmbedder",
    "HeuristicImportance",
    "ImportanceScorer",
    "IndexCorruptError",
    "LLMError",
    "LLMImportance",
    "LLMSummarizer",
    "MemoryFilter",
    "MemoryNotFoundError",
    "MemoryPolicy",
    "MemoryRecord",
    "MemoryStore",
    "Message",
    "MissingDependencyError",
    "NamespaceStats",
    "NewMemory",
    "PromptMemory",
    "PruneResult",
    "QueryPolicy",
    "RecallConfig",
    "Reflection",
    "ReflectionPolicy",
    "SchemaError",
    "SchemaOutOfDateError",
    "ScoredMemory",
    "Scoring",
    "SearchHit",
    "SentenceTransformerEmbedder",
    "Summarizer",
    "Tokenizer",
]

__version__ = "0.1.0"
