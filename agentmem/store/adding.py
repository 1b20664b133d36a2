"""Adding memories, in the order the steps run.

1. Validate every item (:mod:`agentmem.store.validation`): nothing is written when one is bad.
2. Score the importance of items given none (the store's scorer, outside the lock: an LLM may be slow).
3. Embed every text once, through the embedding cache (:mod:`agentmem.store.embedding_cache`).
4. Detect updates (:mod:`agentmem.store.updating`, when the policy asks): a new memory that restates an
   active one with another value supersedes it.
5. One transaction (:mod:`agentmem.db.writes`): exact repeats of active memories found under the namespace's
   lock (they strengthen the memory they repeat; keyed memories and new versions never fold), the new
   memories and their vectors inserted (a keyed memory replaces the memory holding its key), the memories
   they supersede archived with ``valid_to``.
6. Mirror the commit in the namespace's replica (:mod:`agentmem.store.replicas`).
7. Keep the active-memory budget (:func:`agentmem.store.upkeep.prune`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agentmem.consolidation.retention import PrunePlan
from agentmem.db.rows import NamespaceRow, PendingMemory, to_epoch
from agentmem.db.snapshots import Snapshot
from agentmem.db.writes import Committed, commit_batch
from agentmem.errors import ConfigError
from agentmem.store.database import Database
from agentmem.store.embedding_cache import Progress
from agentmem.store.namespace import NamespaceBinding
from agentmem.store.updating import detect_updates
from agentmem.store.upkeep import prune
from agentmem.store.validation import check_new_memory
from agentmem.types import AddOutcome, NewMemory, content_hash
from agentmem.vectors import MemoryVectors

__all__ = ["add_memories"]

NOVELTY_CONTEXT = 20
"""Recent memories the importance scorer compares new ones with (novelty)."""


def add_memories(
    parts: Database, binding: NamespaceBinding, news: Sequence[NewMemory], *, progress: Progress | None = None
) -> list[AddOutcome]:
    """Store ``news`` (see MemoryStore.add_detailed); returns what happened to each item, in order."""
    now_time = parts.clock()
    now = to_epoch(now_time)
    checked = [check_new_memory(n, now=now, position=p) for p, n in enumerate(news)]
    if not checked:
        return []
    keys = [n.key for n in news if n.key is not None]
    if len(set(keys)) != len(keys):
        raise ConfigError("two memories of one batch have the same key: keep only the last one of each key")
    olds = [n.supersedes for n in news if n.supersedes is not None]
    if len(set(olds)) != len(olds):
        raise ConfigError("two memories of one batch supersede the same memory: give one new version per memory")
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
        vectors = parts.embedding.vectors_for(
            [t if v is None else v for t, v in zip(texts, views, strict=True)], progress=progress
        )
        since = [c[3] if n.valid_from is None else to_epoch(n.valid_from) for c, n in zip(checked, news, strict=True)]
        detected = detect_updates(parts, ns, news, since, vectors)
        per_memory = vectors.split()
        pending = [
            PendingMemory(
                text=texts[p],
                content_hash=content_hash(texts[p]),
                kind=checked[p][1],
                importance=importances[p],
                created_at=checked[p][3],
                metadata=checked[p][4],
                vectors=per_memory[p],
                embedded_text=views[p],
                key=news[p].key,
                valid_from=since[p],
                supersedes=news[p].supersedes if p not in detected else detected[p][0],
                supersedes_detected=p in detected,
            )
            for p in range(len(news))
        ]
        done = commit_batch(
            parts.repository.engine, ns, pending, dedupe=parts.policy.dedupe, now=now, model_id=ns.model_id
        )
        _mirror(parts, ns, done, vectors)
        if parts.policy.max_active is not None:
            plan = PrunePlan(max_active=parts.policy.max_active, half_life=parts.policy.forget_half_life)
            prune(parts, ns, plan, now=now_time, hard=False, dry_run=False)
    return [
        AddOutcome(record, action, old, reason=_reason(news[p], detected.get(p), action))
        for p, (action, record, old) in enumerate(done.actions)
    ]


def _reason(item: NewMemory, detected: tuple[int, str] | None, action: str) -> str:
    if action != "superseded":
        return ""
    return "explicit" if detected is None else detected[1]


def _mirror(parts: Database, ns: NamespaceRow, done: Committed, vectors: MemoryVectors) -> None:
    """Apply the commit to the namespace's replica: the new memories from the vectors just computed, the
    strengthened ones as SQL holds them now."""
    records = [done.actions[p][1] for p in done.inserted]
    if done.strengthened:
        upsert = parts.snapshots.of(ns, sorted({r.id for r in records} | set(done.strengthened)))
    else:
        upsert = Snapshot(
            ids=np.asarray([r.id for r in records], dtype=np.int64),
            vectors=vectors.select(done.inserted),
            last_accessed=np.asarray([to_epoch(r.last_accessed_at) for r in records], dtype=np.float64),
            importance=np.asarray([r.importance for r in records], dtype=np.float32),
            created_at=np.asarray([to_epoch(r.created_at) for r in records], dtype=np.float64),
            version=done.version,
        )
    parts.replicas.applied(ns, version=done.version, remove=np.asarray(done.removed, dtype=np.int64), upsert=upsert)
