"""Ranking: pure numbers. Scoring, the exact and scale paths, certification, scoring attributes, query plans
from messages, the times a query names. Imports only the core (types, config, errors, vectors); exports
nothing: the public names are in :mod:`agentmem`."""
