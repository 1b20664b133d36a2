"""The faiss module, imported on first use and configured for this machine.

Importing faiss costs time and memory that most imports of agentmem never need, so every FAISS kind gets
the module through :func:`_faiss` only, which also sets FAISS's OpenMP thread count for the calling thread.
OpenMP keeps that count per thread: a thread that never set it (a server's worker thread) runs one OpenMP
thread per core, so the index kinds call :func:`_faiss` on entry to every operation that searches or adds.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

__all__ = ["DEFAULT_FAISS_THREADS", "THREADS_ENV_VAR"]

THREADS_ENV_VAR = "AGENTMEM_FAISS_THREADS"
# Measured at 100k x 384 on the 2-core target: one query took 32-45 ms with FAISS's default 2 OpenMP
# threads and 6-10 ms with 1 (the same spin-wait collapse MEASURED.md shows for torch). Single queries are
# memory-bandwidth bound, so one thread loses nothing on an idle machine either.
DEFAULT_FAISS_THREADS = 1
_configured = threading.local()


def _faiss() -> ModuleType:
    # Deliberately lazy: importing faiss costs time and memory that most imports of agentmem never need.
    import faiss

    if not getattr(_configured, "done", False):
        raw = os.environ.get(THREADS_ENV_VAR, "").strip()
        threads = int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_FAISS_THREADS
        faiss.omp_set_num_threads(threads)  # this thread's count (unlike torch's, which is process-wide)
        _configured.done = True
    return faiss
