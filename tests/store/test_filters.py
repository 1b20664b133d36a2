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


@pytest.mark.parametrize("key", ['say "hi"', "back\\slash", "clé", "日本", "a.b[0]", "tab\tkey"])
def test_metadata_filters_find_keys_a_json_path_cannot_name(store: MemoryStore, key: str) -> None:
    """A key with a quote, a backslash or non-ASCII characters matches on SQLite as on PostgreSQL (issue 19,
    defect 12: SQLite's `$."key"` path silently matched nothing)."""
    scalar = store.add("a scalar", metadata={key: "v", "other": "v"}).id
    listed = store.add("a list", metadata={key: ["w", "v"]}).id
    store.add("another key", metadata={"other": "v"})
    for wanted, expected in (("v", {scalar, listed}), ("w", {listed}), (["w", "nothing"], {listed}), ("x", set())):
        found = {m.id for m in store.list_memories(where=MemoryFilter(metadata={key: wanted}))}
        assert found == expected, (key, wanted)


def test_a_filter_listing_too_many_values_is_a_clear_error(store: MemoryStore) -> None:
    from agentmem import ConfigError

    store.add("x", metadata={"n": 1})
    assert len(store.list_memories(where=MemoryFilter(metadata={"n": list(range(256))}))) == 1
    with pytest.raises(ConfigError, match="at most 256 values"):
        store.list_memories(where=MemoryFilter(metadata={"n": list(range(2000))}))
