"""Hostile inputs, each with the exact error class it must raise (issue 19, defect 8 and the campaign).

Every input goes through the public API of a store holding a few memories, on SQLite and PostgreSQL. It
must raise exactly the class in the table (a subclass of AgentMemError whose message says what to do), or
nothing where the table says None, and afterwards the store holds what it held and still answers.
Anything else (a raw exception, a silent change, a broken store) counts as bad behaviour.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentmem import (
    AgentMemError,
    ConfigError,
    ImportRejectedError,
    MemoryFilter,
    MemoryNotFoundError,
    MemoryStore,
    NewMemory,
    read_jsonl,
    write_jsonl,
)
from tests.campaigns.figures import add
from tests.support import CountingEmbedder

NAN_VECTOR = base64.b64encode(np.full(64, np.nan, dtype="<f4").tobytes()).decode()
TEXTS = ["the boiler was serviced in march", "the spare key is under the blue pot", "the cat is fed at six"]
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


def _import_line(**changes: Any) -> Callable[[MemoryStore], object]:
    def run(store: MemoryStore) -> object:
        buffer = io.StringIO()
        write_jsonl(store.export_memories(vectors=True), buffer)
        first = buffer.getvalue().splitlines()[0]
        line = json.loads(first) | {"id": 500} | changes
        return store.import_memories(read_jsonl(io.StringIO(json.dumps(line))))

    return run


@dataclass(frozen=True)
class Hostile:
    name: str
    call: Callable[[MemoryStore], object]
    raises: type[AgentMemError] | None


HOSTILE = [
    # text
    Hostile("text with a lone surrogate", lambda s: s.add("bad \ud800 text"), ConfigError),
    Hostile("text empty", lambda s: s.add(""), ConfigError),
    Hostile("text blank", lambda s: s.add(" \n\t "), ConfigError),
    Hostile("text with NUL", lambda s: s.add("a\x00b"), ConfigError),
    Hostile("text not a string", lambda s: s.add(123), ConfigError),  # type: ignore[arg-type]
    Hostile(
        "embed_text with a lone surrogate", lambda s: s.add_many([NewMemory("ok", embed_text="\udfff")]), ConfigError
    ),
    # kind
    Hostile("kind with NUL", lambda s: s.add("fine text", kind="ob\x00s"), ConfigError),
    Hostile("kind with a lone surrogate", lambda s: s.add("fine text", kind="\ud800"), ConfigError),
    Hostile("kind of 65 characters", lambda s: s.add("fine text", kind="k" * 65), ConfigError),
    Hostile("kind blank", lambda s: s.add("fine text", kind=" "), ConfigError),
    # importance
    Hostile("importance above 1", lambda s: s.add("fine text", importance=1.5), ConfigError),
    Hostile("importance NaN", lambda s: s.add("fine text", importance=math.nan), ConfigError),
    Hostile("importance a bool", lambda s: s.add("fine text", importance=True), ConfigError),
    Hostile("importance a string", lambda s: s.add("fine text", importance="0.5"), ConfigError),  # type: ignore[arg-type]
    # metadata
    Hostile("metadata nested 5,000 deep", lambda s: s.add("fine text", metadata=_deep(5000)), ConfigError),
    Hostile("metadata nested 65 deep", lambda s: s.add("fine text", metadata=_deep(65)), ConfigError),
    Hostile("metadata a list", lambda s: s.add("fine text", metadata=["ab", "cd"]), ConfigError),  # type: ignore[arg-type]
    Hostile("metadata with an int key", lambda s: s.add("fine text", metadata={1: "a"}), ConfigError),  # type: ignore[dict-item]
    Hostile("metadata with NaN", lambda s: s.add("fine text", metadata={"x": math.nan}), ConfigError),
    Hostile("metadata with a lone surrogate", lambda s: s.add("fine text", metadata={"x": "\ud800"}), ConfigError),
    Hostile("metadata key with a lone surrogate", lambda s: s.add("fine text", metadata={"\udc00": 1}), ConfigError),
    Hostile("metadata with NUL", lambda s: s.add("fine text", metadata={"x": "a\x00"}), ConfigError),
    Hostile("metadata with a set", lambda s: s.add("fine text", metadata={"x": {1}}), ConfigError),  # type: ignore[dict-item]
    # times
    Hostile("created_at a string", lambda s: s.add("fine text", created_at="2024-01-01"), ConfigError),  # type: ignore[arg-type]
    Hostile("created_at naive", lambda s: s.add("fine text", created_at=datetime(2024, 1, 1)), ConfigError),
    Hostile("filter time a string", lambda s: s.list_memories(where=MemoryFilter(created_after="x")), ConfigError),  # type: ignore[arg-type]
    # keys
    Hostile("key of 256 characters", lambda s: s.add_many([NewMemory("fine text", key="k" * 256)]), ConfigError),
    Hostile("key with NUL", lambda s: s.add_many([NewMemory("fine text", key="a\x00")]), ConfigError),
    Hostile("key with a lone surrogate", lambda s: s.add_many([NewMemory("fine text", key="\ud800")]), ConfigError),
    # namespaces
    Hostile("namespace with a lone surrogate", lambda s: s.with_namespace("ns\ud800").add("x"), ConfigError),
    Hostile("namespace with NUL", lambda s: s.with_namespace("ns\x00").add("x"), ConfigError),
    Hostile("namespace blank", lambda s: s.with_namespace("  "), ConfigError),
    Hostile("namespace of 256 characters", lambda s: s.with_namespace("n" * 256), ConfigError),
    # ids
    Hostile("forget id 2**63", lambda s: s.forget(2**63), MemoryNotFoundError),
    Hostile("forget id 2**64", lambda s: s.forget(2**64), MemoryNotFoundError),
    Hostile("forget id -1", lambda s: s.forget(-1), MemoryNotFoundError),
    Hostile("forget id a string", lambda s: s.forget("1"), ConfigError),  # type: ignore[arg-type]
    Hostile("forget id a float", lambda s: s.forget(1.0), ConfigError),  # type: ignore[arg-type]
    Hostile("forget_many ids of 2**63", lambda s: s.forget_many([2**63, 2**70]), None),
    Hostile("restore id 2**63", lambda s: s.restore([2**63]), None),
    Hostile("restore id a bool", lambda s: s.restore([True]), ConfigError),
    Hostile("get id 2**64", lambda s: s.get(2**64), MemoryNotFoundError),
    Hostile("get id a float", lambda s: s.get(1.5), ConfigError),  # type: ignore[arg-type]
    Hostile("touch id a string", lambda s: s.touch(["x"]), ConfigError),  # type: ignore[list-item]
    Hostile("touch id 2**63", lambda s: s.touch([2**63]), None),
    Hostile("offset 2**63", lambda s: s.list_memories(offset=2**63), ConfigError),
    Hostile("limit negative", lambda s: s.list_memories(limit=-1), ConfigError),
    Hostile("offset a float", lambda s: s.list_memories(offset=1.5), ConfigError),  # type: ignore[arg-type]
    # filters and queries
    Hostile(
        "filter of 2,000 values",
        lambda s: s.list_memories(where=MemoryFilter(metadata={"n": list(range(2000))})),
        ConfigError,
    ),
    Hostile(
        "filter value a dict", lambda s: s.list_memories(where=MemoryFilter(metadata={"n": {"a": 1}})), ConfigError
    ),
    Hostile("filter of no values", lambda s: s.list_memories(where=MemoryFilter(metadata={"n": []})), ConfigError),
    Hostile("filter kind with NUL", lambda s: s.list_memories(where=MemoryFilter(kinds=("a\x00",))), ConfigError),
    Hostile("filter key with NUL", lambda s: s.search("x", where=MemoryFilter(metadata={"a\x00": "b"})), ConfigError),
    Hostile(
        "filter value with a lone surrogate",
        lambda s: s.list_memories(where=MemoryFilter(metadata={"a": "\ud800"})),
        ConfigError,
    ),
    Hostile("query empty", lambda s: s.search("", k=3), ConfigError),
    Hostile("query with a lone surrogate", lambda s: s.search("key \ud800", k=3), ConfigError),
    Hostile("query with NUL", lambda s: s.recall("where is the \x00 key"), ConfigError),
    Hostile("k zero", lambda s: s.search("key", k=0), ConfigError),
    Hostile("k a bool", lambda s: s.search("key", k=True), ConfigError),
    # batches and imports
    Hostile("one bad item of a batch", lambda s: s.add_many(["fine one", "", "fine two"]), ConfigError),
    Hostile("import id 2**40", _import_line(id=2**40), ImportRejectedError),
    Hostile("import negative id", _import_line(id=-3), ImportRejectedError),
    Hostile("import NaN vector", _import_line(embedding=NAN_VECTOR), ImportRejectedError),
    Hostile("import access count -5", _import_line(access_count=-5), ImportRejectedError),
    Hostile("import metadata a list", _import_line(metadata=["ab", "cd"]), ImportRejectedError),
    Hostile("import bool id", _import_line(id=True), ImportRejectedError),
    Hostile("import text with NUL", _import_line(text="a\x00b"), ImportRejectedError),
]


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[MemoryStore]:
    with MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=tmp_path / "idx", clock=lambda: NOW) as opened:
        opened.add_many(TEXTS)
        yield opened


def _state(store: MemoryStore) -> tuple[list[str], list[str]]:
    buffer = io.StringIO()
    write_jsonl(store.export_memories(vectors=True), buffer)
    return buffer.getvalue().splitlines(), store.namespaces()


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_a_hostile_input_raises_its_error_and_changes_nothing(
    store: MemoryStore, hostile: Hostile, db_url: str
) -> None:
    campaign = f"hostile inputs/{'postgres' if '://' in db_url else 'sqlite'}"
    before = _state(store)
    outcome: BaseException | None = None
    try:
        hostile.call(store)
    except BaseException as exc:  # noqa: BLE001 - the campaign counts whatever comes out
        outcome = exc
    clear = (
        type(outcome) is hostile.raises and bool(str(outcome).strip())
        if hostile.raises is not None
        else outcome is None
    )
    unchanged = _state(store) == before
    for text in TEXTS:
        assert store.search(text, k=1)[0].memory.text == text
    add(campaign, hostile_inputs_tried=1, clear_errors=int(clear), bad_behaviour=int(not (clear and unchanged)))
    assert clear, f"expected {hostile.raises}, got {type(outcome).__name__}: {outcome}"
    assert unchanged


def test_the_table_has_at_least_40_inputs() -> None:
    assert len(HOSTILE) >= 40
    assert len({h.name for h in HOSTILE}) == len(HOSTILE)


def test_a_file_that_is_not_a_database_is_a_database_error(tmp_path: Path) -> None:
    from agentmem import DatabaseError

    path = tmp_path / "notes.db"
    path.write_bytes(np.random.default_rng(19).bytes(8192))
    with pytest.raises(DatabaseError, match="not a database"):
        MemoryStore.open(path, embedder=CountingEmbedder())


def test_a_file_damaged_under_an_open_store_gives_database_errors(tmp_path: Path) -> None:
    """Recall reads on SQLite's own connection (db/sqlite_reads.py): its errors enter the tree there too."""

    path = tmp_path / "damaged.db"
    store = MemoryStore.open(path, embedder=CountingEmbedder())
    store.add_many(TEXTS)
    store.recall(TEXTS[0])
    size = path.stat().st_size
    with path.open("r+b") as file:  # every page after the first overwritten with noise
        file.seek(4096)
        file.write(np.random.default_rng(19).bytes(size - 4096))
    outcomes = []
    for call in (lambda: store.recall(TEXTS[1]), lambda: store.list_memories(), lambda: store.add("more")):
        try:
            call()
            outcomes.append("answered")
        except AgentMemError as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # noqa: BLE001
            outcomes.append(f"raw {type(exc).__name__}")
    assert not any(o.startswith("raw") for o in outcomes), outcomes
    with contextlib.suppress(AgentMemError):
        store.close()
