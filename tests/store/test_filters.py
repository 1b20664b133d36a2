"""Metadata filters: typed equality, and membership in stored lists, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentmem import HashingEmbedder, JSONValue, MemoryFilter, MemoryStore


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[MemoryStore]:
    with MemoryStore.open(db_url, namespace="filters", embedder=HashingEmbedder(16), index_dir=tmp_path / "i") as s:
        yield s


@pytest.fixture
def labels(store: MemoryStore) -> dict[int, str]:
    rows = {
        "list": {"tags": ["door", "red"]},
        "scalar": {"tags": "door"},
        "mixed list": {"tags": [1, True, 2.5, "é"]},
        "texts": {"tags": ["1", "true"]},
        "typed": {"n": 3, "f": 2.5, "s": "x", "b": True, "tags": {"door": 1}},
    }
    return {store.add(name, metadata=meta).id: name for name, meta in rows.items()}


@pytest.mark.parametrize(
    ("key", "wanted", "expected"),
    [
        ("tags", "door", {"list", "scalar"}),  # a list holds it, or the value is it
        ("tags", "red", {"list"}),
        ("tags", 1, {"mixed list"}),  # the number, not true, not the text "1"
        ("tags", True, {"mixed list"}),
        ("tags", 2.5, {"mixed list"}),
        ("tags", "é", {"mixed list"}),
        ("tags", "1", {"texts"}),
        ("tags", "true", {"texts"}),
        ("tags", ["red", "é"], {"list", "mixed list"}),  # any of these
        ("n", 3, {"typed"}),
        ("n", 3.0, {"typed"}),  # a float filter matches an integral number
        ("n", "3", set()),
        ("b", True, {"typed"}),
        ("b", 1, set()),
        ("b", False, set()),
        ("s", "x", {"typed"}),
        ("missing", "x", set()),
    ],
)
def test_metadata_filters_match_values_and_list_members(
    store: MemoryStore, labels: dict[int, str], key: str, wanted: JSONValue, expected: set[str]
) -> None:
    where = MemoryFilter(metadata={key: wanted})
    assert {labels[m.id] for m in store.list_memories(where=where)} == expected
    # The filter is under test, not the relevance floor: every memory it lets through comes back.
    assert {labels[m.memory.id] for m in store.retrieve("door", k=10, where=where, floor=False)} == expected
