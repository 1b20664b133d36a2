"""Consolidation: the importance heuristic, extractive summaries, grouping for reflection, retention. Imports
only the core; exports nothing: the public names are in :mod:`agentmem`. The LLM-backed scorer and
summarizer live with the LLM client in :mod:`agentmem.llm`."""
