"""LangGraph namespace tuples as agentmem namespace names, both ways, and LangGraph's namespace matching.

A tuple maps onto one agentmem namespace: its labels percent-escaped (``%``, ``/``, control characters,
and a label made only of whitespace) and joined by ``/``. ``("memories", "alice")`` is the agentmem
namespace ``memories/alice``, so the CLI reads it as ``agentmem recall --namespace memories/alice``; a label
``"a/b.c"`` becomes ``a%2Fb.c``. The mapping is injective for any string labels (dots, slashes, unicode),
and a name is read back only if it is exactly what its tuple encodes to, so an agentmem namespace made
outside LangGraph can never alias another tuple. Pure: no I/O, no LangGraph import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["decode_namespace", "encode_namespace", "list_namespaces", "matches"]

MAX_NAME = 255
"""agentmem namespace names are at most this long."""


def _escape(label: str) -> str:
    whole = not label.strip()  # a label of whitespace alone would leave a blank agentmem name
    out: list[str] = []
    for char in label:
        if char in "%/" or ord(char) < 0x20 or ord(char) == 0x7F or (whole and char.isspace()):
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def _unescape(text: str) -> str | None:
    raw = bytearray()
    position = 0
    while position < len(text):
        char = text[position]
        if char == "%":
            pair = text[position + 1 : position + 3]
            if len(pair) != 2 or not all(c in "0123456789ABCDEF" for c in pair):
                return None
            raw.append(int(pair, 16))
            position += 3
        else:
            raw.extend(char.encode("utf-8"))
            position += 1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def encode_namespace(namespace: Sequence[str]) -> str:
    """The agentmem namespace name of a LangGraph namespace tuple.

    Raises:
        ValueError: the tuple is empty, a label is empty or not a string, or the name would exceed 255
            characters (the caller turns it into LangGraph's ``InvalidNamespaceError``).
    """
    if not namespace:
        raise ValueError("a namespace needs at least one label")
    for label in namespace:
        if not isinstance(label, str) or not label:
            raise ValueError(f"namespace labels must be non-empty strings, got {label!r} in {tuple(namespace)!r}")
    name = "/".join(_escape(label) for label in namespace)
    if len(name) > MAX_NAME:
        raise ValueError(f"namespace {tuple(namespace)!r} is {len(name)} characters once encoded; at most {MAX_NAME}")
    return name


def decode_namespace(name: str) -> tuple[str, ...] | None:
    """The tuple an agentmem namespace name encodes, or None for a name no tuple encodes to."""
    labels = []
    for part in name.split("/"):
        label = _unescape(part)
        if not label:
            return None
        labels.append(label)
    namespace = tuple(labels)
    return namespace if encode_namespace(namespace) == name else None


def matches(namespace: tuple[str, ...], match_type: str, path: Sequence[str]) -> bool:
    """LangGraph's MatchCondition: ``path`` (``"*"`` matches any one label) at the start or end."""
    if len(namespace) < len(path):
        return False
    if match_type == "prefix":
        pairs = zip(namespace, path, strict=False)
    elif match_type == "suffix":
        pairs = zip(reversed(namespace), reversed(path), strict=False)
    else:
        raise ValueError(f"match_type must be 'prefix' or 'suffix', not {match_type!r}")
    return all(wanted in ("*", label) for label, wanted in pairs)


def list_namespaces(
    namespaces: Iterable[tuple[str, ...]],
    conditions: Iterable[tuple[str, Sequence[str]]],
    *,
    max_depth: int | None,
    limit: int,
    offset: int,
) -> list[tuple[str, ...]]:
    """LangGraph's ListNamespacesOp over known namespaces: matched, cut to ``max_depth``, sorted, paged."""
    wanted = list(conditions)
    found = {
        ns if max_depth is None else ns[:max_depth]
        for ns in namespaces
        if all(matches(ns, match_type, path) for match_type, path in wanted)
    }
    return sorted(found)[offset : offset + limit]
