"""Alembic environment and revisions of agentmem's schema (installed as ``agentmem.migrations``)."""
