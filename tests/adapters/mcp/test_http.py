"""``agentmem mcp -t http`` as a real subprocess on loopback, reached with the SDK's streamable HTTP client:
namespaces from the URL, clients at once, the bearer token off loopback, request limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from typer.testing import CliRunner

from agentmem import HashingEmbedder, MemoryStore
from agentmem.cli.app import app
from tests.adapters.mcp.harness import FAST_MODEL, call, call_error, http_server, http_session

TOKEN = "correct horse battery staple"
# What a streamable HTTP client sends first (the tests below send it by hand, without the SDK).
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module: 127.0.0.1, no token, any namespace by URL."""
    db = tmp_path_factory.mktemp("mcp-http") / "memories.db"
    with http_server(db) as url:
        yield url, db


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server bound to every interface, so with a token (from the environment), pinned to namespace team."""
    db = tmp_path_factory.mktemp("mcp-http-token") / "memories.db"
    with http_server(db, "--host", "0.0.0.0", "--namespace", "team", env={"AGENTMEM_MCP_TOKEN": TOKEN}) as url:
        yield url


def test_two_clients_at_once_on_different_namespaces_stay_isolated(loopback: tuple[str, Path]) -> None:
    url, db = loopback
    found: dict[str, Any] = {}

    async def agent(name: str) -> None:
        async with http_session(f"{url}/{name}") as session:
            for i in range(8):
                await call(session, "add_memory", {"text": f"{name} hid key {i} under the {name}-stone"})
                await anyio.sleep(0)  # interleave with the other client
            other = "bob" if name == "alice" else "alice"
            found[name] = {
                "own": await call(session, "search_memories", {"query": f"{name}-stone key", "k": 20}),
                "other": await call(session, "search_memories", {"query": f"{other}-stone key", "k": 20}),
                "listed": await call(session, "list_memories", {"limit": 100}),
                "stats": await call(session, "stats", {}),
            }

    async def both() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(agent, "alice")
            group.start_soon(agent, "bob")

    anyio.run(both)
    for name in ("alice", "bob"):
        results = found[name]
        texts = {m["memory"]["text"] for key in ("own", "other") for m in results[key]["memories"]}
        assert texts == {f"{name} hid key {i} under the {name}-stone" for i in range(8)}
        assert {m["namespace"] for m in results["listed"]["memories"]} == {name}
        assert results["stats"]["namespace"] == name and results["stats"]["active"] == 8
    # The database agrees: each namespace holds its own client's memories.
    for name in ("alice", "bob"):
        with MemoryStore.open(db, namespace=name, embedder=HashingEmbedder(64)) as store:
            assert {m.text.split()[0] for m in store.list_memories(limit=100)} == {name}


def test_bare_mcp_path_serves_the_default_namespace_and_lists_namespaces(loopback: tuple[str, Path]) -> None:
    url, _ = loopback

    async def script() -> Any:
        async with http_session(url) as session:
            added = await call(session, "add_memory", {"text": "a memory of the default namespace"})
            listed = await session.read_resource("agentmem://namespaces")
            tools = (await session.list_tools()).tools
            return added, json.loads(listed.contents[0].text), tools

    added, listed, tools = anyio.run(script)
    assert added["namespace"] == "default"
    # Any namespace is one URL away on this server, so all of those in the database are listed.
    assert listed["default"] == "default"
    assert {"namespace": "default", "stats": "agentmem://namespaces/default/stats"} in listed["namespaces"]
    assert len(tools) == 10 and all(t.output_schema for t in tools)


def test_requests_are_size_limited_and_hosts_checked(loopback: tuple[str, Path]) -> None:
    url, _ = loopback
    with httpx2.Client(timeout=30) as http:
        huge = {**INITIALIZE, "params": {**INITIALIZE["params"], "padding": "x" * 1_100_000}}
        assert http.post(f"{url}/alice", content=json.dumps(huge), headers=HEADERS).status_code == 413
        # DNS rebinding: a page on another site that resolves to 127.0.0.1 sends its own Host header.
        rebound = http.post(f"{url}/alice", json=INITIALIZE, headers={**HEADERS, "Host": "evil.example:80"})
        assert rebound.status_code == 421
        assert http.post(f"{url}/alice", json=INITIALIZE, headers=HEADERS).status_code == 200

    async def still_serving() -> Any:
        async with http_session(f"{url}/alice") as session:
            return await call(session, "stats", {})

    assert anyio.run(still_serving)["namespace"] == "alice"


def test_off_loopback_the_token_is_enforced(exposed: str) -> None:
    with httpx2.Client(timeout=30) as http:
        missing = http.post(f"{exposed}/team", json=INITIALIZE, headers=HEADERS)
        wrong = http.post(f"{exposed}/team", json=INITIALIZE, headers={**HEADERS, "Authorization": "Bearer guess"})
        other = http.post(f"{exposed}/other", json=INITIALIZE, headers={**HEADERS, "Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["error"] == "invalid_token"
    assert other.status_code == 404 and "serves namespace 'team' only" in other.text

    async def with_token() -> Any:
        async with http_session(f"{exposed}/team", token=TOKEN) as session:
            added = await call(session, "add_memory", {"text": "the team meets on Tuesdays"})
            refused = await call_error(session, "search_memories", {"query": "team", "namespace": "other"})
            return added, refused

    added, refused = anyio.run(with_token)
    assert added["namespace"] == "team" and "never an argument" in refused


def test_binding_off_loopback_without_a_token_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "memories.db"
    result = CliRunner().invoke(app, ["--db", str(db), "--model", FAST_MODEL, "mcp", "-t", "http", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "give a bearer token" in result.stderr
    assert not db.exists()  # refused before anything was opened
