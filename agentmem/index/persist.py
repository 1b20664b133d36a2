"""The on-disk format shared by every index kind, written atomically.

Layout::

    b"AGMEMIDX"                      8 bytes of magic
    header length                    uint32, little-endian
    header                           UTF-8 JSON: format, kind, dimensions, version, count,
                                     payload_length, payload_crc32, params and identity (optional)
    payload                          payload_length bytes, owned by the index kind

A file is replaced, never modified in place: a reader sees the old file or the new one, whole.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentmem.errors import IndexCorruptError

__all__ = ["FORMAT_VERSION", "MAGIC", "IndexHeader", "read_index_file", "write_index_file"]

MAGIC = b"AGMEMIDX"
FORMAT_VERSION = 1
_HEADER_LENGTH = struct.Struct("<I")
# A real header is ~150 bytes: a huge length means a damaged file, not a header worth reading.
_MAX_HEADER_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class IndexHeader:
    """What an index file says about its payload.

    Attributes:
        kind: the index kind that wrote the payload (``"exact"``, ``"faiss"``, ``"hnsw"``…).
        dimensions: the vector length.
        version: the namespace version the index reflects.
        count: the number of vectors the index holds (removed ones it still keeps excluded).
        params: settings of the kind that its payload does not carry (``nprobe``…), non-negative ints;
            empty for the kinds that have none, and in files written before it existed.
        identity: what the index belongs to, set by its owner (the store records the database id, the
            namespace, the model and a checkpoint token SQL must confirm); strings and ints, empty when
            none was given.
    """

    kind: str
    dimensions: int
    version: int
    count: int
    params: Mapping[str, int] = field(default_factory=dict, hash=False)
    identity: Mapping[str, str | int] = field(default_factory=dict, hash=False)


def write_index_file(path: Path, header: IndexHeader, payload: bytes | memoryview) -> None:
    """Write header and payload to ``path`` atomically and durably.

    The bytes go to a temporary file in the same folder (so the rename cannot cross file systems), which
    is flushed and fsynced, renamed over ``path``, and then the folder is fsynced so the rename itself
    survives a power cut. A crash at any point leaves the previous file intact; it may leave a
    ``.<name>.*.tmp`` file behind, which readers never look at.

    Args:
        path: the target file; its folder must exist.
        header: kind, dimensions, version and count of the payload.
        payload: the index bytes.

    Raises:
        OSError: if writing fails; the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    meta: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "kind": header.kind,
        "dimensions": header.dimensions,
        "version": header.version,
        "count": header.count,
        "payload_length": memoryview(payload).nbytes,
        "payload_crc32": zlib.crc32(payload),
    }
    if header.params:
        meta["params"] = dict(header.params)
    if header.identity:
        meta["identity"] = dict(header.identity)
    encoded = json.dumps(meta, sort_keys=True).encode("utf-8")
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    renamed = False
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(MAGIC)
            file.write(_HEADER_LENGTH.pack(len(encoded)))
            file.write(encoded)
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        temp.replace(path)
        renamed = True
    finally:
        if not renamed:
            temp.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def read_index_file(path: Path) -> tuple[IndexHeader, bytes]:
    """Read and verify an index file.

    Args:
        path: the file written by :func:`write_index_file`.

    Returns:
        The header and the payload bytes, whose length and checksum have been verified.

    Raises:
        FileNotFoundError: if there is no file (callers treat "missing" unlike "corrupt").
        IndexCorruptError: on a bad magic, a truncated file, a bad header, trailing bytes or a
            checksum mismatch.
    """
    path = Path(path)
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        magic = file.read(len(MAGIC))
        if magic != MAGIC:
            reason = "truncated" if MAGIC.startswith(magic) else "not an agentmem index file (bad magic)"
            raise IndexCorruptError(str(path), reason)
        raw_length = file.read(_HEADER_LENGTH.size)
        if len(raw_length) < _HEADER_LENGTH.size:
            raise IndexCorruptError(str(path), "truncated")
        (header_length,) = _HEADER_LENGTH.unpack(raw_length)
        if header_length > _MAX_HEADER_BYTES:
            raise IndexCorruptError(str(path), f"header length {header_length} is implausible")
        encoded = file.read(header_length)
        if len(encoded) < header_length:
            raise IndexCorruptError(str(path), "truncated")
        meta = _parse_header(path, encoded)
        header = IndexHeader(
            kind=meta["kind"],
            dimensions=meta["dimensions"],
            version=meta["version"],
            count=meta["count"],
            params=meta.get("params", {}),
            identity=meta.get("identity", {}),
        )
        expected = meta["payload_length"]
        available = size - len(MAGIC) - _HEADER_LENGTH.size - header_length
        if available < expected:
            raise IndexCorruptError(str(path), f"truncated: payload has {available} of {expected} bytes")
        if available > expected:
            raise IndexCorruptError(str(path), f"{available - expected} unexpected bytes after the payload")
        payload = file.read(expected)
    if len(payload) != expected:
        raise IndexCorruptError(str(path), "truncated while reading")
    if zlib.crc32(payload) != meta["payload_crc32"]:
        raise IndexCorruptError(str(path), "payload checksum mismatch")
    return header, payload


def _parse_header(path: Path, encoded: bytes) -> dict[str, Any]:
    try:
        meta = json.loads(encoded.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(str(path), f"bad header JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise IndexCorruptError(str(path), "header is not a JSON object")
    if meta.get("format") != FORMAT_VERSION:
        raise IndexCorruptError(str(path), f"unsupported format {meta.get('format')!r}")
    if not isinstance(meta.get("kind"), str):
        raise IndexCorruptError(str(path), "header field 'kind' is missing or not a string")
    for name, minimum in (
        ("dimensions", 1),
        ("version", 0),
        ("count", 0),
        ("payload_length", 0),
        ("payload_crc32", 0),
    ):
        value = meta.get(name)
        # bool is an int subclass: JSON true must not pass for 1.
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise IndexCorruptError(str(path), f"header field {name!r} is missing or invalid: {value!r}")
    params = meta.get("params", {})
    if not isinstance(params, dict) or not all(
        not isinstance(value, bool) and isinstance(value, int) and value >= 0 for value in params.values()
    ):
        raise IndexCorruptError(str(path), f"header field 'params' is invalid: {params!r}")
    identity = meta.get("identity", {})
    if not isinstance(identity, dict) or not all(
        not isinstance(value, bool) and isinstance(value, int | str) for value in identity.values()
    ):
        raise IndexCorruptError(str(path), f"header field 'identity' is invalid: {identity!r}")
    return meta


def _fsync_directory(folder: Path) -> None:
    # Without this, the rename may be lost on power failure even though the data blocks were synced.
    # Windows cannot open a directory for fsync; its rename durability is the file system's business.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
