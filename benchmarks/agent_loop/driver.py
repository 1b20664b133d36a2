"""Runs inside the Auto-GPT venv: Auto-GPT 0.2.2's own command line, with the time of its memory calls taken.

    python driver.py BACKEND TIMINGS_FILE AUTOGPT_OPTION...

``BACKEND`` is ``agentmem``, plugged in the documented way (:func:`agentmem.adapters.autogpt_run.install`,
what ``python -m agentmem.adapters.autogpt_run`` does before it starts Auto-GPT's CLI), or ``local``,
Auto-GPT's own LocalCache (``MEMORY_BACKEND=local``). Every call the loop makes to its memory object
(``add``, ``get``, ``get_relevant``, ``get_stats``, ``clear``) and to the memory factory is timed and
appended to ``TIMINGS_FILE`` as a JSON line ``{"call": ..., "seconds": ...}``; a call made inside another
one is part of the outer one's time. Nothing else is touched: Auto-GPT's files and loop are its own.

This file imports only the standard library, Auto-GPT and agentmem (it is not run from the checkout's venv).
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

_METHODS = ("add", "get", "get_relevant", "get_stats", "clear")


def main() -> None:
    backend, timings, *options = sys.argv[1:]
    with Path(timings).open("a", encoding="utf-8") as out:
        depth = [0]
        if backend == "agentmem":
            from agentmem.adapters.autogpt import AgentMemMemory
            from agentmem.adapters.autogpt_run import install

            install()
            memory_class: type = AgentMemMemory
        elif backend == "local":
            from autogpt.memory.local import LocalCache

            memory_class = LocalCache
        else:
            raise SystemExit(f"unknown backend {backend!r}: agentmem or local")
        for name in _METHODS:
            _time(memory_class, name, name, out, depth)
        import autogpt.memory

        _time(autogpt.memory, "get_memory", "factory", out, depth)
        from autogpt.cli import main as autogpt_main

        autogpt_main(args=options, prog_name="autogpt")


def _time(owner: Any, attribute: str, label: str, out: TextIO, depth: list[int]) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - started
            depth[0] -= 1
            if depth[0] == 0:
                out.write(json.dumps({"call": label, "seconds": seconds}) + "\n")
                out.flush()

    setattr(owner, attribute, timed)


if __name__ == "__main__":
    main()
