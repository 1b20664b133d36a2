"""Real processes for the campaigns, forked from a server that imported agentmem once.

A fresh interpreter takes over a second to import agentmem; a hundred SIGKILLs would spend their time
starting Python. The forkserver imports agentmem and what it loads on first use (FAISS, Alembic,
tokenizers; not torch, and it starts no thread) once and forks each child from it: a real process with
its own engine, replicas and index files, started in milliseconds, killed by a real SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["CONTEXT", "LONG", "join_all", "start"]

CONTEXT: ForkServerContext = multiprocessing.get_context("forkserver")
# What a child would import on its first open, search and recall: started children skip it.
PRELOAD = ["alembic.command", "alembic.runtime.migration", "faiss", "sqlite3", "tokenizers", "zoneinfo"]
CONTEXT.set_forkserver_preload([*PRELOAD, "tests.campaigns.workers", "tests.campaigns.mixed_operations"])

LONG = os.environ.get("AGENTMEM_CAMPAIGN") == "long"
"""``AGENTMEM_CAMPAIGN=long``: the campaigns run their long budgets (CI runs the bounded ones)."""


def start(target: Callable[..., None], *args: Any) -> BaseProcess:
    process = CONTEXT.Process(target=target, args=args, daemon=True)
    process.start()
    return process


def join_all(processes: Sequence[BaseProcess], *, timeout: float) -> list[int | None]:
    """Wait for every process; the exit codes (None: still running after ``timeout``, then killed)."""
    codes: list[int | None] = []
    for process in processes:
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join(5)
            codes.append(None)
        else:
            codes.append(process.exitcode)
    return codes
