"""A LangGraph graph whose long-term memory is agentmem: run it twice, the second run remembers the first.

    python examples/langgraph_memory.py --db m.db "Remember: my flight to Lisbon leaves Friday at 09:40"
    python examples/langgraph_memory.py --db m.db "When does my flight leave?"

The graph has two nodes. ``remember`` stores what the user asks to be remembered through the store LangGraph
injects; ``recall`` searches it by meaning for the current message and builds the context a model would get.
The store is an ``AgentMemStore`` on a SQLite file: a second process finds what the first stored, ranked by
relevance, recency and importance (the bundled all-MiniLM-L6-v2 model embeds, offline). Needs
``pip install 'agentmem[langgraph]'``.
"""

from __future__ import annotations

import argparse
import uuid
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore

from agentmem.adapters import embedder_named
from agentmem.adapters.langgraph import AgentMemStore


class State(TypedDict, total=False):
    user: str
    message: str
    context: list[str]


def remember(state: State, *, store: BaseStore) -> State:
    """Store the message when it asks to be remembered (a real agent would let the model decide)."""
    message = state["message"]
    if message.lower().startswith("remember"):
        fact = message.split(":", 1)[-1].strip()
        store.put(("memories", state["user"]), str(uuid.uuid4()), {"text": fact, "source": "user"})
    return {}


def recall(state: State, *, store: BaseStore) -> State:
    """The user's memories that matter most for the message, best first, as prompt lines."""
    hits = store.search(("memories", state["user"]), query=state["message"], limit=3)
    return {"context": [f"{hit.score:.3f} {hit.value['text']}" for hit in hits]}


def build(store: BaseStore) -> object:
    graph = StateGraph(State)
    graph.add_node("remember", remember)
    graph.add_node("recall", recall)
    graph.add_edge(START, "remember")
    graph.add_edge("remember", "recall")
    graph.add_edge("recall", END)
    return graph.compile(store=store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("message", nargs="?", default="When does my flight leave?")
    parser.add_argument("--db", default="langgraph-memories.db", help="SQLite file (kept between runs)")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--model", default=None, help="embedding model (default: the bundled all-MiniLM-L6-v2)")
    args = parser.parse_args()
    with AgentMemStore(args.db, embedder=embedder_named(args.model), index={"fields": ["text"]}) as store:
        app = build(store)
        result = app.invoke({"user": args.user, "message": args.message})  # type: ignore[attr-defined]
        print("context for the model:")
        for line in result.get("context", []):
            print(f"- {line}")


if __name__ == "__main__":
    main()
