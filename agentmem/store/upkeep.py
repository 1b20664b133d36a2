"""Distilling and forgetting: reflections that replace groups of observations, pruning, restoring.

Every change is one SQL transaction, so a crash leaves either the old state or the new one; the replica
follows after the commit, as for any write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import numpy as np

from agentmem.consolidation.coverage import uncovered
from agentmem.consolidation.reflection import group_for_reflection, reflection_importance
from agentmem.consolidation.retention import PrunePlan, choose_victims, retention
from agentmem.db.rows import NamespaceRow, PendingMemory
from agentmem.db.snapshots import Snapshot
from agentmem.errors import ConfigError
from agentmem.store.database import Database
from agentmem.types import PruneResult, Reflection, content_hash

__all__ = ["pending_importance", "prune", "reflect", "restore"]


def pending_importance(parts: Database, ns: NamespaceRow) -> float:
    """Sum of the importances of active, not yet reflected memories of the reflected kinds."""
    snapshot, _texts = parts.snapshots.for_reflection(ns, parts.policy.reflection.kinds)
    return float(snapshot.importance.sum())


def reflect(parts: Database, ns: NamespaceRow, *, now: datetime, dry_run: bool) -> list[Reflection]:
    """Group related observations, summarise each group into a reflection and archive the sources it covers
    (:mod:`agentmem.consolidation.coverage`); the others stay active, linked to it."""
    policy = parts.policy.reflection
    snapshot, texts = parts.snapshots.for_reflection(ns, policy.kinds)
    groups = group_for_reflection(snapshot.ids, snapshot.vectors.means(), snapshot.created_at, policy=policy)
    row_of = {int(i): r for r, i in enumerate(snapshot.ids)}
    results = []
    for group in groups:
        rows = [row_of[i] for i in group]
        summary = parts.summarizer().summarize([texts[r] for r in rows])
        if not summary.strip():
            raise ConfigError("the summarizer returned an empty summary; nothing was changed")
        kept = [group[i] for i in uncovered([texts[r] for r in rows], summary)]
        if len(kept) == len(group):  # it would archive nothing: the sources stay as they are
            continue
        if dry_run:
            results.append(Reflection(None, summary, tuple(group), tuple(kept)))
            continue
        vectors = parts.embedding.vectors_for([summary])
        pending = PendingMemory(
            text=summary,
            content_hash=content_hash(summary),
            kind="reflection",
            importance=reflection_importance(snapshot.importance[rows]),
            created_at=float(snapshot.created_at[rows].max()),
            metadata={"sources": len(group), "reflected_at": now.isoformat()},
            vectors=vectors.rows,
        )
        with parts.lock:
            done = parts.lifecycle.reflect(ns, pending, group, keep=kept)
            if done is None:  # another process reflected these meanwhile
                continue
            record, linked, version = done
            archived = [i for i in linked if i not in kept]
            parts.replicas.applied(
                ns,
                version=version,
                remove=np.asarray(archived, dtype=np.int64),
                upsert=Snapshot(
                    ids=np.asarray([record.id], dtype=np.int64),
                    vectors=vectors,
                    last_accessed=np.asarray([pending.created_at]),
                    importance=np.asarray([pending.importance], dtype=np.float32),
                    created_at=np.asarray([pending.created_at]),
                    version=version,
                ),
            )
        results.append(Reflection(record, summary, tuple(linked), tuple(i for i in kept if i in linked)))
    return results


def prune(
    parts: Database, ns: NamespaceRow, plan: PrunePlan, *, now: datetime, hard: bool, dry_run: bool
) -> PruneResult:
    """Archive (or delete, ``hard``) the memories the plan selects, lowest retention first."""
    ids, created, last_accessed, importance, access_count = parts.snapshots.retention_inputs(ns)
    kept = retention(importance, last_accessed, access_count, now=now, half_life=plan.half_life)
    victims = choose_victims(ids, created, kept, plan=plan, now=now)
    score_of = dict(zip(ids.tolist(), kept.tolist(), strict=True))
    records = parts.repository.get_many(ns, victims.tolist())
    action: Literal["archive", "delete"] = "delete" if hard else "archive"
    if not dry_run and victims.size:
        with parts.lock:
            if hard:
                gone, version = parts.repository.delete(ns, victims.tolist())
            else:
                gone, maybe = parts.lifecycle.set_status(ns, victims.tolist(), status="archived", only_from="active")
                version = maybe or 0
            if gone:
                parts.replicas.applied(ns, version=version, remove=np.asarray(gone, dtype=np.int64))
    return PruneResult(action, tuple(records), tuple(score_of[r.id] for r in records), applied=not dry_run)


def restore(parts: Database, ns: NamespaceRow, ids: Sequence[int]) -> list[int]:
    """Bring archived memories back into recall. Returns the ids restored."""
    with parts.lock:
        restored, version = parts.lifecycle.set_status(ns, ids, status="active", only_from="archived")
        if restored and version is not None:
            snap = parts.snapshots.of(ns, restored)
            parts.replicas.applied(ns, version=version, upsert=snap)
    return restored
