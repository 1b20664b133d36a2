"""Text: token counting, chunks of long texts, prompt assembly. Imports only the core; exports nothing:
the public names are in :mod:`agentmem`."""
