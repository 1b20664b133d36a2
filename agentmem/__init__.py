"""agentmem: long-term vector memory for autonomous agents.

SQL (SQLite by default, PostgreSQL to share) holds every memory and its vector; a FAISS index per
namespace is a rebuildable cache for search. Importing agentmem loads neither torch nor faiss.

Every public name is here; the packages below (``store``, ``ranking``, ``text``, ``consolidation``,
``db``, ``index``) are internal and their names may change.
"""

from __future__ import annotations

from agentmem.config import Chunking, MemoryPolicy, QueryPolicy, RecallConfig, ReflectionPolicy, Scoring
from agentmem.consolidation.importance import HeuristicImportance
from agentmem.consolidation.summaries import ExtractiveSummarizer
from agentmem.consolidation.updates import ValueChangeDetector
from agentmem.embedders.hashing import HashingEmbedder
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from agentmem.errors import (
    AgentMemError,
    ConfigError,
    DatabaseError,
    EmbedderMismatchError,
    ImportRejectedError,
    IndexCorruptError,
    LLMError,
    MemoryNotFoundError,
    MissingDependencyError,
    SchemaError,
    SchemaOutOfDateError,
)
from agentmem.llm.importance import LLMImportance
from agentmem.llm.openai_compatible import ChatClient
from agentmem.llm.summaries import LLMSummarizer
from agentmem.llm.updates import LLMUpdateJudge
from agentmem.ranking.floor import RelevanceFloor
from agentmem.ranking.queries import QueryInput, message_text, parse_message_list
from agentmem.store.agent import AgentMemory
from agentmem.store.jsonl import memory_from_json, memory_to_json, read_jsonl, write_jsonl
from agentmem.store.memory_store import MemoryStore
from agentmem.store.schema import DatabaseSchema, database_location, database_schema, migrate_database
from agentmem.store.validation import validate_memories
from agentmem.text.prompt import render_line
from agentmem.types import (
    AddOutcome,
    Embedder,
    ExportedMemory,
    ImportanceScorer,
    JSONValue,
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
    UpdateJudge,
)

__all__ = [
    "AddOutcome",
    "AgentMemError",
    "AgentMemory",
    "ChatClient",
    "Chunking",
    "ConfigError",
    "DatabaseError",
    "DatabaseSchema",
    "Embedder",
    "EmbedderMismatchError",
    "ExportedMemory",
    "ExtractiveSummarizer",
    "HashingEmbedder",
    "HeuristicImportance",
    "ImportRejectedError",
    "ImportanceScorer",
    "IndexCorruptError",
    "JSONValue",
    "LLMError",
    "LLMImportance",
    "LLMSummarizer",
    "LLMUpdateJudge",
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
    "QueryInput",
    "QueryPolicy",
    "RecallConfig",
    "Reflection",
    "ReflectionPolicy",
    "RelevanceFloor",
    "SchemaError",
    "SchemaOutOfDateError",
    "ScoredMemory",
    "Scoring",
    "SearchHit",
    "SentenceTransformerEmbedder",
    "Summarizer",
    "Tokenizer",
    "UpdateJudge",
    "ValueChangeDetector",
    "database_location",
    "database_schema",
    "memory_from_json",
    "memory_to_json",
    "message_text",
    "migrate_database",
    "parse_message_list",
    "read_jsonl",
    "render_line",
    "validate_memories",
    "write_jsonl",
]

__version__ = "0.1.0"
