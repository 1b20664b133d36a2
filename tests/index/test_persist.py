"""The index file format: atomic writes, and every kind of damage detected as IndexCorruptError."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from agentmem.errors import IndexCorruptError
from agentmem.index.faiss import FaissIndex
from agentmem.index.hnsw import HnswIndex
from agentmem.index.ivf import IvfIndex
from agentmem.index.kinds import create_index, load_index
from agentmem.index.persist import MAGIC, IndexHeader, read_index_file, write_index_file
from agentmem.index.sq8 import Sq8Index
from agentmem.vectors import VectorIndex

HEADER = IndexHeader(kind="exact", dimensions=4, version=3, count=2)
PAYLOAD = bytes(range(256)) * 4


def raw_file(meta: dict[str, object], payload: bytes) -> bytes:
    """An index file built by hand, to damage it in ways the writer never would."""
    encoded = json.dumps(meta).encode()
    return MAGIC + struct.pack("<I", len(encoded)) + encoded + payload


def good_meta(payload: bytes, **changes: object) -> dict[str, object]:
    meta: dict[str, object] = {
        "format": 1,
        "kind": "exact",
        "dimensions": 4,
        "version": 3,
        "count": 2,
        "payload_length": len(payload),
        "payload_crc32": zlib.crc32(payload),
    }
    meta.update(changes)
    return meta


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "a.idx"
    write_index_file(path, HEADER, PAYLOAD)
    assert read_index_file(path) == (HEADER, PAYLOAD)
    assert path.read_bytes().startswith(MAGIC)


def test_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_index_file(tmp_path / "a.idx", HEADER, PAYLOAD)
    write_index_file(tmp_path / "a.idx", HEADER, b"second")
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx"]
    assert read_index_file(tmp_path / "a.idx")[1] == b"second"


def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.idx"
    write_index_file(path, HEADER, PAYLOAD)

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        write_index_file(path, HEADER, b"new bytes")
    monkeypatch.undo()
    assert read_index_file(path) == (HEADER, PAYLOAD)
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx"]


def test_a_crash_before_the_rename_leaves_the_old_file_intact(tmp_path: Path) -> None:
    index = create_index("exact", 4)
    index.upsert(np.array([1, 2]), np.eye(4, dtype=np.float32)[:2])
    index.version = 1
    path = tmp_path / "ns.idx"
    index.save(path)
    # A real crash: the child process dies at the moment it would rename its finished temporary file.
    code = (
        "import os, sys, numpy as np\n"
        "from pathlib import Path\n"
        "from agentmem.index.kinds import create_index\n"
        "os.replace = lambda *args: os._exit(3)\n"
        "index = create_index('exact', 4)\n"
        "index.upsert(np.arange(3), np.eye(4, dtype=np.float32)[:3])\n"
        "index.version = 2\n"
        "index.save(Path(sys.argv[1]))\n"
    )
    child = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    assert child.returncode == 3, child.stderr
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert len(leftovers) == 2 and leftovers[0].startswith(".ns.idx.") and leftovers[0].endswith(".tmp")
    loaded = load_index(path)
    assert (loaded.version, len(loaded)) == (1, 2)
    np.testing.assert_array_equal(loaded.ids(), [1, 2])


KINDS = ["exact", "faiss", "hnsw", "ivf", "sq8"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_truncated_index_is_corrupt(tmp_path: Path, kind: str) -> None:
    index = create_index(kind, 8)
    index.upsert(np.arange(10), np.eye(10, 8, dtype=np.float32))
    path = tmp_path / "ns.idx"
    index.save(path)
    data = path.read_bytes()
    for length in (len(data) - 1, len(data) // 2, 20, 10, 5, 0):
        path.write_bytes(data[:length])
        with pytest.raises(IndexCorruptError, match="truncated") as caught:
            load_index(path)
        assert caught.value.path == str(path)


@pytest.mark.parametrize("kind", KINDS)
def test_a_flipped_payload_byte_is_corrupt(tmp_path: Path, kind: str) -> None:
    index = create_index(kind, 8)
    index.upsert(np.arange(10), np.eye(10, 8, dtype=np.float32))
    path = tmp_path / "ns.idx"
    index.save(path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(path)


@pytest.mark.parametrize(
    "content",
    [b"garbage, not an index at all", b"\x00" * 100, MAGIC + b"\xff\xff\xff\xff", b"AGMEMIDY" + b"\x00" * 50],
)
def test_a_garbage_file_is_corrupt(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ns.idx"
    path.write_bytes(content)
    with pytest.raises(IndexCorruptError):
        read_index_file(path)


@pytest.mark.parametrize(
    ("meta_changes", "reason"),
    [
        ({"format": 2}, "format"),
        ({"kind": 5}, "kind"),
        ({"dimensions": 0}, "dimensions"),
        ({"count": True}, "count"),
        ({"version": -1}, "version"),
        ({"payload_crc32": "abc"}, "payload_crc32"),
        ({"payload_length": len(PAYLOAD) - 1}, "unexpected bytes"),
        ({"payload_length": len(PAYLOAD) + 1}, "truncated"),
        ({"params": [1]}, "params"),
        ({"params": {"nprobe": -1}}, "params"),
        ({"params": {"nprobe": True}}, "params"),
    ],
)
def test_a_bad_header_is_corrupt(tmp_path: Path, meta_changes: dict[str, object], reason: str) -> None:
    path = tmp_path / "ns.idx"
    path.write_bytes(raw_file(good_meta(PAYLOAD, **meta_changes), PAYLOAD))
    with pytest.raises(IndexCorruptError, match=reason):
        read_index_file(path)


def test_header_json_that_does_not_parse_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "ns.idx"
    broken = b'{"format": 1, "kind": '
    path.write_bytes(MAGIC + struct.pack("<I", len(broken)) + broken + PAYLOAD)
    with pytest.raises(IndexCorruptError, match="JSON"):
        read_index_file(path)


@pytest.mark.parametrize(
    ("meta_changes", "payload", "reason"),
    [
        ({"kind": "annoy"}, b"", "unknown index kind"),
        ({"count": 3}, b"\x00" * (2 * 8 + 2 * 4 * 4), "does not fit"),
        ({"count": 2}, (np.array([5, 5]).tobytes() + bytes(32)), "repeated"),
        ({"kind": "faiss"}, b"not a faiss index", "FAISS cannot read"),
    ],
)
def test_load_index_refuses_consistent_files_with_inconsistent_contents(
    tmp_path: Path, meta_changes: dict[str, object], payload: bytes, reason: str
) -> None:
    path = tmp_path / "ns.idx"
    path.write_bytes(raw_file(good_meta(payload, **meta_changes), payload))
    with pytest.raises(IndexCorruptError, match=reason):
        load_index(path)


def test_load_index_refuses_a_faiss_payload_whose_header_lies(tmp_path: Path) -> None:
    index = create_index("faiss", 8)
    index.upsert(np.arange(3), np.eye(3, 8, dtype=np.float32))
    path = tmp_path / "ns.idx"
    index.save(path)
    _, payload = read_index_file(path)
    path.write_bytes(raw_file(good_meta(payload, kind="faiss", dimensions=8, count=4), payload))
    with pytest.raises(IndexCorruptError, match="header says"):
        load_index(path)


def test_a_missing_file_is_not_reported_as_corrupt(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_index(tmp_path / "absent.idx")


def test_params_round_trip_through_the_header(tmp_path: Path) -> None:
    header = IndexHeader(kind="ivf", dimensions=4, version=3, count=2, params={"nprobe": 4, "min_train": 9})
    write_index_file(tmp_path / "a.idx", header, PAYLOAD)
    assert read_index_file(tmp_path / "a.idx") == (header, PAYLOAD)
    write_index_file(tmp_path / "b.idx", HEADER, PAYLOAD)  # no params: the field is left out
    assert "params" not in (tmp_path / "b.idx").read_bytes()[:200].decode("utf-8", "replace")
    assert read_index_file(tmp_path / "b.idx")[0].params == {}


WRITERS: dict[str, Callable[[], VectorIndex]] = {
    "faiss": lambda: FaissIndex(8),
    "hnsw": lambda: HnswIndex(8),
    "trained ivf": lambda: IvfIndex(8, min_train=2),
    "trained sq8": lambda: Sq8Index(8, min_train=2),
}


@pytest.mark.parametrize(
    ("written", "claimed"),
    [
        ("faiss", "hnsw"),
        ("hnsw", "faiss"),
        ("hnsw", "sq8"),
        ("trained sq8", "ivf"),
        ("trained sq8", "faiss"),
        ("trained ivf", "sq8"),
    ],
)
def test_a_payload_of_another_kind_is_corrupt(tmp_path: Path, written: str, claimed: str) -> None:
    index = WRITERS[written]()
    index.upsert(np.arange(3), np.eye(3, 8, dtype=np.float32))
    path = tmp_path / "ns.idx"
    index.save(path)
    _, payload = read_index_file(path)
    path.write_bytes(raw_file(good_meta(payload, kind=claimed, dimensions=8, count=3), payload))
    with pytest.raises(IndexCorruptError, match=f"not what kind '{claimed}' writes"):
        load_index(path)


@pytest.mark.parametrize("params", [{"m": 0}, {"ef_search": 0}])
def test_bad_settings_in_the_header_are_corrupt(tmp_path: Path, params: dict[str, int]) -> None:
    index = create_index("hnsw", 8)
    index.upsert(np.arange(3), np.eye(3, 8, dtype=np.float32))
    path = tmp_path / "ns.idx"
    index.save(path)
    _, payload = read_index_file(path)
    path.write_bytes(raw_file(good_meta(payload, kind="hnsw", dimensions=8, count=3, params=params), payload))
    with pytest.raises(IndexCorruptError, match="bad params"):
        load_index(path)
