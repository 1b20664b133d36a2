"""Two agents, one database: each remembers in its own namespace and never recalls the other's memories.

    python examples/multi_agent.py [DATABASE]     # default: a fresh temporary folder

Namespaces share the SQL database (one file, or one PostgreSQL server for agents on several hosts) but each
has its own vector index and its own recall. `agentmem --db DATABASE namespaces` lists them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from agentmem import AgentMemory

SCOUT = [
    ("The north gate is guarded at night by two soldiers with dogs.", 0.8),
    ("A merchant caravan enters through the east gate every Tuesday at dawn.", 0.6),
    ("The guards change shift at the east gate around midnight.", 0.7),
]
COOK = [
    ("The stew needs more salt: Bob complained on Monday.", 0.4),
    ("We are out of saffron; the market sells it on Tuesdays only.", 0.7),
    ("The east gate baker delivers bread before dawn.", 0.3),
]


def main(argv: list[str]) -> None:
    database = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="agentmem-agents-")) / "agents.db"
    with AgentMemory.open(database, namespace="scout") as scout:
        # A second agent on the same database: same connections and model, its own namespace.
        cook = AgentMemory(scout.store.with_namespace("cook"))
        for text, importance in SCOUT:
            scout.observe(text, importance=importance)
        for text, importance in COOK:
            cook.observe(text, importance=importance)

        print(f"database: {database}  namespaces: {', '.join(scout.store.namespaces())}")
        for name, agent, goal in (
            ("scout", scout, "how can I get past the gate unseen?"),
            ("cook", cook, "what should I buy at the market?"),
        ):
            print(f"\n{name} thinks about: {goal}\n{agent.context_for(goal, token_budget=120)}")

        # Both ask the same question: each is answered from its own memories only.
        question = "what happens at the east gate before dawn?"
        for name, agent, own in (("scout", scout, SCOUT), ("cook", cook, COOK)):
            block = agent.context_for(question, token_budget=200)
            mine = {text for text, _ in own}
            lines = block.splitlines()[1:]
            isolated = all(any(line.endswith(text) for text in mine) for line in lines)
            print(f"\n{name} asks: {question}\n{block}\n-> {len(lines)} memories, all {name}'s own: {isolated}")
            if not isolated:
                raise SystemExit(f"{name} recalled another agent's memory")


if __name__ == "__main__":
    main(sys.argv[1:])
