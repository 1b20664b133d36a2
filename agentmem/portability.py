"""Restoring exported memories into a namespace: validated, vectors reused when the model matches."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from agentmem.db.rows import ImportedRow, NamespaceRow, to_epoch, vector_from_blob
from agentmem.embedders import content_hash
from agentmem.parts import StoreParts
from agentmem.types import ExportedMemory, NewMemory
from agentmem.validation import check_new_memory

__all__ = ["import_memories"]


def import_memories(
    parts: StoreParts,
    namespace_row: Callable[[], NamespaceRow | None],
    batch: list[ExportedMemory],
    *,
    keep_ids: bool,
) -> list[int]:
    """Insert ``batch`` in one transaction and update the namespace's replica (see MemoryStore.import_memories)."""
    for position, item in enumerate(batch):
        r = item.record
        check_new_memory(NewMemory(r.text, r.importance, r.kind, r.metadata, r.created_at), now=0.0, position=position)
        to_epoch(r.last_accessed_at)
    if not batch:
        return []
    ns = namespace_row()
    assert ns is not None
    dims = ns.dimensions
    vectors = np.zeros((len(batch), dims), dtype=np.float32)
    missing = []
    for row, item in enumerate(batch):
        if item.embedding is not None and item.model_id == ns.model_id and len(item.embedding) == 4 * dims:
            vectors[row] = vector_from_blob(item.embedding, dims)
        else:
            missing.append(row)
    if missing:
        vectors[missing] = parts.embedding.vectors_for([batch[row].record.text for row in missing])[1]
    rows = [
        ImportedRow(record=i.record, content_hash=content_hash(i.record.text), vector=v, sources=i.sources)
        for i, v in zip(batch, vectors, strict=True)
    ]
    ids, version = parts.repository.import_rows(ns, rows, keep_ids=keep_ids)
    active = np.asarray([i.record.status == "active" for i in batch])
    parts.replicas.applied(
        ns,
        version=version,
        upsert=(
            np.asarray(ids, dtype=np.int64)[active],
            vectors[active],
            np.asarray([to_epoch(i.record.last_accessed_at) for i in batch])[active],
            np.asarray([i.record.importance for i in batch], dtype=np.float32)[active],
        ),
    )
    return ids
