"""The tools through the SDK's ClientSession, to a server in this process (fast embedder, real SQLite):
schemas and hints, results against the Python API, errors that change nothing, updates that keep history."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession

from agentmem import HashingEmbedder, MemoryNotFoundError, MemoryStore
from agentmem.adapters.mcp import MemoryService
from agentmem.adapters.mcp.tools import TOOLS
from tests.adapters.mcp.harness import call, call_error, local_session, snapshot

FACTS = [
    {"text": "Alice's flight to Lisbon leaves Friday at 09:40 from gate B12.", "kind": "fact", "importance": 0.9},
    {"text": "Bob prefers green tea to coffee.", "metadata": {"person": "bob"}},
    {"text": "The build failed: test_payments timed out after 30 s.", "created_at": "2024-05-01T08:00:00Z"},
    {"text": "Alice asked for a window seat on the Lisbon flight.", "metadata": {"person": "alice"}},
]
READS = {"search_memories", "get_context", "get_memory", "list_memories", "stats", "reflect", "prune"}


def run(service: MemoryService, script: Any) -> Any:
    async def main() -> Any:
        async with local_session(service) as session:
            return await script(session)

    return anyio.run(main)


async def add_facts(session: ClientSession) -> list[int]:
    return [(await call(session, "add_memory", fact))["id"] for fact in FACTS]


def test_tools_have_schemas_hints_and_no_namespace_argument(service: MemoryService) -> None:
    async def script(session: ClientSession) -> Any:
        return (await session.list_tools()).tools

    tools = {t.name: t for t in run(service, script)}
    assert set(tools) == set(TOOLS)
    for name, tool in tools.items():
        assert tool.description, name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", name
        properties = tool.input_schema.get("properties", {})
        assert "namespace" not in properties and "ctx" not in properties, name
        hints = tool.annotations
        assert hints is not None and hints.open_world_hint is False
        assert hints.read_only_hint is (name in {"search_memories", "get_memory", "list_memories", "stats"}), name
    assert tools["add_memory"].input_schema["required"] == ["text"]
    importance = tools["add_memory"].input_schema["properties"]["importance"]["anyOf"][0]
    assert (importance["minimum"], importance["maximum"]) == (0.0, 1.0)
    assert tools["get_memory"].input_schema["required"] == ["memory_id"]
    assert set(tools["get_context"].output_schema["required"]) >= {"text", "tokens", "memories", "weights"}
    for destructive in ("update_memory", "delete_memory", "reflect", "prune"):
        assert tools[destructive].annotations.destructive_hint is True, destructive
    assert tools["add_memory"].annotations.destructive_hint is False
    assert tools["prune"].input_schema["properties"]["dry_run"]["default"] is True
    assert tools["reflect"].input_schema["properties"]["dry_run"]["default"] is True


def test_search_and_context_equal_the_python_api(service: MemoryService, db: Path) -> None:
    query = "when does Alice fly to Lisbon?"
    api = service.store()

    async def script(session: ClientSession) -> Any:
        await add_facts(session)
        expected_hits = api.retrieve(query, k=3, floor=False)
        hits = await call(session, "search_memories", {"query": query, "k": 3})
        expected_block = api.recall(query, token_budget=60, touch=False)
        block = await call(session, "get_context", {"query": query, "token_budget": 60})
        return expected_hits, hits, expected_block, block

    expected_hits, hits, expected_block, block = run(service, script)
    assert [h["memory"]["id"] for h in hits["memories"]] == [m.memory.id for m in expected_hits]
    for got, want in zip(hits["memories"], expected_hits, strict=True):
        assert got["relevance"] == pytest.approx(want.relevance, abs=1e-9)
        assert got["importance"] == pytest.approx(want.importance)
        assert got["score"] == pytest.approx(want.score, abs=1e-6)
    assert block["text"] == expected_block.text and block["tokens"] == expected_block.tokens <= 60
    assert [m["id"] for m in block["memories"]] == [m.memory.id for m in expected_block.memories]
    for entry, line, want in zip(
        block["memories"], block["text"].splitlines()[1:], expected_block.memories, strict=True
    ):
        assert want.memory.text in line and f"({want.memory.kind})" in line  # line i+1 is memories[i]
        assert (entry["score"], entry["relevance"]) == pytest.approx((want.score, want.relevance), abs=1e-6)
    assert block["weights"]["relevance"] == 1.0 and block["weights"]["recency_half_life_days"] == 180.0
    # get_context records an access, as an agent's recall does; search_memories does not.
    touched = {m.memory.id for m in expected_block.memories}
    for record in api.list_memories():
        assert record.access_count == (1 if record.id in touched else 0)


def test_messages_filters_and_paging(service: MemoryService) -> None:
    async def script(session: ClientSession) -> Any:
        await add_facts(session)
        messages = [{"role": "user", "content": "Book me a seat"}, {"role": "user", "content": "and Bob's drink?"}]
        from_messages = await call(session, "get_context", {"messages": messages, "token_budget": 100})
        bob_only = await call(
            session, "search_memories", {"query": "drink", "filters": {"metadata": {"person": "bob"}}}
        )
        old_only = await call(
            session, "list_memories", {"filters": {"created_before": "2025-01-01T00:00:00Z"}, "limit": 10}
        )
        first = await call(session, "list_memories", {"limit": 3})
        second = await call(session, "list_memories", {"limit": 3, "offset": first["next_offset"]})
        return from_messages, bob_only, old_only, first, second

    from_messages, bob_only, old_only, first, second = run(service, script)
    assert "Bob prefers green tea" in from_messages["text"].splitlines()[1]
    assert [m["memory"]["text"] for m in bob_only["memories"]] == [FACTS[1]["text"]]
    assert [m["text"] for m in old_only["memories"]] == [FACTS[2]["text"]]
    assert (len(first["memories"]), first["next_offset"]) == (3, 3)
    assert (len(second["memories"]), second["next_offset"]) == (1, None)
    assert [m["id"] for m in first["memories"] + second["memories"]] == sorted(
        m["id"] for m in first["memories"] + second["memories"]
    )


def test_update_supersedes_and_keeps_the_old_version(service: MemoryService) -> None:
    api = service.store()

    async def script(session: ClientSession) -> Any:
        ids = await add_facts(session)
        before = api.get(ids[0])
        updated = await call(
            session,
            "update_memory",
            {
                "memory_id": ids[0],
                "text": "Alice's flight to Lisbon moved to Saturday at 11:15.",
                "metadata": {"gate": "C3"},
            },
        )
        # An update that keeps the text is a new version too, not folded into the old one as a duplicate.
        relabelled = await call(session, "update_memory", {"memory_id": ids[1], "kind": "preference"})
        again = await call_error(session, "update_memory", {"memory_id": ids[0], "text": "Sunday"})
        nothing = await call_error(session, "update_memory", {"memory_id": ids[3]})
        found = await call(session, "search_memories", {"query": "Alice flight Lisbon", "k": 10})
        history = await call(session, "list_memories", {"filters": {"include_archived": True}, "limit": 50})
        return ids, before, updated, relabelled, again, nothing, found, history

    ids, before, updated, relabelled, again, nothing, found, history = run(service, script)
    new, old = updated["memory"], updated["superseded"]
    assert new["id"] not in ids and new["metadata"] == {"supersedes": ids[0], "gate": "C3"}
    assert (new["kind"], new["importance"], new["status"]) == ("fact", 0.9, "active")
    assert old["id"] == ids[0] and old["text"] == FACTS[0]["text"]
    assert (old["status"], old["superseded_by"]) == ("archived", new["id"])
    kept = api.get(ids[0])  # the old version, as stored: same text, times and accesses, now archived
    assert (kept.text, kept.created_at, kept.access_count, kept.importance) == (
        before.text,
        before.created_at,
        before.access_count,
        before.importance,
    )
    assert relabelled["memory"]["text"] == FACTS[1]["text"] and relabelled["memory"]["kind"] == "preference"
    assert (
        relabelled["memory"]["id"] != ids[1] and relabelled["superseded"]["superseded_by"] == relabelled["memory"]["id"]
    )
    assert f"memory {ids[0]} is archived, superseded by memory {new['id']}" in again
    assert "nothing to update" in nothing
    texts = [m["memory"]["text"] for m in found["memories"]]
    assert new["text"] in texts and FACTS[0]["text"] not in texts  # the old version is out of search
    assert {m["id"] for m in history["memories"]} == {*ids, new["id"], relabelled["memory"]["id"]}
    # Its vector was kept: with archived memories allowed, the old version ranks as before.
    archived_hit = api.retrieve(FACTS[0]["text"], k=1, where=_archived())[0]
    assert archived_hit.memory.id == ids[0] and archived_hit.relevance == pytest.approx(1.0, abs=1e-6)


def test_a_failed_update_leaves_the_memory_as_it_was(service: MemoryService, db: Path) -> None:
    async def script(session: ClientSession) -> Any:
        ids = await add_facts(session)
        state = snapshot(db, "agent")
        # Validated by the store only after the old version was taken out: it must be put back.
        error = await call_error(session, "update_memory", {"memory_id": ids[0], "text": "bad\x00text"})
        return state, error

    state, error = run(service, script)
    assert "ConfigError" in error and "NUL" in error
    assert snapshot(db, "agent") == state


def test_bad_arguments_and_unknown_ids_are_tool_errors_that_change_nothing(service: MemoryService, db: Path) -> None:
    async def script(session: ClientSession) -> list[str]:
        ids = await add_facts(session)
        state = snapshot(db, "agent")
        errors = [
            await call_error(session, "get_memory", {"memory_id": 999}),
            await call_error(session, "update_memory", {"memory_id": 999, "text": "x"}),
            await call_error(session, "delete_memory", {"memory_id": 999}),
            await call_error(session, "add_memory", {"text": "too important", "importance": 2}),
            await call_error(session, "add_memory", {"text": "no timezone", "created_at": "2024-01-01T00:00:00"}),
            await call_error(session, "add_memory", {"text": "   "}),
            await call_error(session, "search_memories", {"query": "x", "k": 0}),
            await call_error(session, "search_memories", {"query": "x", "namespace": "other"}),
            await call_error(session, "get_context", {"query": "x", "messages": [{"role": "user", "content": "y"}]}),
            await call_error(session, "get_context", {}),
            await call_error(session, "list_memories", {"order_by": "text"}),
            await call_error(session, "prune", {}),
            await call_error(session, "get_memory", {"memory_id": "one"}),
            await call_error(session, "forget_everything", {}),
        ]
        assert snapshot(db, "agent") == state
        assert ids
        return errors

    errors = run(service, script)
    assert "MemoryNotFoundError: no memory with id 999 in namespace 'agent'" in errors[0]
    assert "MemoryNotFoundError" in errors[1] and "MemoryNotFoundError" in errors[2]
    assert "less than or equal to 1" in errors[3] and "timezone" in errors[4]
    assert "ConfigError" in errors[5] and "non-blank" in errors[5]
    assert "never an argument" in errors[7]
    assert "not both or neither" in errors[8] and "not both or neither" in errors[9]
    assert "say what to prune" in errors[11]
    assert errors[13] == "Unknown tool: forget_everything"


def test_reflect_and_prune_are_dry_runs_until_asked(service: MemoryService, db: Path) -> None:
    now = datetime.now(timezone.utc)
    notes = [
        {"text": f"The kitchen tap dripped again at check {i}; the plumber is coming.", "created_at": _ago(now, i)}
        for i in range(1, 7)
    ]

    async def script(session: ClientSession) -> Any:
        for note in notes:
            await call(session, "add_memory", note)
        await add_facts(session)
        state = snapshot(db, "agent")
        dry_reflect = await call(session, "reflect", {})
        dry_prune = await call(session, "prune", {"max_active": 5})
        unchanged = snapshot(db, "agent") == state
        reflected = await call(session, "reflect", {"dry_run": False})
        dry_after = await call(session, "prune", {"max_active": 3})
        pruned = await call(session, "prune", {"max_active": 3, "dry_run": False})
        stats = await call(session, "stats", {})
        return dry_reflect, dry_prune, unchanged, reflected, dry_after, pruned, stats

    dry_reflect, dry_prune, unchanged, reflected, dry_after, pruned, stats = run(service, script)
    assert unchanged and dry_prune["applied"] is False and dry_reflect["applied"] is False
    assert dry_prune["count"] == len(notes) + len(FACTS) - 5 == len(dry_prune["memories"])
    assert dry_reflect["reflections"] and all(r["id"] is None for r in dry_reflect["reflections"])
    assert reflected["applied"] is True
    assert [sorted(r["sources"]) for r in reflected["reflections"]] == [
        sorted(r["sources"]) for r in dry_reflect["reflections"]
    ]
    sources = {s for r in reflected["reflections"] for s in r["sources"]}
    active_now = len(notes) + len(FACTS) - len(sources) + len(reflected["reflections"])
    assert pruned["applied"] is True and pruned["action"] == "archive" and pruned["namespace"] == "agent"
    assert [m["id"] for m in pruned["memories"]] == [m["id"] for m in dry_after["memories"]]
    assert pruned["count"] == active_now - 3
    retention = [m["retention"] for m in pruned["memories"]]
    assert retention == sorted(retention)
    assert (stats["active"], stats["archived"]) == (3, len(sources) + pruned["count"])
    with MemoryStore.open(db, namespace="agent", embedder=HashingEmbedder(64)) as store:
        active = {m.id for m in store.list_memories(limit=100)}
    assert active.isdisjoint(m["id"] for m in pruned["memories"]) and active.isdisjoint(sources)


def test_delete_forgets_for_good(service: MemoryService) -> None:
    async def script(session: ClientSession) -> Any:
        ids = await add_facts(session)
        return ids, await call(session, "delete_memory", {"memory_id": ids[1]})

    ids, deleted = run(service, script)
    assert deleted == {"deleted": ids[1], "namespace": "agent"}
    with pytest.raises(MemoryNotFoundError):
        service.store().get(ids[1])


def test_resources_and_prompt(service: MemoryService) -> None:
    async def script(session: ClientSession) -> Any:
        await add_facts(session)
        listed = await session.read_resource("agentmem://namespaces")
        stats = await session.read_resource("agentmem://namespaces/agent/stats")
        templates = await session.list_resource_templates()
        prompts = await session.list_prompts()
        prompt = await session.get_prompt(
            "memory_context", {"task": "Which gate does Alice board at?", "token_budget": "80"}
        )
        try:
            await session.read_resource("agentmem://namespaces/other/stats")
        except Exception as exc:  # noqa: BLE001 - the SDK's MCPError, checked below
            other = exc
        return listed, stats, templates, prompts, prompt, other

    listed, stats, templates, prompts, prompt, other = run(service, script)
    assert json.loads(listed.contents[0].text) == {
        "default": "agent",
        "namespaces": [{"namespace": "agent", "stats": "agentmem://namespaces/agent/stats"}],
    }
    assert json.loads(stats.contents[0].text)["active"] == len(FACTS)
    assert [t.uri_template for t in templates.resource_templates] == ["agentmem://namespaces/{name}/stats"]
    assert [p.name for p in prompts.prompts] == ["memory_context"]
    text = prompt.messages[0].content.text
    assert text.startswith("Relevant memories:\n") and "gate B12" in text
    assert text.endswith("\n\nWhich gate does Alice board at?")
    assert "serves namespace 'agent' only" in str(other)


def test_read_only_offers_no_writes_and_records_no_access(db: Path) -> None:
    with MemoryStore.open(db, namespace="agent", embedder=HashingEmbedder(64)) as store:
        ids = [store.add(str(f["text"])).id for f in FACTS]
    state = snapshot(db, "agent")
    service = MemoryService(
        MemoryStore.open(db, namespace="agent", embedder=HashingEmbedder(64), migrate="validate"),
        pinned=True,
        read_only=True,
    )

    async def script(session: ClientSession) -> Any:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        context = await call(session, "get_context", {"query": "Alice's flight"})
        refusals = [
            await call_error(session, "add_memory", {"text": "new"}),
            await call_error(session, "prune", {"max_active": 1, "dry_run": False}),
            await call_error(session, "reflect", {"dry_run": False}),
        ]
        dry = await call(session, "prune", {"max_active": 1})
        return tools, context, refusals, dry

    try:
        tools, context, refusals, dry = run(service, script)
    finally:
        service.close()
    assert set(tools) == READS
    assert all(t.annotations.read_only_hint for t in tools.values())
    assert context["memories"] and refusals[0] == "Unknown tool: add_memory"
    assert "read-only" in refusals[1] and "read-only" in refusals[2]
    assert dry["applied"] is False and dry["count"] == len(ids) - 1
    assert snapshot(db, "agent") == state  # not even an access recorded


def _ago(now: datetime, half_hours: int) -> str:
    return (now - timedelta(minutes=30 * half_hours)).isoformat()


def _archived() -> Any:
    from agentmem import MemoryFilter

    return MemoryFilter(include_archived=True)


@pytest.mark.model
def test_the_model_loads_once_per_server_whatever_the_namespaces(db: Path) -> None:
    from agentmem import SentenceTransformerEmbedder
    from agentmem.embedders.sentence_transformers import load_calls

    before = load_calls()
    service = MemoryService(
        MemoryStore.open(db, namespace="agent", embedder=SentenceTransformerEmbedder()), pinned=False, read_only=False
    )
    try:
        service.warm()
        loaded = load_calls()

        async def script(session: ClientSession) -> Any:
            await add_facts(session)
            return await call(session, "get_context", {"query": "when does Alice fly?"})

        block = run(service, script)
        for other in ("bob", "carol"):  # what an HTTP client reaches through /mcp/<namespace>
            service.store(other).add("another agent's memory")
            service.store(other).recall("memory")
    finally:
        service.close()
    # The process loads each model once (an earlier test may have loaded it): warming up leaves it loaded,
    # and no call, in no namespace, loads it again.
    assert before <= loaded <= before + 1 and loaded >= 1
    assert load_calls() == loaded
    assert "gate B12" in block["text"].splitlines()[1]
