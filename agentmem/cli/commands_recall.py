"""Commands that query by meaning: recall (what the agent would be shown) and search (similarity only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agentmem import MemoryStore, PromptMemory, QueryInput, RelevanceFloor, ScoredMemory
from agentmem.cli.commands_memories import JsonFlag
from agentmem.cli.render import block_json, err, hit_json, out, print_json
from agentmem.cli.settings import settings_of
from agentmem.cli.tables import explain_table, search_table

__all__ = ["recall", "search"]


def recall(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="What the agent is thinking about.")] = None,
    messages: Annotated[
        str | None,
        typer.Option(
            "--messages",
            metavar="FILE",
            help="Recall for recent messages instead: a JSON list of {role, content}, newest last ('-': stdin).",
        ),
    ] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, help="At most this many memories.")] = None,
    budget: Annotated[int | None, typer.Option("--budget", min=0, help="Tokens the block may take.")] = None,
    hybrid: Annotated[
        bool | None, typer.Option("--hybrid/--no-hybrid", metavar="", help="Fuse lexical matches into relevance.")
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", metavar="", help="Show the score components of each memory, and what was cut and why."
        ),
    ] = False,
    touch: Annotated[
        bool,
        typer.Option(
            "--touch/--no-touch", metavar="", help="Record an access on what is recalled, as an agent's recall does."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """The memories that matter most for QUERY (or the --messages), as the token-budgeted block an agent's
    prompt gets.

    Ranked by relevance, recency and importance. Looking does not change what the agent will recall
    (no access is recorded) unless --touch is given.
    """
    settings = settings_of(ctx)
    asked = _query_or_messages(query, messages)
    with settings.store(embeds=True) as store:
        block = store.recall(asked, token_budget=budget, k=k, hybrid=hybrid, touch=touch)
        cut = _cut(store, RelevanceFloor.of(settings.recall), asked, block, hybrid=hybrid) if explain else []
    scoring = settings.recall.scoring
    if as_json:
        print_json(block_json(block, scoring))
    elif explain:
        out().print(explain_table(block, scoring, cut=cut))
    elif not block.memories:
        err().print(f"nothing recalled from namespace {settings.namespace!r}")
    else:
        typer.echo(block.text)


_CUT_SHOWN = 5


def _cut(
    store: MemoryStore, floor: RelevanceFloor, asked: QueryInput, block: PromptMemory, *, hybrid: bool | None
) -> list[tuple[ScoredMemory, str]]:
    """The best memories left out of ``block``, each with why: below the relevance floor (absolute, or
    relative to the best beyond the first memories), or a near-duplicate of a better memory or no room left
    in the budget."""
    shown = {m.memory.id for m in block.memories}
    ranked = store.retrieve(asked, k=len(shown) + _CUT_SHOWN, hybrid=hybrid, floor=False)
    # The floor's reasons, on the same ranking recall cut: importance and recency never lift a memory past it.
    reasons = floor.reasons([m.relevance for m in ranked])
    cut = [
        (m, why or "a near-duplicate of a better memory, or no room left in the budget")
        for m, why in zip(ranked, reasons, strict=True)
        if m.memory.id not in shown
    ]
    return cut[:_CUT_SHOWN]


def _query_or_messages(query: str | None, messages: str | None) -> QueryInput:
    if (query is None) == (messages is None):
        raise typer.BadParameter("give either QUERY or --messages FILE, not both or neither")
    if messages is None:
        return query or ""
    try:
        text = sys.stdin.read() if messages == "-" else Path(messages).read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {messages}: {exc.strerror}", param_hint="--messages") from exc
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"{messages} is not JSON ({exc.msg}, line {exc.lineno})"
        raise typer.BadParameter(problem, param_hint="--messages") from exc
    if not isinstance(loaded, list):
        raise typer.BadParameter(
            f"{messages} must hold a JSON list of {{role, content}} objects, newest last", param_hint="--messages"
        )
    return loaded


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Text to find similar memories to.")],
    k: Annotated[int, typer.Option("--k", min=1, help="How many memories.")] = 10,
    as_json: JsonFlag = False,
) -> None:
    """The memories most similar in meaning to QUERY (no recency or importance)."""
    settings = settings_of(ctx)
    with settings.store(embeds=True) as store:
        hits = store.search(query, k=k)
    if as_json:
        print_json([hit_json(h) for h in hits])
    elif not hits:
        err().print(f"no memories in namespace {settings.namespace!r}")
    else:
        out().print(search_table(hits))
