"""Fuzzing (hypothesis, bounded): the JSONL importer and the metadata filter builder.

Importer: a valid exported line with fields replaced by arbitrary JSON. An accepted import round-trips
through export; a rejected one leaves the store exactly as it was (and always with an AgentMemError).
Filters: random filters over memories with random metadata give exactly what a Python reference filter
over the same memories gives, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import itertools
import json
import random
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentmem import AgentMemError, MemoryFilter, MemoryStore, read_jsonl, write_jsonl
from agentmem.store.jsonl import memory_from_json, memory_to_json
from tests.campaigns.figures import add
from tests.support import CountingEmbedder

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
FRESH_IDS = itertools.count(1000)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
FIELDS = [
    "id", "text", "kind", "importance", "created_at", "last_accessed_at", "access_count", "status", "metadata",
    "superseded_by", "sources", "key", "embedding", "model_id", "embedded_text", "format",
]  # fmt: skip


def _state(store: MemoryStore) -> list[str]:
    buffer = io.StringIO()
    write_jsonl(store.export_memories(vectors=True), buffer)
    return buffer.getvalue().splitlines()


def _comparable(line: dict[str, Any]) -> dict[str, Any]:
    # What an import must keep: everything but the namespace it goes to and the version it gets.
    kept = memory_to_json(memory_from_json(line))
    return {k: v for k, v in kept.items() if k not in ("namespace", "version")}


@pytest.fixture
def importer(tmp_path: Path) -> Iterator[tuple[MemoryStore, dict[str, Any]]]:
    with MemoryStore.open(tmp_path / "fuzz.db", embedder=CountingEmbedder(), clock=lambda: NOW) as store:
        store.add("a memory to export", metadata={"k": "v"})
        (template,) = (json.loads(x) for x in _state(store))
        yield store, template


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1, max_size=3), drop=st.booleans())
def test_fuzzed_import_lines_round_trip_or_change_nothing(
    importer: tuple[MemoryStore, dict[str, Any]], changes: dict[str, Any], drop: bool
) -> None:
    store, template = importer
    line = template | {"id": next(FRESH_IDS)} | changes  # an id no memory has, unless the example changes it
    if drop:
        line.pop(next(iter(changes)))
    before = _state(store)
    try:
        ids = store.import_memories(read_jsonl(io.StringIO(json.dumps(line))))
    except AgentMemError:
        add("fuzz/import", examples=1, rejected=1, changed_by_a_rejection=int(_state(store) != before))
        assert _state(store) == before
        return
    except Exception as exc:
        add("fuzz/import", examples=1, raw_exceptions=1)
        raise AssertionError(f"{type(exc).__name__} outside the error tree: {exc}") from exc
    after = [json.loads(x) for x in _state(store)]
    (imported,) = [x for x in after if x["id"] == ids[0]]
    expected = _comparable(line)
    if expected.get("model_id") != imported.get("model_id"):  # re-embedded with the store's model
        for field in ("model_id", "embedding"):
            expected.pop(field, None)
            imported.pop(field, None)
    add("fuzz/import", examples=1, accepted=1, round_trip_mismatches=int(_comparable(imported) != expected))
    assert _comparable(imported) == expected
    store.forget(ids[0])  # the next example starts from the same store


KEYS = ["tag", 'say "hi"', "clé", "n"]
SCALARS: list[Any] = [True, False, 0, 1, 2, -7, 0.5, 2.5, "door", "é", "1", "true", 'q"uote', ""]


def _random_metadata(rng: random.Random) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key in KEYS:
        roll = rng.random()
        if roll < 0.4:
            metadata[key] = rng.choice(SCALARS)
        elif roll < 0.7:
            metadata[key] = rng.sample(SCALARS, rng.randint(0, 3))
    return metadata


def _same(stored: Any, wanted: Any) -> bool:
    """Typed equality of a stored JSON value and a filter value: true is not 1, "1" is not 1, 1.0 is 1."""
    if isinstance(wanted, bool) or isinstance(stored, bool):
        return type(stored) is type(wanted) and stored == wanted
    if isinstance(wanted, str) or isinstance(stored, str):
        return type(stored) is type(wanted) and stored == wanted
    return stored == wanted


def _reference(metadata: dict[str, Any], where: dict[str, Any]) -> bool:
    for key, wanted in where.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if key not in metadata:
            return False
        stored = metadata[key]
        held = stored if isinstance(stored, list) else []
        if not any(_same(stored, o) or any(_same(item, o) for item in held) for o in options):
            return False
    return True


@pytest.fixture
def filtered(db_url: str, tmp_path: Path) -> Iterator[tuple[MemoryStore, dict[int, dict[str, Any]]]]:
    rng = random.Random(19)
    with MemoryStore.open(db_url, embedder=CountingEmbedder(), index_dir=tmp_path / "i", clock=lambda: NOW) as store:
        metas = [_random_metadata(rng) for _ in range(40)]
        ids = [store.add(f"filtered memory number {i}", metadata=m).id for i, m in enumerate(metas)]
        yield store, dict(zip(ids, metas, strict=True))


@FUZZ
@given(
    where=st.dictionaries(
        st.sampled_from(KEYS),
        st.sampled_from(SCALARS) | st.lists(st.sampled_from(SCALARS), min_size=1, max_size=4),
        min_size=1,
        max_size=2,
    )
)
def test_fuzzed_filters_match_a_python_reference(
    filtered: tuple[MemoryStore, dict[int, dict[str, Any]]], where: dict[str, Any], db_url: str
) -> None:
    store, metas = filtered
    found = {m.id for m in store.list_memories(where=MemoryFilter(metadata=where), limit=1000)}
    expected = {i for i, meta in metas.items() if _reference(meta, where)}
    backend = "postgres" if "://" in db_url else "sqlite"
    add(f"fuzz/filters/{backend}", examples=1, wrong_answers=int(found != expected))
    assert found == expected, (where, sorted(found ^ expected))
