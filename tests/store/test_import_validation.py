"""Import checks every field before anything is written: one bad memory imports nothing and never disables
the namespace or the database (issue 19, defects 2-6)."""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentmem import ImportRejectedError, MemoryStore, read_jsonl, write_jsonl
from tests.cli.harness import Cli
from tests.support import CountingEmbedder

TEXTS = ["the kettle is in the left cupboard", "the spare key is under the blue pot", "the cat is fed at six"]


def _exported(db: str | Path, namespace: str = "default") -> list[dict[str, Any]]:
    with MemoryStore.open(db, namespace=namespace, embedder=CountingEmbedder()) as store:
        if not store.stats().active:
            store.add_many(TEXTS)
        buffer = io.StringIO()
        write_jsonl(store.export_memories(vectors=True), buffer)
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def _vector(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def _state(store: MemoryStore) -> list[str]:
    buffer = io.StringIO()
    write_jsonl(store.export_memories(vectors=True), buffer)
    return buffer.getvalue().splitlines()


UNIT = [1.0] + [0.0] * 63
BAD_FIELDS: dict[str, Callable[[dict[str, Any]], None]] = {
    "id at 2**40": lambda line: line.update(id=2**40),
    "negative id": lambda line: line.update(id=-3),
    "float id": lambda line: line.update(id=7.0),
    "bool id": lambda line: line.update(id=True),
    "NaN vector": lambda line: line.update(embedding=_vector([float("nan"), *UNIT[1:]])),
    "vector of norm 1e30": lambda line: line.update(embedding=_vector([1e30, *UNIT[1:]])),
    "vector of another size": lambda line: line.update(embedding=_vector(UNIT[:32])),
    "negative access count": lambda line: line.update(access_count=-5),
    "metadata a list": lambda line: line.update(metadata=["ab", "cd"]),
    "superseded_by nowhere": lambda line: line.update(superseded_by=987_654),
    "source in no namespace": lambda line: line.update(sources=[987_654]),
    "importance a string": lambda line: line.update(importance="high"),
    "created_at not a time": lambda line: line.update(created_at="yesterday"),
    "status unknown": lambda line: line.update(status="deleted"),
}


@pytest.mark.parametrize("keep_ids", [True, False], ids=["keep-ids", "new-ids"])
@pytest.mark.parametrize("bad", sorted(BAD_FIELDS))
def test_a_bad_field_imports_nothing_and_leaves_the_namespace_working(tmp_path: Path, bad: str, keep_ids: bool) -> None:
    lines = _exported(tmp_path / "source.db")
    for line in lines:
        line["id"] += 100  # ids free in the target database
        line["superseded_by"] = None
    BAD_FIELDS[bad](lines[1])
    with MemoryStore.open(tmp_path / "target.db", embedder=CountingEmbedder()) as target:
        target.add("already here before the import")
        before = _state(target)
        with pytest.raises(ImportRejectedError) as caught:
            target.import_memories(read_jsonl(io.StringIO("\n".join(json.dumps(x) for x in lines))), keep_ids=keep_ids)
        (problem,) = caught.value.problems  # named by the reader (input:2, its line) or the store (memory #1)
        assert problem.startswith(("input:2: ", "memory #1: ")) and problem.count(": ") >= 1, problem
        assert not problem.startswith(("input:2: input:2", "memory #1: memory #1"))
        assert _state(target) == before
        assert target.search("already here before the import", k=1)[0].relevance > 0.999
        target.add("added after the rejected import")
        target.with_namespace("other").add("another namespace still works")
        good = [x for i, x in enumerate(lines) if i != 1]
        target.import_memories(read_jsonl(io.StringIO("\n".join(json.dumps(x) for x in good))), keep_ids=keep_ids)
        for text in (TEXTS[0], TEXTS[2]):
            assert target.search(text, k=1)[0].memory.text == text


def test_every_bad_line_is_reported_once_with_its_number(tmp_path: Path) -> None:
    lines = _exported(tmp_path / "source.db")
    lines[0]["id"] = -1
    lines[2]["access_count"] = -5
    lines[2]["metadata"] = ["ab"]
    text = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    with pytest.raises(ImportRejectedError) as caught:
        list(read_jsonl(io.StringIO(text), name="dump.jsonl"))
    # The JSON reader reports what it can see alone (types, JSON); the store the values.
    assert [p.split(": ")[0] for p in caught.value.problems] == ["dump.jsonl:3", "dump.jsonl:4"]
    file = tmp_path / "dump.jsonl"
    lines[2]["metadata"] = {}
    file.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = Cli(tmp_path / "target.db")("import", str(file))
    assert result.exit_code != 0
    message = result.stderr
    assert f"{file}:1: id must be an integer id" in message and f"{file}:3: access_count" in message
    assert f"{file}:1: {file}:1" not in message and message.count(f"{file}:1:") == 1
    assert Cli(tmp_path / "target.db").json("stats")["active"] == 0


def test_the_cli_imports_no_namespace_when_a_line_of_another_is_bad(tmp_path: Path) -> None:
    db = tmp_path / "both.db"
    lines = _exported(db, "first") + _exported(db, "second")
    for line in lines:
        line["id"] += 1000
        line["superseded_by"] = None
    lines[-1]["id"] = 2**40
    file = tmp_path / "both.jsonl"
    file.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = Cli(tmp_path / "target.db")("import", str(file))
    assert result.exit_code != 0 and f"{file}:6:" in result.stderr
    for namespace in ("first", "second"):
        assert Cli(tmp_path / "target.db", namespace=namespace).json("stats")["active"] == 0


def test_links_into_another_namespace_are_refused_with_new_ids(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with MemoryStore.open(db, namespace="elsewhere", embedder=CountingEmbedder()) as other:
        (record,) = other.add_many(["a memory of another namespace"])
    foreign = record.id
    lines = _exported(tmp_path / "source.db")
    for line in lines:
        line["id"] += 100
    lines[0]["superseded_by"] = foreign
    lines[1]["sources"] = [foreign]
    with MemoryStore.open(db, embedder=CountingEmbedder()) as store:
        with pytest.raises(ImportRejectedError, match="another namespace") as caught:
            store.import_memories(read_jsonl(io.StringIO("\n".join(json.dumps(x) for x in lines))), keep_ids=False)
        assert len(caught.value.problems) == 2
        assert store.stats().active == 0


def test_a_vector_within_rounding_of_unit_norm_is_accepted(tmp_path: Path) -> None:
    lines = _exported(tmp_path / "source.db")
    vector = np.frombuffer(base64.b64decode(lines[0]["embedding"]), dtype="<f4") * np.float32(1.0004)
    lines[0]["embedding"] = base64.b64encode(vector.astype("<f4").tobytes()).decode()
    with MemoryStore.open(tmp_path / "t.db", embedder=CountingEmbedder()) as store:
        store.import_memories(read_jsonl(io.StringIO("\n".join(json.dumps(x) for x in lines))))
        assert store.search(TEXTS[0], k=1)[0].memory.text == TEXTS[0]
