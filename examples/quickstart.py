"""Quickstart: remember a few observations, then recall what matters for the current thought.

Runs offline on the embedded default: a SQLite file and the bundled all-MiniLM-L6-v2 model.

    python examples/quickstart.py [FOLDER]     # default: a fresh temporary folder
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from agentmem import MemoryStore, NewMemory


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="agentmem-quickstart-"))
    now = datetime.now(timezone.utc)
    with MemoryStore.open(folder / "agentmem.db", namespace="quickstart") as store:
        store.add_many(
            [
                NewMemory(
                    "The cat sat on the mat by the fireplace.", importance=0.3, created_at=now - timedelta(days=2)
                ),
                NewMemory("Alice's flight to Lisbon leaves Friday at 09:40 from gate B12.", importance=0.9),
                NewMemory("The build failed: test_payments timed out after 30 s.", importance=0.7),
                NewMemory("Bob prefers green tea to coffee.", importance=0.4),
            ]
        )
        query = "a kitten sleeping on a rug"
        print(f"database: {folder / 'agentmem.db'}")
        print(f"query:    {query}")
        best = store.retrieve(query, k=1)[0]
        print(f"recalled: {best.memory.text}  (score {best.score:.2f}, relevance {best.relevance:.2f})")
        print()
        block = store.recall("when does Alice fly?", token_budget=60)
        print(f"prompt block for 'when does Alice fly?' ({block.tokens} of 60 tokens):")
        print(block.text)


if __name__ == "__main__":
    main(sys.argv[1:])
