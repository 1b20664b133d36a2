"""The five index kinds by name: creating an empty one, loading a saved one of any kind."""

from __future__ import annotations

from pathlib import Path

from agentmem.errors import ConfigError, IndexCorruptError
from agentmem.index.exact import ExactIndex
from agentmem.index.faiss import FaissIndex
from agentmem.index.hnsw import HnswIndex
from agentmem.index.ivf import IvfIndex
from agentmem.index.persist import read_index_file
from agentmem.index.sq8 import Sq8Index
from agentmem.vectors import VectorIndex

__all__ = ["INDEX_KINDS", "create_index", "load_index"]

_KINDS: dict[str, type[ExactIndex | FaissIndex | HnswIndex | IvfIndex | Sq8Index]] = {
    "exact": ExactIndex,
    "faiss": FaissIndex,
    "hnsw": HnswIndex,
    "ivf": IvfIndex,
    "sq8": Sq8Index,
}
INDEX_KINDS = tuple(sorted(_KINDS))


def create_index(kind: str, dimensions: int) -> VectorIndex:
    """Create an empty index with the kind's default settings.

    Args:
        kind: one of :data:`INDEX_KINDS`: ``"exact"``, ``"faiss"``, ``"hnsw"``, ``"ivf"``, ``"sq8"``.
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
        The index, with the ``version`` and settings it was saved with.

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
