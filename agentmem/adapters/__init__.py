"""Plugging agentmem into other programs, configured by strings (environment variables, config files).

- :mod:`agentmem.adapters.autogpt`: the classic Auto-GPT memory provider, and
  :mod:`agentmem.adapters.autogpt_run`, which runs unmodified Auto-GPT 0.2.2 with it.
- :mod:`agentmem.adapters.mcp`: the MCP server behind ``agentmem mcp`` (extra ``mcp``).
- :func:`embedder_named`: the embedder a model name from configuration means; the ``agentmem`` CLI's
  ``--model`` and the Auto-GPT backend's ``AGENTMEM_MODEL`` both go through it.

Importing this package imports neither torch nor the adapters' target frameworks.
"""

from __future__ import annotations

from agentmem import ConfigError, Embedder, HashingEmbedder, SentenceTransformerEmbedder

__all__ = ["DB_ENV", "HASHING_PREFIX", "MCP_TOKEN_ENV", "MODEL_ENV", "NAMESPACE_ENV", "embedder_named"]

DB_ENV = "AGENTMEM_DB"
"""Environment variable holding the database path or URL."""

NAMESPACE_ENV = "AGENTMEM_NAMESPACE"
"""Environment variable holding the namespace (agent or user) to use."""

MODEL_ENV = "AGENTMEM_MODEL"
"""Environment variable holding the embedding model's name (see :func:`embedder_named`)."""

MCP_TOKEN_ENV = "AGENTMEM_MCP_TOKEN"
"""Environment variable holding the bearer token the MCP server's HTTP clients must send."""

HASHING_PREFIX = "hashing-"
"""Model names ``hashing-<dimensions>`` select the dependency-free :class:`~agentmem.HashingEmbedder`."""


def embedder_named(name: str | None) -> Embedder:
    """The embedder a model name from configuration stands for. Nothing is loaded here.

    Args:
        name: None or blank for the bundled all-MiniLM-L6-v2; ``hashing-<N>`` (e.g. ``hashing-64``) for
            :class:`~agentmem.HashingEmbedder` with N dimensions, the dependency-free, deterministic test
            embedder (lexical similarity only, no torch); anything else is a sentence-transformers hub name
            or local model folder.

    Returns:
        The embedder; a sentence-transformers model is loaded on its first ``embed``.

    Raises:
        ConfigError: ``hashing-`` followed by something other than a positive integer, or a model name
            that looks like a path to a folder that does not exist.
    """
    if name is None or not name.strip():
        return SentenceTransformerEmbedder()
    name = name.strip()
    if name.startswith(HASHING_PREFIX):
        size = name[len(HASHING_PREFIX) :]
        if not size.isdigit() or int(size) < 1:
            raise ConfigError(f"model {name!r}: expected {HASHING_PREFIX}<dimensions>, such as {HASHING_PREFIX}64")
        return HashingEmbedder(int(size))
    return SentenceTransformerEmbedder(name)
