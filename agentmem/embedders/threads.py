"""agentmem's thread count for its own encode calls, scoped to each call: torch's and numpy's BLAS pools.

Both settings are process-global. Set once and left, they would move the host application's own torch or numpy
code to agentmem's count; so each is set for the block of one agentmem call (an encode, a recall's ranking) and
given back after, in the same thread. A host thread running torch or BLAS at the same moment runs with agentmem's
count for that moment.

agentmem's BLAS-limited blocks run one at a time (a process-wide lock): OpenBLAS (0.3.31, numpy's wheels) ignores
a thread's change of a count that another thread set, so blocks that overlapped across threads could give the
count back in a thread that cannot, and leave the host's BLAS on agentmem's count. Each block is short (one
ranking's matrix-vector product, ~1 ms at 10k memories; one encode batch).

The lock is a leaf: a block holds arithmetic alone and never takes another lock inside (the database's, an
index pool's). A write embeds while it holds the database's lock; a ranking block that then waited for that
lock would hold this one against the write's encode, and both would wait for ever.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["blas_threads", "torch_threads"]

_controller_lock = threading.Lock()
_controller: Any = None
_blas_lock = threading.RLock()  # re-entrant: a block inside another, in one thread, nests its own count


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch's intra-op thread count set to ``threads`` for the block, then given back."""
    import torch

    previous = torch.get_num_threads()
    # Set even when the count reads the same: torch reads it from OpenMP, whose per-thread count FAISS also
    # sets (to 1, agentmem.index.faiss_runtime), while MKL's own count stays where it was. Skipping the call
    # then left MKL on every core: 8x the CPU per query, measured, once FAISS had run on the thread.
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def blas_threads(threads: int) -> Iterator[None]:
    """numpy's BLAS (OpenBLAS in numpy's wheels) limited to ``threads`` for the block, then given back.

    Measured on the 2-core target with other work running: one 12-token query through
    :mod:`agentmem.embedders.bert_numpy` took 12 ms on one BLAS thread and 148 ms on OpenBLAS's default of
    every core, whose threads wait for each other. Setting and restoring the limit costs ~14 µs. Blocks run
    one at a time (see the module docs).
    """
    with _blas_lock, _blas_controller().limit(limits=threads, user_api="blas"):
        yield


def _blas_controller() -> Any:
    global _controller
    with _controller_lock:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        return _controller
