"""Adding memories, in the order the steps run.

1. Validate every item (:mod:`agentmem.store.validation`): nothing is written when one is bad.
2. Score the importance of items given none (the store's scorer, outside the lock: an LLM may be slow).
3. Embed every text once, through the embedding cache (:mod:`agentmem.store.embedding_cache`).
4. Fold exact repeats of active memories (they strengthen the memory they repeat); keyed memories never fold.
5. Insert the new memories and their vectors in one transaction (:mod:`agentmem.db.repository`); a keyed
   memory replaces the memory holding its key in it.
6. Mirror the commit in the namespace's replica (:mod:`agentmem.store.replicas`).
7. Keep the active-memory budget (:func:`agentmem.store.upkeep.prune`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agentmem.consolidation.retention import PrunePlan
from agentmem.db.rows import NamespaceRow, PendingMemory, to_epoch
from agentmem.db.snapshots import Snapshot
from agentmem.errors import ConfigError
from agentmem.store.database import Database
from agentmem.store.embedding_cache import Progress
from agentmem.store.namespace import NamespaceBinding
from agentmem.store.upkeep import prune
from agentmem.store.validation import check_new_memory
from agentmem.types import MemoryRecord, NewMemory, content_hash

__all__ = ["add_memories"]

NOVELTY_CONTEXT = 20
"""Recent memories the importance scorer compares new ones with (novelty)."""


def add_memories(
    parts: Database, binding: NamespaceBinding, news: Sequence[NewMemory], *, progress: Progress | None = None
) -> list[MemoryRecord]:
    """Store ``news`` (see MemoryStore.add_many); returns one record per item, in order."""
    now_time = parts.clock()
    now = to_epoch(now_time)
    checked = [check_new_memory(n, now=now, position=p) for p, n in enumerate(news)]
    if not checked:
        return []
    keys = [n.key for n in news if n.key is not None]
    if len(set(keys)) != len(keys):
        raise ConfigError("two memories of one batch have the same key: keep only the last one of each key")
    ns = binding.for_write(now=now)
    texts = [c[0] for c in checked]
    importances = [c[2] for c in checked]
    unscored = [p for p, n in enumerate(news) if n.importance is None]
    if unscored:
        # Outside the lock: an LLM scorer may take seconds, and other writers need not wait for it.
        recent = parts.repository.recent_texts(ns, limit=NOVELTY_CONTEXT)
        scores = parts.importance_scorer().score([texts[p] for p in unscored], context=recent)
        for p, score in zip(unscored, scores, strict=True):
            importances[p] = float(min(1.0, max(0.0, score)))
    views = [n.embed_text for n in news]
    with parts.lock:
        hashes = [content_hash(t) for t in texts]
        vectors = parts.embedding.vectors_for(
            [t if v is None else v for t, v in zip(texts, views, strict=True)], progress=progress
        )
        existing = parts.lifecycle.active_with_hash(ns, hashes) if parts.policy.dedupe else {}
        first_of: dict[str, int] = {}
        fresh: list[int] = []  # positions stored as new memories
        for p, h in enumerate(hashes):
            if news[p].key is not None:  # a key is an identity: never folded into another memory
                fresh.append(p)
                continue
            if h in existing or (parts.policy.dedupe and h in first_of):
                continue
            first_of[h] = p
            fresh.append(p)
        records: dict[int, MemoryRecord] = {}
        if fresh:
            per_memory = vectors.split()
            pending = [
                PendingMemory(
                    text=texts[p],
                    content_hash=hashes[p],
                    kind=checked[p][1],
                    importance=importances[p],
                    created_at=checked[p][3],
                    metadata=checked[p][4],
                    vectors=per_memory[p],
                    embedded_text=views[p],
                    key=news[p].key,
                )
                for p in fresh
            ]
            stored, replaced = parts.repository.insert(ns, pending, model_id=ns.model_id)
            records.update(zip(fresh, stored, strict=True))
            parts.replicas.applied(
                ns,
                version=stored[0].version,
                remove=np.asarray(replaced, dtype=np.int64),
                upsert=Snapshot(
                    ids=np.asarray([r.id for r in stored], dtype=np.int64),
                    vectors=vectors.select(fresh),
                    last_accessed=np.asarray([to_epoch(r.last_accessed_at) for r in stored], dtype=np.float64),
                    importance=np.asarray([importances[p] for p in fresh], dtype=np.float32),
                    created_at=np.asarray([to_epoch(r.created_at) for r in stored], dtype=np.float64),
                    version=stored[0].version,
                ),
            )
        repeats = [p for p in range(len(news)) if p not in records]
        if repeats:
            records.update(_strengthen(parts, ns, repeats, hashes, importances, existing, records, first_of, now))
        if parts.policy.max_active is not None:
            plan = PrunePlan(max_active=parts.policy.max_active, half_life=parts.policy.forget_half_life)
            prune(parts, ns, plan, now=now_time, hard=False, dry_run=False)
    return [records[p] for p in range(len(news))]


def _strengthen(
    parts: Database,
    ns: NamespaceRow,
    repeats: list[int],
    hashes: list[str],
    importances: list[float],
    existing: dict[str, int],
    records: dict[int, MemoryRecord],
    first_of: dict[str, int],
    now: float,
) -> dict[int, MemoryRecord]:
    """Exact repeats strengthen the memory they repeat: one more access, the higher importance."""
    target_of = {p: existing.get(hashes[p]) or records[first_of[hashes[p]]].id for p in repeats}
    strengths: dict[int, float] = {}
    for p, memory_id in target_of.items():
        strengths[memory_id] = max(strengths.get(memory_id, 0.0), importances[p])
    updated, version = parts.lifecycle.strengthen(ns, strengths, when=now)
    by_id = {r.id: r for r in updated}
    ids = np.asarray(sorted(by_id), dtype=np.int64)
    parts.replicas.applied(ns, version=version, upsert=parts.snapshots.of(ns, ids.tolist()))
    return {p: by_id[m] for p, m in target_of.items()}
