"""Talking to agentmem's MCP server the way clients do: the SDK's ClientSession over stdio, streamable HTTP
or (for the fast tests) in process, with ``agentmem mcp`` run as a real subprocess where it matters."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from agentmem import MemoryStore
from agentmem.adapters import embedder_named
from agentmem.adapters.mcp import MemoryService, build_server

FAST_MODEL = "hashing-64"


def executable() -> str:
    beside = Path(sys.executable).parent / "agentmem"
    found = str(beside) if beside.exists() else shutil.which("agentmem")
    if found is None:
        pytest.fail("the agentmem executable is not installed: run `pip install -e .`")
    return found


def server_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a server subprocess: none of the developer's AGENTMEM_* settings, no hub access."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTMEM_")}
    env.update(HF_HUB_OFFLINE="1", AGENTMEM_HOME=str(home), **extra)
    return env


def stdio_params(db: Path, *options: str, model: str | None = FAST_MODEL) -> StdioServerParameters:
    """``agentmem --db DB [--model M] mcp OPTIONS...`` as an MCP client spawns it."""
    models = [] if model is None else ["--model", model]
    return StdioServerParameters(
        command=executable(), args=["--db", str(db), *models, "mcp", *options], env=server_env(db.parent / "home")
    )


@asynccontextmanager
async def stdio_session(params: StdioServerParameters) -> AsyncIterator[ClientSession]:
    with Path(os.devnull).open("w") as quiet:  # the server's stderr: its warm-up and shutdown notes
        async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def http_session(url: str, *, token: str | None = None) -> AsyncIterator[ClientSession]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@asynccontextmanager
async def local_session(service: MemoryService) -> AsyncIterator[ClientSession]:
    """A ClientSession to a server running in this process (memory streams): the fast tests."""
    async with Client(build_server(service)) as client:
        yield client.session


async def call(session: ClientSession, tool: str, arguments: Mapping[str, Any] | None = None) -> Any:
    """The structured result of a tool call that must succeed."""
    result = await session.call_tool(tool, dict(arguments or {}))
    assert not result.is_error, f"{tool}: {result.content}"
    return result.structured_content


async def call_error(session: ClientSession, tool: str, arguments: Mapping[str, Any] | None = None) -> str:
    """The text of a tool call that must fail: an MCP tool error, never a traceback."""
    result = await session.call_tool(tool, dict(arguments or {}))
    assert result.is_error, f"{tool} succeeded: {result.structured_content}"
    text = " ".join(getattr(c, "text", "") for c in result.content)
    assert text.startswith((f"Error executing tool {tool}: ", f"Unknown tool: {tool}")), text
    assert "Traceback" not in text and 'File "' not in text, text
    return text


def snapshot(db: Path, namespace: str, model: str = FAST_MODEL) -> list[tuple[Any, ...]]:
    """Everything a namespace holds, read through the Python API (to show that a failed call changed nothing):
    each memory with its provenance and vector bytes; of the bookkeeping, only the change counter is left out
    (a memory put back as it was is a change)."""
    with MemoryStore.open(db, namespace=namespace, embedder=embedder_named(model)) as store:
        return [
            (dataclasses.replace(e.record, version=0), e.sources, e.embedding)
            for e in store.export_memories(vectors=True)
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def http_server(db: Path, *options: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """``agentmem --db DB --model hashing-64 mcp -t http --port P OPTIONS...`` running; yields its base URL
    (``http://127.0.0.1:P/mcp``). Stopped with SIGTERM, as a service manager stops it."""
    port = free_port()
    command = [executable(), "--db", str(db), "--model", FAST_MODEL, "mcp", "-t", "http", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *options],
        env=server_env(db.parent / "home", **(env or {})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
        assert "Traceback" not in stderr, stderr


def _wait_for(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"the server did not listen on port {port} within {timeout} s")
