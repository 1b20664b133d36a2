"""The same operations on LangGraph's own InMemoryStore and on AgentMemStore give the same results
wherever LangGraph defines them. Where LangGraph's stores disagree with each other (the order of a
search without a query: InMemoryStore keeps insertion order, its SQL stores put the newest first),
AgentMemStore follows the SQL stores and the comparison is of the same items, each page in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from langgraph.store.base import BaseStore, InvalidNamespaceError

from agentmem.adapters.langgraph import AgentMemStore
from tests.adapters.langgraph_support import agentmem_store, as_tuples, reference

ITEMS = [
    (("users", "alice", "notes"), "tea", {"text": "Alice likes green tea in the morning", "n": 1, "tag": "food"}),
    (("users", "alice", "notes"), "flight", {"text": "Alice flies to Lisbon on Friday", "n": 5, "tag": "travel"}),
    (("users", "alice", "prefs"), "seat", {"text": "Alice wants a window seat", "n": 3, "tag": "travel"}),
    (("users", "bob", "notes"), "coffee", {"text": "Bob drinks black coffee", "n": 2, "tag": "food"}),
    (("users", "bob", "notes"), "build", {"text": "Bob fixed the failing build", "n": 4, "tag": "work", "x": {"k": 1}}),
    (("docs",), "readme", {"text": "The readme explains the install", "n": 0, "tag": "work"}),
    (("docs", "v1"), "api", {"text": "The API takes JSON requests", "n": 9, "tag": "work"}),
]


@pytest.fixture
def pair(tmp_path: Path, db_url: str) -> tuple[BaseStore, AgentMemStore]:
    """InMemoryStore and AgentMemStore, on a SQLite file and on PostgreSQL."""
    ours = agentmem_store(tmp_path, url=db_url)
    yield reference(), ours
    ours.close()


def _fill(*stores: BaseStore) -> None:
    for store in stores:
        for namespace, key, value in ITEMS:
            store.put(namespace, key, value)


def test_put_get_overwrite_delete(pair: tuple[BaseStore, AgentMemStore]) -> None:
    theirs, ours = pair
    _fill(theirs, ours)
    for namespace, key, _ in ITEMS:
        assert as_tuples([ours.get(namespace, key)]) == as_tuples([theirs.get(namespace, key)])
    first = ours.get(("docs",), "readme")
    for store in pair:
        store.put(("docs",), "readme", {"text": "The readme was rewritten", "n": 7})
        store.delete(("users", "bob", "notes"), "coffee")
        store.delete(("users", "bob", "notes"), "never-existed")
    again = ours.get(("docs",), "readme")
    assert again is not None and first is not None
    assert again.value == theirs.get(("docs",), "readme").value == {"text": "The readme was rewritten", "n": 7}
    assert again.created_at == first.created_at and again.updated_at > first.updated_at
    assert ours.get(("users", "bob", "notes"), "coffee") is None is theirs.get(("users", "bob", "notes"), "coffee")
    assert ours.get(("nowhere",), "x") is None


@pytest.mark.parametrize(
    ("prefix", "suffix", "max_depth", "limit", "offset"),
    [
        (None, None, None, 100, 0),
        (("users",), None, None, 100, 0),
        (("users", "*", "notes"), None, None, 100, 0),
        (None, ("notes",), None, 100, 0),
        (None, ("*", "notes"), None, 100, 0),
        (("users",), ("notes",), None, 100, 0),
        (None, None, 1, 100, 0),
        (("users",), None, 2, 100, 0),
        (None, None, None, 2, 1),
        (None, None, 2, 1, 2),
        (("nothing",), None, None, 100, 0),
    ],
)
def test_list_namespaces(
    pair: tuple[BaseStore, AgentMemStore],
    prefix: tuple[str, ...] | None,
    suffix: tuple[str, ...] | None,
    max_depth: int | None,
    limit: int,
    offset: int,
) -> None:
    theirs, ours = pair
    _fill(theirs, ours)
    asked: dict[str, Any] = {"prefix": prefix, "suffix": suffix, "max_depth": max_depth, "limit": limit}
    assert ours.list_namespaces(**asked, offset=offset) == theirs.list_namespaces(**asked, offset=offset)


@pytest.mark.parametrize(
    ("prefix", "filter"),
    [
        ((), None),
        (("users",), None),
        (("users", "alice"), {"tag": "travel"}),
        ((), {"n": {"$gt": 2}}),
        ((), {"n": {"$gte": 3, "$lt": 5}}),
        ((), {"n": {"$lte": 1}}),
        ((), {"tag": {"$ne": "work"}}),
        ((), {"tag": {"$eq": "food"}, "n": 2}),
        ((), {"x": {"k": 1}}),
        (("docs",), {"tag": "work"}),
        (("users", "carol"), None),
    ],
)
def test_search_with_filters_finds_the_same_items(
    pair: tuple[BaseStore, AgentMemStore], prefix: tuple[str, ...], filter: dict[str, Any] | None
) -> None:
    theirs, ours = pair
    _fill(theirs, ours)
    expected = sorted(as_tuples(theirs.search(prefix, filter=filter, limit=100)))
    assert sorted(as_tuples(ours.search(prefix, filter=filter, limit=100))) == expected
    with_query = ours.search(prefix, query="Alice travel plans", filter=filter, limit=100)
    assert sorted(as_tuples(with_query)) == expected
    assert sorted(as_tuples(theirs.search(prefix, query="Alice travel plans", filter=filter, limit=100))) == expected


def test_limit_and_offset_page_through_everything_once(pair: tuple[BaseStore, AgentMemStore]) -> None:
    theirs, ours = pair
    _fill(theirs, ours)
    for query in (None, "who likes tea"):
        pages = [ours.search((), query=query, limit=3, offset=start) for start in range(0, 9, 3)]
        flat = [t for page in pages for t in as_tuples(page)]
        assert len(flat) == len(ITEMS) and sorted(flat) == sorted(as_tuples(theirs.search((), limit=100)))
        assert [len(p) for p in pages] == [3, 3, 1]
    # without a query, newest first (LangGraph's SQL stores order by updated_at descending)
    assert [i.key for i in ours.search((), limit=3)] == [key for _, key, _ in reversed(ITEMS)][:3]


def test_search_ranks_the_same_items_by_agentmem_score(pair: tuple[BaseStore, AgentMemStore]) -> None:
    theirs, ours = pair
    _fill(theirs, ours)
    query = "green tea in the morning"
    mine, reference_hits = ours.search((), query=query, limit=100), theirs.search((), query=query, limit=100)
    assert sorted(as_tuples(mine)) == sorted(as_tuples(reference_hits))
    scores = [i.score for i in mine]
    assert all(s is not None for s in scores) and scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    # agentmem's score at cosine-only weights is the cosine InMemoryStore reports
    theirs_by_key = {i.key: i.score for i in reference_hits}
    assert {i.key: i.score for i in mine} == pytest.approx(theirs_by_key, abs=1e-5)
    top = ours.memory_for(("users", "alice", "notes")).retrieve(query, k=1)[0]
    assert (mine[0].key, mine[0].score) == ("tea", pytest.approx(top.score))
    offset_page = ours.search((), query=query, limit=2, offset=1)
    assert [i.key for i in offset_page] == [i.key for i in mine[1:3]]


def test_items_without_an_index_are_found_without_a_score(pair: tuple[BaseStore, AgentMemStore]) -> None:
    theirs, ours = pair
    for store in pair:
        store.put(("kb",), "indexed", {"text": "the tea ceremony"})
        store.put(("kb",), "plain", {"text": "tea tea tea"}, index=False)
        store.put(("kb",), "fieldless", {"other": "no text field at all"})
        store.put(("kb",), "chosen", {"title": "tea", "text": "unrelated words"}, index=["title"])
    for store in pair:
        found = store.search(("kb",), query="tea", limit=10)
        assert [i.key for i in found[:2]] == ["chosen", "indexed"] and found[0].score is not None
        assert {(i.key, i.score) for i in found[2:]} == {("plain", None), ("fieldless", None)}
    assert as_tuples([ours.get(("kb",), "plain")]) == as_tuples([theirs.get(("kb",), "plain")])


def test_async_variants_give_the_same_results(pair: tuple[BaseStore, AgentMemStore]) -> None:
    import asyncio

    theirs, ours = pair

    async def run(store: BaseStore) -> list[Any]:
        await store.aput(("a", "b"), "k1", {"text": "first async item", "n": 1})
        await store.aput(("a", "c"), "k2", {"text": "second async item", "n": 2})
        await store.adelete(("a", "c"), "k2")
        got = await store.aget(("a", "b"), "k1")
        hits = await store.asearch(("a",), query="async", filter={"n": 1})
        listed = await store.alist_namespaces(prefix=("a",))
        return [as_tuples([got]), as_tuples(hits), listed]

    assert asyncio.run(run(ours)) == asyncio.run(run(theirs))


def test_namespaces_with_any_labels_map_back_exactly(tmp_path: Path) -> None:
    ours = agentmem_store(tmp_path)
    odd = [("a.b", "c/d"), ("a", "b", "c", "d"), ("ünï", "😀", "%2F"), ("  ",), ("x", "a b\tc"), ("agentmem:1",)]
    from langgraph.store.base import PutOp

    ours.batch([PutOp(ns, "k", {"text": "/".join(ns)}) for ns in odd])
    assert sorted(ours.list_namespaces(limit=100)) == sorted(odd)
    for ns in odd:
        item = ours.get(ns, "k") if all("." not in label for label in ns) else ours.batch([_get(ns)])[0]
        assert item is not None and item.value == {"text": "/".join(ns)} and tuple(item.namespace) == ns
    assert ours.memory.namespaces() == sorted(
        ["a.b/c%2Fd", "a/b/c/d", "ünï/😀/%252F", "%20%20", "x/a b%09c", "agentmem:1"]
    )
    with pytest.raises(InvalidNamespaceError):
        ours.batch([PutOp((), "k", {"v": 1})])
    with pytest.raises(InvalidNamespaceError):
        ours.batch([PutOp(("a", ""), "k", {"v": 1})])
    ours.close()


def _get(namespace: tuple[str, ...]) -> Any:
    from langgraph.store.base import GetOp

    return GetOp(namespace, "k")


# -- a bounded random comparison ---------------------------------------------------------------------

NAMESPACES = [("u", "alice"), ("u", "bob"), ("u", "bob", "deep"), ("team", "bob")]
KEYS = ["k1", "k2", "k3", "k4"]
WORDS = ["tea", "coffee", "lisbon", "flight", "build", "window", "music", "garden"]
VALUES = st.fixed_dictionaries(
    {
        "text": st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
        "n": st.integers(0, 5),
        "tag": st.sampled_from(["a", "b"]),
    }
)
FILTERS = st.one_of(
    st.none(),
    st.fixed_dictionaries({"tag": st.sampled_from(["a", "b"])}),
    st.builds(
        lambda op, n: {"n": {op: n}}, st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]), st.integers(0, 5)
    ),
)
PREFIXES = st.sampled_from([(), ("u",), ("u", "bob"), ("team",), ("u", "alice")])


class SameAsInMemoryStore(RuleBasedStateMachine):
    """Random puts, overwrites and deletes; every read compared with InMemoryStore's."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.folder = tempfile.TemporaryDirectory()
        self.ours = agentmem_store(Path(self.folder.name))
        self.theirs = reference()

    @initialize()
    def seed(self) -> None:
        # Every namespace exists in both from the start: InMemoryStore also lists a namespace that was
        # only read or deleted from (its dict of namespaces is a defaultdict), AgentMemStore does not.
        for store in (self.ours, self.theirs):
            for namespace in NAMESPACES:
                store.put(namespace, "seed", {"text": "seed", "n": 0, "tag": "a"})

    @rule(namespace=st.sampled_from(NAMESPACES), key=st.sampled_from(KEYS), value=VALUES)
    def put(self, namespace: tuple[str, ...], key: str, value: dict[str, Any]) -> None:
        self.ours.put(namespace, key, value)
        self.theirs.put(namespace, key, value)

    @rule(namespace=st.sampled_from(NAMESPACES), key=st.sampled_from([*KEYS, "seed"]))
    def delete(self, namespace: tuple[str, ...], key: str) -> None:
        self.ours.delete(namespace, key)
        self.theirs.delete(namespace, key)

    @rule(namespace=st.sampled_from(NAMESPACES), key=st.sampled_from([*KEYS, "seed"]))
    def get(self, namespace: tuple[str, ...], key: str) -> None:
        assert as_tuples([self.ours.get(namespace, key)]) == as_tuples([self.theirs.get(namespace, key)])

    @rule(prefix=PREFIXES, filter=FILTERS, query=st.sampled_from([None, "tea flight", "garden music"]))
    def search(self, prefix: tuple[str, ...], filter: dict[str, Any] | None, query: str | None) -> None:
        mine = self.ours.search(prefix, query=query, filter=filter, limit=100)
        theirs = self.theirs.search(prefix, query=query, filter=filter, limit=100)
        assert sorted(as_tuples(mine)) == sorted(as_tuples(theirs))
        if query:
            assert {i.key + "/".join(i.namespace): i.score for i in mine} == pytest.approx(
                {i.key + "/".join(i.namespace): i.score for i in theirs}, abs=1e-5
            )

    @rule(
        prefix=st.sampled_from([None, ("u",), ("u", "*")]),
        suffix=st.sampled_from([None, ("bob",), ("*", "bob")]),
        max_depth=st.sampled_from([None, 1, 2]),
        offset=st.integers(0, 2),
    )
    def list_namespaces(
        self, prefix: tuple[str, ...] | None, suffix: tuple[str, ...] | None, max_depth: int | None, offset: int
    ) -> None:
        asked: dict[str, Any] = {"prefix": prefix, "suffix": suffix, "max_depth": max_depth, "offset": offset}
        assert self.ours.list_namespaces(**asked, limit=2) == self.theirs.list_namespaces(**asked, limit=2)

    @invariant()
    def every_item_is_the_same(self) -> None:
        assert sorted(as_tuples(self.ours.search((), limit=1000))) == sorted(
            as_tuples(self.theirs.search((), limit=1000))
        )

    def teardown(self) -> None:
        self.ours.close()
        self.folder.cleanup()


SameAsInMemoryStore.TestCase.settings = settings(
    max_examples=12, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_random_operations_match_in_memory_store = SameAsInMemoryStore.TestCase
