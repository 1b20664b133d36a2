"""A LangChain runnable chain that reads agentmem through AgentMemRetriever: memories stored by one process
are the context another process's chain builds its prompt from.

    python examples/langchain_retriever.py --db memories.db --add "Alice's flight to Lisbon leaves Friday at 09:40."
    python examples/langchain_retriever.py --db memories.db "When does Alice fly?"

The chain is ``{"context": retriever | format, "question": passthrough} | prompt``: the retriever returns
the memories that matter most for the question (relevance, recency, importance) within a token budget, as
``Document`` s carrying each memory's score components. No model is called: the chain ends at the prompt
a chat model would get. Needs ``pip install 'agentmem[langchain]'``.
"""

from __future__ import annotations

import argparse

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from agentmem import MemoryStore
from agentmem.adapters import embedder_named
from agentmem.adapters.langchain import AgentMemRetriever


def format_documents(documents: list[Document]) -> str:
    return "\n".join(f"- ({d.metadata['score']:.2f}) {d.page_content}" for d in documents)


def prompt(parts: dict[str, str]) -> str:
    return f"Answer from these memories:\n{parts['context']}\n\nQuestion: {parts['question']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default="When does Alice fly?")
    parser.add_argument("--db", default="langchain-memories.db", help="SQLite file (kept between runs)")
    parser.add_argument("--namespace", default="alice")
    parser.add_argument("--add", action="append", default=[], help="remember this text (repeatable), then exit")
    parser.add_argument("--model", default=None, help="embedding model (default: the bundled all-MiniLM-L6-v2)")
    args = parser.parse_args()
    with MemoryStore.open(args.db, namespace=args.namespace, embedder=embedder_named(args.model)) as memory:
        if args.add:
            memory.add_many(args.add)
            print(f"remembered {len(args.add)} memories in {args.db}")
            return
        retriever = AgentMemRetriever(memory=memory, k=3, token_budget=200)
        chain = {"context": retriever | RunnableLambda(format_documents), "question": RunnablePassthrough()}
        print((chain | RunnableLambda(prompt)).invoke(args.question))


if __name__ == "__main__":
    main()
