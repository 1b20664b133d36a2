"""Restoring exported memories into a namespace: validated, vectors reused when the model matches."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from agentmem.db.rows import ImportedRow, to_epoch, vectors_from_blob
from agentmem.db.snapshots import Snapshot
from agentmem.store.database import Database
from agentmem.store.import_checks import check_import
from agentmem.store.namespace import NamespaceBinding
from agentmem.types import ExportedMemory, content_hash
from agentmem.vectors import MemoryVectors

__all__ = ["import_memories"]


def import_memories(
    parts: Database,
    binding: NamespaceBinding,
    batch: list[ExportedMemory],
    *,
    keep_ids: bool,
    dry_run: bool = False,
) -> list[int]:
    """Insert ``batch`` in one transaction and update the namespace's replica (see MemoryStore.import_memories).

    With ``dry_run``, only check it (ImportRejectedError: every problem) and return no ids.
    """
    check(parts, binding, batch, keep_ids=keep_ids)
    if not batch or dry_run:
        return []
    ns = binding.for_write(now=to_epoch(parts.clock()))
    dims = ns.dimensions
    given: dict[int, NDArray[np.float32]] = {}
    for row, item in enumerate(batch):
        blob = item.embedding
        if blob is not None and item.model_id == ns.model_id and blob and len(blob) % (4 * dims) == 0:
            given[row] = vectors_from_blob(blob, dims)
    missing = [row for row in range(len(batch)) if row not in given]
    if missing:
        fresh = parts.embedding.vectors_for([_embedded(batch[row]) for row in missing])
        given.update(zip(missing, fresh.split(), strict=True))
    vectors = MemoryVectors.stack([given[row] for row in range(len(batch))], dims)
    rows = [
        ImportedRow(
            record=item.record,
            content_hash=content_hash(item.record.text),
            vectors=given[row],
            sources=item.sources,
            embedded_text=item.embedded_text,
        )
        for row, item in enumerate(batch)
    ]
    ids, version = parts.repository.import_rows(ns, rows, keep_ids=keep_ids)
    active = np.asarray([i.record.status == "active" for i in batch])
    parts.replicas.applied(
        ns,
        version=version,
        upsert=Snapshot(
            ids=np.asarray(ids, dtype=np.int64)[active],
            vectors=vectors.select(active),
            last_accessed=np.asarray([to_epoch(i.record.last_accessed_at) for i in batch])[active],
            importance=np.asarray([i.record.importance for i in batch], dtype=np.float32)[active],
            created_at=np.asarray([to_epoch(i.record.created_at) for i in batch])[active],
            version=version,
        ),
    )
    return ids


def check(parts: Database, binding: NamespaceBinding, batch: list[ExportedMemory], *, keep_ids: bool) -> None:
    """Check ``batch`` as :func:`import_memories` would, writing nothing (ImportRejectedError: every problem)."""
    existing = binding.row()
    embedder = parts.embedding.embedder
    check_import(
        batch,
        namespace_id=None if existing is None else existing.id,
        namespace=binding.name,
        model_id=embedder.model_id,
        dimensions=embedder.dimensions,
        keep_ids=keep_ids,
        owners=parts.repository.owners,
    )


def _embedded(item: ExportedMemory) -> str:
    return item.record.text if item.embedded_text is None else item.embedded_text
