"""Quickstart: remember a few observations, then recall what matters for the current thought.

Runs offline on the embedded default: a SQLite file and the bundled all-MiniLM-L6-v2 model.

    python examples/quickstart.py [DATABASE]     # default: a fresh temporary folder
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from agentmem import MemoryStore


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="agentmem-quickstart-"))
    with MemoryStore.open(folder / "agentmem.db", namespace="quickstart") as store:
        store.add("The cat sat on the mat by the fireplace.", importance=0.3)
        store.add("Alice's flight to Lisbon leaves Friday at 09:40 from gate B12.", importance=0.9)
        store.add("The build failed: test_payments timed out after 30 s.", importance=0.7)
        store.add("Bob prefers green tea to coffee.", importance=0.4)

        query = "a kitten sleeping on a rug"
        print(f"database: {folder / 'agentmem.db'}")
        print(f"query:    {query}")
        for hit in store.search(query, k=2):
            print(f"recalled: {hit.memory.text}  (relevance {hit.relevance:.2f})")


if __name__ == "__main__":
    main(sys.argv[1:])
