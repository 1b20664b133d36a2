"""Time to live of LangGraph items: which memories expired, and the thread that sweeps them."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from agentmem import AgentMemError, MemoryFilter, MemoryStore
from agentmem.adapters.langgraph.items import view_of

__all__ = ["TTLSweeper", "expired_ids"]

logger = logging.getLogger("agentmem")

PAGE = 2000


def expired_ids(store: MemoryStore, now: datetime) -> list[int]:
    """Ids of the namespace's items past their time to live (archived ones too).

    Only memories marked ``expiring`` are read: the SQL filter leaves out every item without a TTL.
    """
    where = MemoryFilter(metadata={"expiring": True}, include_archived=True)
    expired: list[int] = []
    offset = 0
    while True:
        page = store.list_memories(where=where, limit=PAGE, offset=offset)
        expired.extend(m.id for m in page if m.key is not None and view_of(m).expired(now))
        if len(page) < PAGE:
            return expired
        offset += PAGE


class TTLSweeper:
    """Calls ``sweep`` every interval in a daemon thread until stopped (LangGraph's SQL stores' sweeper).

    Args:
        sweep: deletes what expired and returns how many.
    """

    def __init__(self, sweep: Callable[[], int]) -> None:
        self._sweep = sweep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, interval_minutes: float) -> concurrent.futures.Future[None]:
        """Start sweeping (a second start while running returns a future of the running sweeper)."""
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        future.add_done_callback(lambda f: self._stop.set() if f.cancelled() else None)
        if self._thread is not None and self._thread.is_alive():
            return future
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval_minutes * 60):
                try:
                    swept = self._sweep()
                except AgentMemError:
                    # A failed sweep deletes nothing; the next one retries. Never a silent data change.
                    logger.exception("TTL sweep failed; retrying at the next interval")
                    continue
                if swept:
                    logger.info("TTL sweep deleted %d expired items", swept)
            if not future.done():
                future.set_result(None)

        self._thread = threading.Thread(target=loop, daemon=True, name="agentmem-ttl-sweeper")
        self._thread.start()
        return future

    def stop(self, *, timeout: float | None) -> bool:
        """Stop the thread; False if it is still running after ``timeout`` seconds."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return True
        self._stop.set()
        thread.join(timeout)
        if thread.is_alive():
            return False
        self._thread = None
        return True
