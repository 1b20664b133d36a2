"""``agentmem mcp`` spawned by the SDK's stdio client, as Claude Desktop or Cursor spawn it, on a real SQLite
file: an agent's session with the real model checked against the Python API on the same store, read-only
mode, and two servers on one database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest
from typer.testing import CliRunner

from agentmem import MemoryNotFoundError, MemoryStore, Message, SentenceTransformerEmbedder
from agentmem.adapters.mcp.tools import TOOLS
from agentmem.cli.app import app
from tests.adapters.mcp.harness import FAST_MODEL, call, call_error, snapshot, stdio_params, stdio_session

NOW = datetime.now(timezone.utc)
MEMORIES: list[dict[str, Any]] = [
    {"text": "Alice's flight to Lisbon leaves Friday at 09:40 from gate B12.", "kind": "fact", "importance": 0.9},
    {"text": "Alice asked for a window seat on the Lisbon flight.", "metadata": {"person": "alice"}},
    {"text": "Bob prefers green tea to coffee, no sugar.", "metadata": {"person": "bob"}, "importance": 0.4},
    {"text": "The build failed: test_payments timed out after 30 s.", "created_at": (NOW - timedelta(days=40))},
    {"text": "The staging database was moved to the eu-west region.", "kind": "fact"},
    {"text": "Carol will review the payments pull request on Monday.", "created_at": (NOW - timedelta(days=3))},
    {"text": "The office coffee machine is broken again.", "importance": 0.1},
]


async def _seen_within(condition: Callable[[], bool], *, seconds: float) -> None:
    with anyio.fail_after(seconds):
        while not condition():
            await anyio.sleep(0.02)


def _arguments(memory: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in memory.items()}


def _same_ranking(got: list[dict[str, Any]], expected: list[Any]) -> None:
    # search_memories returns whole memories; get_context's entries carry the id alone.
    assert [m["memory"]["id"] if "memory" in m else m["id"] for m in got] == [m.memory.id for m in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert mine["relevance"] == pytest.approx(theirs.relevance, abs=1e-6)
        assert mine["recency"] == pytest.approx(theirs.recency, abs=1e-6)
        assert mine["score"] == pytest.approx(theirs.score, abs=1e-6)


@pytest.mark.model
def test_an_agent_session_over_stdio_equals_the_python_api(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder
) -> None:
    db = tmp_path / "agent.db"
    params = stdio_params(db, "--namespace", "scout", model=None)  # the bundled all-MiniLM-L6-v2

    async def session_script() -> None:
        async with stdio_session(params) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == set(TOOLS) and all(t.output_schema for t in tools.values())
            assert tools["get_context"].annotations.read_only_hint is False  # it records accesses
            assert tools["delete_memory"].annotations.destructive_hint is True

            ids = [(await call(session, "add_memory", _arguments(m)))["id"] for m in MEMORIES]
            with MemoryStore.open(db, namespace="scout", embedder=real_embedder) as api:
                for memory_id, given in zip(ids, MEMORIES, strict=True):
                    record = api.get(memory_id)
                    assert record.text == given["text"] and record.kind == given.get("kind", "observation")
                    assert record.metadata == given.get("metadata", {})
                    if "importance" in given:
                        assert record.importance == given["importance"]
                    if "created_at" in given:
                        assert record.created_at == given["created_at"]

                query = "when does Alice fly to Lisbon?"
                expected_hits = api.retrieve(query, k=4, floor=False)
                _same_ranking(
                    (await call(session, "search_memories", {"query": query, "k": 4}))["memories"], expected_hits
                )
                assert expected_hits[0].memory.id == ids[0]

                expected_block = api.recall(query, token_budget=60, touch=False)
                block = await call(session, "get_context", {"query": query, "token_budget": 60})
                assert block["text"] == expected_block.text and block["tokens"] == expected_block.tokens <= 60
                _same_ranking(block["memories"], list(expected_block.memories))
                # The server writes the accesses just after answering: another process sees them at once.
                returned = [m.memory.id for m in expected_block.memories]
                await _seen_within(lambda: all(api.get(i).access_count == 1 for i in returned), seconds=5)
                for memory_id in returned:
                    assert (await call(session, "get_memory", {"memory_id": memory_id}))["access_count"] == 1

                chat = [
                    {"role": "user", "content": "I need to get the payments work merged."},
                    {"role": "assistant", "content": "Who is reviewing it, and when?"},
                ]
                expected_chat = api.recall([Message(**m) for m in chat], token_budget=120, touch=False)
                from_chat = await call(session, "get_context", {"messages": chat, "token_budget": 120})
                assert from_chat["text"] == expected_chat.text and from_chat["tokens"] <= 120
                assert "Carol will review" in from_chat["text"].splitlines()[1]

                moved = "Alice's flight to Lisbon now leaves Saturday at 11:15 from gate C3."
                updated = await call(session, "update_memory", {"memory_id": ids[0], "text": moved})
                new_id = updated["memory"]["id"]
                old = api.get(ids[0])
                assert (old.status, old.superseded_by, old.text) == ("archived", new_id, MEMORIES[0]["text"])
                assert api.get(new_id).metadata == {"supersedes": ids[0]}
                assert [h.memory.id for h in api.retrieve(query, k=2)][:1] == [new_id]

                assert await call(session, "delete_memory", {"memory_id": ids[6]}) == {
                    "deleted": ids[6],
                    "namespace": "scout",
                }
                with pytest.raises(MemoryNotFoundError):
                    api.get(ids[6])

                state = [dataclasses.replace(e.record, version=0) for e in api.export_memories()]
                for tool, arguments in [
                    ("get_memory", {"memory_id": 10_000}),
                    ("update_memory", {"memory_id": ids[0], "text": "again"}),  # archived: update the new one
                    ("delete_memory", {"memory_id": 10_000}),
                    ("get_context", {"query": "x", "token_budget": -1}),
                    ("add_memory", {"text": "x", "kind": ""}),
                ]:
                    await call_error(session, tool, arguments)
                assert [dataclasses.replace(e.record, version=0) for e in api.export_memories()] == state

                dry = await call(session, "prune", {"max_active": 3})
                assert dry["applied"] is False
                assert [m["id"] for m in dry["memories"]] == [m.id for m in api.prune(max_active=3).memories]
                assert api.stats().active == len(MEMORIES) - 1  # the update kept the count, the delete took one
                applied = await call(session, "prune", {"max_active": 3, "dry_run": False})
                assert applied["applied"] is True
                assert [m["id"] for m in applied["memories"]] == [m["id"] for m in dry["memories"]]
                assert all(api.get(m["id"]).status == "archived" for m in applied["memories"])
                assert api.stats().active == 3

    anyio.run(session_script)


def test_read_only_server_refuses_writes_and_records_nothing(tmp_path: Path) -> None:
    db = tmp_path / "memories.db"
    from agentmem.adapters import embedder_named

    with MemoryStore.open(db, namespace="shared", embedder=embedder_named(FAST_MODEL)) as store:
        store.add_many([str(m["text"]) for m in MEMORIES])
    state = snapshot(db, "shared")

    async def script() -> Any:
        async with stdio_session(stdio_params(db, "--namespace", "shared", "--read-only")) as session:
            tools = {t.name for t in (await session.list_tools()).tools}
            context = await call(session, "get_context", {"query": "Alice's flight"})
            refused = [
                await call_error(session, "add_memory", {"text": "a new memory"}),
                await call_error(session, "delete_memory", {"memory_id": 1}),
                await call_error(session, "prune", {"max_active": 1, "dry_run": False}),
            ]
            return tools, context, refused

    tools, context, refused = anyio.run(script)
    assert tools == set(TOOLS) - {"add_memory", "update_memory", "delete_memory"}
    assert context["memories"]
    assert refused[:2] == ["Unknown tool: add_memory", "Unknown tool: delete_memory"]
    assert "this server is read-only" in refused[2]
    assert snapshot(db, "shared") == state  # no access recorded either


def test_read_only_needs_an_existing_database(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    result = CliRunner().invoke(app, ["--db", str(db), "--model", FAST_MODEL, "mcp", "--read-only"])
    assert result.exit_code == 2 and "no agentmem database" in result.stderr
    assert not db.exists()


def test_two_stdio_servers_on_one_database_keep_their_namespaces_apart(tmp_path: Path) -> None:
    db = tmp_path / "memories.db"
    seen: dict[str, Any] = {}

    async def agent(name: str) -> None:
        async with stdio_session(stdio_params(db, "--namespace", name)) as session:
            for i in range(5):
                await call(session, "add_memory", {"text": f"{name} noted item {i} on the shared board"})
                await anyio.sleep(0)
            seen[name] = await call(session, "search_memories", {"query": "noted item on the shared board", "k": 20})

    async def both() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(agent, "north")
            group.start_soon(agent, "south")

    anyio.run(both)
    for name in ("north", "south"):
        hits = seen[name]["memories"]
        assert len(hits) == 5 and {h["memory"]["namespace"] for h in hits} == {name}
        assert all(h["memory"]["text"].startswith(name) for h in hits)
