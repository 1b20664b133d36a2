"""Everything checked about memories to import before anything is written: all problems, by position.

One bad memory must never disable a namespace or the database: an id the vector index cannot hold, a
vector that is not finite or not unit-norm (it would top every search), a negative access count, a link to
a memory of another namespace. Every problem is collected (not only the first), and the import stores
nothing if there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from agentmem.db.rows import to_epoch
from agentmem.errors import ConfigError, ImportRejectedError
from agentmem.store.validation import check_new_memory
from agentmem.types import ExportedMemory, NewMemory
from agentmem.vectors import MAX_MEMORY_ID

__all__ = ["NORM_TOLERANCE", "check_import"]

NORM_TOLERANCE = 1e-3
"""How far from 1 the norm of an imported vector may be (float32 rounding of a unit vector is ~1e-7)."""

# The access count is an INTEGER column: 32 bits on PostgreSQL.
_MAX_ACCESS_COUNT = 2**31 - 1

# For references that are not among the imported memories: id -> the namespace id holding it (absent: none).
Owners = Callable[[Iterable[int]], Mapping[int, int]]


def check_import(
    batch: list[ExportedMemory],
    *,
    namespace_id: int | None,
    namespace: str,
    model_id: str,
    dimensions: int,
    keep_ids: bool,
    owners: Owners,
    labels: Mapping[int, str] | None = None,
) -> None:
    """Check every field of every memory to import, and that their links resolve.

    Args:
        batch: the memories.
        namespace_id: the target namespace's id; None if it does not exist yet.
        namespace, model_id, dimensions: the target namespace and the model its vectors must come from.
        keep_ids: whether the ids are kept (else they are new, and links are remapped).
        owners: looks up which namespace holds ids that are not in ``batch``.
        labels: how to name position i in messages (a file's line), default ``memory #i``.

    Raises:
        ImportRejectedError: every problem found, nothing imported.
    """
    problems: list[tuple[int, str]] = []
    for position, item in enumerate(batch):
        problems.extend((position, p) for p in _problems_of(item, model_id=model_id, dimensions=dimensions))
    problems.extend(_link_problems(batch, namespace_id, namespace, keep_ids=keep_ids, owners=owners))
    if problems:
        problems.sort(key=lambda p: p[0])
        name = (labels or {}).get
        raise ImportRejectedError([f"{name(i) or f'memory #{i}'}: {message}" for i, message in problems])


def _problems_of(item: ExportedMemory, *, model_id: str, dimensions: int) -> list[str]:
    r = item.record
    found = []
    try:
        check_new_memory(
            NewMemory(r.text, r.importance, r.kind, r.metadata, r.created_at, key=r.key, embed_text=item.embedded_text),
            now=0.0,
            position=0,
        )
    except ConfigError as exc:
        found.append(str(exc).removeprefix("memory #0: "))
    for field, value in (("id", r.id), ("superseded_by", r.superseded_by), *(("sources", s) for s in item.sources)):
        if value is None and field == "superseded_by":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MEMORY_ID:
            found.append(f"{field} must be an integer id in [0, 2**40), not {value!r}")
    try:
        to_epoch(r.last_accessed_at)
    except ConfigError as exc:
        found.append(f"last_accessed_at: {exc}")
    count = r.access_count
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= _MAX_ACCESS_COUNT:
        found.append(f"access_count must be an integer in [0, 2**31), not {count!r}")
    if r.status not in ("active", "archived"):
        found.append(f"status must be 'active' or 'archived', not {r.status!r}")
    if not isinstance(r.metadata, Mapping):
        found.append(f"metadata must be a JSON object, not {type(r.metadata).__name__}")
    found.extend(_vector_problems(item, model_id=model_id, dimensions=dimensions))
    return found


def _vector_problems(item: ExportedMemory, *, model_id: str, dimensions: int) -> list[str]:
    # Vectors of another model are embedded again; vectors of this one are used as they are, so they must be
    # what the model makes: finite, unit-norm, of its size.
    if item.embedding is None or item.model_id != model_id:
        return []
    if not isinstance(item.embedding, bytes):
        return [f"embedding must be bytes, not {type(item.embedding).__name__}"]
    values = np.frombuffer(item.embedding, dtype="<f4") if len(item.embedding) % 4 == 0 else None
    if values is None or not values.size or values.size % dimensions:
        return [
            f"embedding holds {len(item.embedding)} bytes, not float32 vectors of {dimensions} dimensions as "
            f"{model_id} makes: export it again, or drop model_id and embedding to embed it again"
        ]
    rows = values.reshape(-1, dimensions).astype(np.float64)
    if not np.isfinite(rows).all():
        return ["embedding holds NaN or infinite values: drop model_id and embedding to embed it again"]
    norms = np.linalg.norm(rows, axis=1)
    if np.abs(norms - 1.0).max() > NORM_TOLERANCE:
        worst = float(norms[np.abs(norms - 1.0).argmax()])
        return [
            f"embedding is not unit-norm (a norm of {worst:.6g}): {model_id} makes unit vectors; drop model_id "
            "and embedding to embed it again"
        ]
    return []


def _link_problems(
    batch: list[ExportedMemory], namespace_id: int | None, namespace: str, *, keep_ids: bool, owners: Owners
) -> list[tuple[int, str]]:
    ids = [item.record.id for item in batch]
    found: list[tuple[int, str]] = []
    seen: dict[int, int] = {}
    for position, i in enumerate(ids):
        if i in seen:
            found.append((position, f"id {i} is also the id of memory #{seen[i]}: ids must be distinct"))
        seen.setdefault(i, position)
    links = [
        (position, field, target)
        for position, item in enumerate(batch)
        for field, target in (("superseded_by", item.record.superseded_by), *(("sources", s) for s in item.sources))
        if isinstance(target, int) and not isinstance(target, bool) and 0 <= target <= MAX_MEMORY_ID
    ]
    outside = {target for _p, _f, target in links if target not in seen}
    held = owners(outside) if outside else {}
    # A link to no memory at all is provenance of a memory deleted before the export: kept with the ids it
    # names, never with new ids (the id would later name another memory).
    newest = max([*seen, *held], default=0)
    for position, field, target in links:
        if target in seen:
            continue
        owner = held.get(target)
        if owner is not None and owner != namespace_id:
            found.append(
                (position, f"{field} {target} is a memory of another namespace, not of {namespace!r}: import it too")
            )
        elif owner is None and (not keep_ids or target > newest):
            found.append(
                (
                    position,
                    f"{field} {target} is neither among the imported memories nor in namespace {namespace!r}: "
                    "import the memory it names too",
                )
            )
    return found
