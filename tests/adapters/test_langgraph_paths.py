"""LangGraph namespace tuples as agentmem namespace names: reversible for any labels, never aliased."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentmem.adapters.langgraph.paths import decode_namespace, encode_namespace, list_namespaces, matches

LABELS = st.text(min_size=1, max_size=12)
NAMESPACES = st.lists(LABELS, min_size=1, max_size=4).map(tuple)


@given(NAMESPACES)
def test_every_namespace_maps_back_exactly(namespace: tuple[str, ...]) -> None:
    name = encode_namespace(namespace)
    assert decode_namespace(name) == namespace
    assert name.strip() and "\x00" not in name


@given(NAMESPACES, NAMESPACES)
def test_different_namespaces_get_different_names(a: tuple[str, ...], b: tuple[str, ...]) -> None:
    assert (encode_namespace(a) == encode_namespace(b)) == (a == b)


@given(st.text(min_size=1, max_size=30))
def test_a_name_is_read_only_as_what_its_tuple_encodes_to(name: str) -> None:
    namespace = decode_namespace(name)
    assert namespace is None or encode_namespace(namespace) == name


def test_readable_names_and_refused_ones() -> None:
    assert encode_namespace(("memories", "alice")) == "memories/alice"
    assert encode_namespace(("a.b", "c/d", "100%")) == "a.b/c%2Fd/100%25"
    assert decode_namespace("team//x") is None and decode_namespace("bad%zz") is None
    assert decode_namespace("lower%2f") is None  # only the encoder's own (upper-case) escapes are read
    for bad in [(), ("",), ("a", "")]:
        with pytest.raises(ValueError):
            encode_namespace(bad)
    with pytest.raises(ValueError, match="255"):
        encode_namespace(("x" * 200, "y" * 60))


def test_matching_and_listing_follow_langgraph() -> None:
    assert matches(("a", "b", "c"), "prefix", ("a", "*")) and not matches(("a",), "prefix", ("a", "b"))
    assert matches(("a", "b", "c"), "suffix", ("*", "c")) and not matches(("a", "b"), "suffix", ("a",))
    with pytest.raises(ValueError):
        matches(("a",), "infix", ("a",))
    known = [("a", "b", "c"), ("a", "b", "d", "e"), ("a", "b", "d", "i"), ("a", "b", "f"), ("a", "c", "f")]
    # the BaseStore.list_namespaces docstring's own example
    assert list_namespaces(known, [("prefix", ("a", "b"))], max_depth=3, limit=100, offset=0) == [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("a", "b", "f"),
    ]
