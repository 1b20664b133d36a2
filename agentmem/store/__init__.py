"""The store layer: the one :class:`~agentmem.MemoryStore` and what it runs (adding, recalling, upkeep,
import and export, replicas, the embedding cache, input validation). Exports nothing: the public names
are in :mod:`agentmem`."""
