"""Knowledge that changes: explicit updates of a memory, and updates detected on add.

- :func:`update_memory` (``MemoryStore.update``): a new version of an active memory, carrying its kind,
  importance, metadata and key unless changed, added with ``supersedes`` = the old id, so the add's one
  transaction (:mod:`agentmem.db.writes`) stores the new version and archives the old one with
  ``valid_to`` = the new ``valid_from``: both happen, or neither.
- :func:`detect_updates` (step 4 of the add path, when ``MemoryPolicy.updates`` is set): each new memory is
  compared with the judge's ``neighbours`` active memories most similar in meaning (the namespace's vector
  index) and as many that share the words of its sentences holding a value (lexical search on
  :func:`~agentmem.consolidation.updates.value_keywords`: a long text that mentions a changed count in
  passing is near in meaning to the rest of what it says, not to the earlier mention); the policy's
  :class:`~agentmem.types.UpdateJudge` (offline: :mod:`agentmem.consolidation.updates`) says which pairs
  are the same fact with a changed value, and the new memory supersedes the best of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from agentmem.consolidation.updates import value_keywords
from agentmem.db.rows import NamespaceRow, to_epoch
from agentmem.errors import ConfigError
from agentmem.ranking.certified import memory_cosines
from agentmem.store.database import Database
from agentmem.store.replicas import Replica
from agentmem.types import JSONValue, MemoryRecord, NewMemory, UpdateJudge
from agentmem.vectors import MemoryVectors, isin_sorted, owners

__all__ = ["detect_updates", "new_version"]


def new_version(
    old: MemoryRecord,
    text: str | None,
    *,
    importance: float | None,
    kind: str | None,
    metadata: Mapping[str, JSONValue | None] | None,
    created_at: datetime | None,
    valid_from: datetime | None,
) -> NewMemory:
    """The memory that replaces ``old``: the fields given, the others carried over (metadata merged, a None
    value removing its key).

    Raises:
        ConfigError: ``old`` is not active (update the memory that is current).
    """
    if old.status != "active":
        by = f", superseded by memory {old.superseded_by}" if old.superseded_by is not None else ""
        raise ConfigError(f"memory {old.id} is {old.status}{by}: update the memory that is current instead")
    merged = {k: v for k, v in {**old.metadata, **(metadata or {})}.items() if v is not None}
    return NewMemory(
        text=old.text if text is None else text,
        importance=old.importance if importance is None else importance,
        kind=old.kind if kind is None else kind,
        metadata=merged,
        created_at=created_at,
        key=old.key,
        valid_from=valid_from,
        supersedes=old.id,
    )


def detect_updates(
    parts: Database,
    ns: NamespaceRow,
    news: Sequence[NewMemory],
    since: Sequence[float],
    vectors: MemoryVectors,
) -> dict[int, tuple[int, str]]:
    """Positions of new memories that update an active memory -> (its id, the judge's reason).

    Only memories embedded whole (one vector), with no key and no explicit ``supersedes``, are judged,
    against active memories that are not reflections (a reflection holds many facts) and that became valid
    no later than the new one. Memories of the same batch are not compared with each other.
    """
    judge = parts.policy.updates
    if judge is None:
        return {}
    asked = [p for p, n in enumerate(news) if n.key is None and n.supersedes is None and vectors.counts[p] == 1]
    replica = parts.replicas.synced(ns)
    if not asked or not len(replica.index):
        return {}
    queries = np.ascontiguousarray(vectors.first()[asked])
    scores, ids = replica.index.search(queries, judge.neighbours)
    near: dict[int, list[tuple[int, float]]] = {}
    for row, p in enumerate(asked):
        hits = [(int(i), float(s)) for i, s in zip(owners(ids[row]), scores[row], strict=True)]
        near[p] = [(i, s) for i, s in dict(reversed(hits)).items() if s >= judge.min_similarity]
        near[p] += _keyword_neighbours(parts, ns, replica, news[p].text, queries[row], judge, {i for i, _ in hits})
        near[p].sort(key=lambda hit: -hit[1])
    found = {r.id: r for r in parts.repository.get_many(ns, sorted({i for h in near.values() for i, _ in h}))}
    pairs: list[tuple[int, int, float]] = []
    for p, hits in near.items():
        for memory_id, score in hits:
            old = found.get(memory_id)
            if old is None or old.kind == "reflection" or old.status != "active" or news[p].text == old.text:
                continue
            if to_epoch(old.valid_since) > since[p]:
                continue
            pairs.append((p, memory_id, score))
    if not pairs:
        return {}
    verdicts = judge.judge([(news[p].text, found[m].text, s) for p, m, s in pairs])
    detected: dict[int, tuple[int, str]] = {}
    taken: set[int] = set()
    for (p, memory_id, _), reason in zip(pairs, verdicts, strict=True):
        if reason is not None and p not in detected and memory_id not in taken:
            detected[p] = (memory_id, reason)
            taken.add(memory_id)
    return detected


def _keyword_neighbours(
    parts: Database,
    ns: NamespaceRow,
    replica: Replica,
    text: str,
    vector: NDArray[np.float32],
    judge: UpdateJudge,
    seen: set[int],
) -> list[tuple[int, float]]:
    """Up to ``judge.neighbours`` active memories, not in ``seen``, that share the words of ``text``'s value
    sentences, each with its cosine (a chunked memory's best chunk's) when it reaches ``min_similarity``."""
    keywords = value_keywords(text)
    if not keywords:
        return []
    matches = parts.repository.lexical(ns, keywords, limit=judge.neighbours, include_archived=False)
    ids = np.asarray(sorted({i for i, _ in matches} - seen), dtype=np.int64)
    ids = ids[isin_sorted(ids, replica.attributes.ids)]  # in the replica: active, and rankable
    memory_ids, cosines = memory_cosines(replica.index, replica.attributes, ids, vector)
    return [(int(i), float(c)) for i, c in zip(memory_ids, cosines, strict=True) if c >= judge.min_similarity]


def history(parts: Database, ns: NamespaceRow | None, record: MemoryRecord) -> list[MemoryRecord]:
    """The versions of ``record``'s fact, oldest first: back along ``supersedes``, forward along
    ``superseded_by`` to memories that supersede it (a reflection that summarised a version is not one)."""
    if ns is None:
        return [record]
    chain = [record]
    seen = {record.id}
    while chain[0].supersedes is not None and chain[0].supersedes not in seen:
        found = parts.repository.get_many(ns, [chain[0].supersedes])
        if not found:  # deleted for good: the history starts after it
            break
        chain.insert(0, found[0])
        seen.add(found[0].id)
    while chain[-1].superseded_by is not None and chain[-1].superseded_by not in seen:
        found = parts.repository.get_many(ns, [chain[-1].superseded_by])
        if not found or found[0].supersedes != chain[-1].id:
            break
        chain.append(found[0])
        seen.add(found[0].id)
    return chain
