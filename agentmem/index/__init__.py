"""Vector indexes: int64 memory ids → unit-norm float32 vectors, searched by inner product.

An index is a cache of what SQL holds: it records the namespace ``version`` it reflects, is saved
atomically, and when its file is missing or corrupt it is rebuilt from the stored vectors.

Two kinds share one contract (:class:`VectorIndex`) and one file format:

- ``"faiss"``: :class:`FaissIndex`, ``IndexIDMap2(IndexFlatIP)``; faiss is imported on first use.
- ``"exact"``: :class:`ExactIndex`, plain numpy; the reference the other kinds are checked against.
"""

from __future__ import annotations

from pathlib import Path

from agentmem.errors import ConfigError, IndexCorruptError
from agentmem.index.base import VectorIndex
from agentmem.index.exact import ExactIndex
from agentmem.index.faiss import FaissIndex
from agentmem.index.persist import read_index_file

__all__ = ["ExactIndex", "FaissIndex", "VectorIndex", "create_index", "load_index"]

_KINDS: dict[str, type[FaissIndex] | type[ExactIndex]] = {"exact": ExactIndex, "faiss": FaissIndex}


def create_index(kind: str, dimensions: int) -> VectorIndex:
    """Create an empty index.

    Args:
        kind: ``"faiss"`` or ``"exact"``.
        dimensions: the vector length, at least 1.

    Returns:
        An empty index with ``version`` 0.

    Raises:
        ConfigError: on an unknown kind or a dimensions value that is not a positive integer.
    """
    try:
        index_class = _KINDS[kind]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown index kind {kind!r}: expected one of {sorted(_KINDS)}") from None
    return index_class(dimensions)


def load_index(path: Path) -> VectorIndex:
    """Load an index saved by ``VectorIndex.save``, whatever its kind.

    Args:
        path: the index file.

    Returns:
        The index, with the ``version`` it was saved with.

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        IndexCorruptError: if the file is damaged or inconsistent in any way (rebuild it from SQL).
    """
    path = Path(path)
    header, payload = read_index_file(path)
    index_class = _KINDS.get(header.kind)
    if index_class is None:
        raise IndexCorruptError(str(path), f"unknown index kind {header.kind!r}")
    return index_class.from_payload(header, payload, source=path)
