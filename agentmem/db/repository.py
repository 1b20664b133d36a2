"""Reads and writes of memories and namespaces (lifecycle.py archives, restores and reflects; snapshots.py
reads what the replicas load; sqlite_reads.py holds the SQLite fast paths).

Every change to a namespace's memories bumps the namespace's version in the same transaction (the
UPDATE takes a row lock on PostgreSQL and the write lock on SQLite), so versions commit in order and a
reader that has seen version ``v`` has seen every change up to ``v``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from agentmem.db import sqlite_reads
from agentmem.db.filters import filter_clauses
from agentmem.db.models import embedding_cache, memories, memory_sources, namespaces, tombstones
from agentmem.db.rows import (
    ImportedRow,
    NamespaceRow,
    record_from_row,
    vector_to_blob,
    vectors_from_blob,
)
from agentmem.db.transactions import RECORD_COLUMNS, bump_version, greatest, ids_in_namespace, reading, writing
from agentmem.errors import ConfigError
from agentmem.types import MemoryFilter, MemoryRecord, content_hash

__all__ = ["Repository", "cache_put", "delete_rows"]

# Built once: recall fetches its top memories on every call, and building the statement cost more than
# running it. Looked up by primary key (see ids_in_namespace for why namespace_id + 0).
_RECORDS_BY_ID = select(*RECORD_COLUMNS).where(
    memories.c.id.in_(bindparam("ids", expanding=True)), (memories.c.namespace_id + 0) == bindparam("namespace_id")
)
_VERSION = select(namespaces.c.version).where(namespaces.c.id == bindparam("namespace_id"))
# Ids per IN (...) list: well under SQLite's limit of bound parameters per statement.
_ID_BATCH = 10_000


class Repository:
    """SQL access for one database.

    Args:
        engine: a SQLAlchemy engine whose schema is at head.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # An in-memory database shares one connection (StaticPool) that may be inside another transaction.
        self._sqlite_file = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")

    @property
    def engine(self) -> Engine:
        return self._engine

    # -- namespaces -------------------------------------------------------------------------------

    def namespace(self, name: str) -> NamespaceRow | None:
        with reading(self._engine) as conn:
            row = conn.execute(select(namespaces).where(namespaces.c.name == name)).first()
        return None if row is None else NamespaceRow.from_row(row)

    def list_namespaces(self) -> list[NamespaceRow]:
        with reading(self._engine) as conn:
            rows = conn.execute(select(namespaces).order_by(namespaces.c.name)).all()
        return [NamespaceRow.from_row(r) for r in rows]

    def create_namespace(self, name: str, *, model_id: str, dimensions: int, now: float) -> NamespaceRow:
        """Create the namespace, or return it if another process created it first.

        An upsert, not a select then an insert: processes whose first writes to a new namespace race
        would otherwise violate the unique name on PostgreSQL (whose insert waits for the other
        transaction, then does nothing; the select that follows sees the committed row).
        """
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        values = {"name": name, "version": 0, "model_id": model_id, "dimensions": dimensions, "created_at": now}
        with writing(self._engine) as conn:
            conn.execute(dialect.insert(namespaces).values(values).on_conflict_do_nothing(index_elements=["name"]))
            row = conn.execute(select(namespaces).where(namespaces.c.name == name)).one()
        return NamespaceRow.from_row(row)

    # -- memories ---------------------------------------------------------------------------------

    def by_keys(self, ns: NamespaceRow, keys: Sequence[str]) -> dict[str, MemoryRecord]:
        """The memories holding these keys (archived ones too), by key; keys no memory holds are left out."""
        found: dict[str, MemoryRecord] = {}
        unique = list(dict.fromkeys(keys))
        with reading(self._engine) as conn:
            for start in range(0, len(unique), 500):  # keep the IN list well under driver limits
                rows = conn.execute(
                    select(*RECORD_COLUMNS).where(
                        memories.c.namespace_id == ns.id, memories.c.key.in_(unique[start : start + 500])
                    )
                ).all()
                found.update({str(r.key): record_from_row(r, namespace=ns.name) for r in rows})
        return found

    def get_many(self, ns: NamespaceRow, ids: Sequence[int]) -> list[MemoryRecord]:
        """The memories with these ids in this namespace, in the order asked (missing ids left out)."""
        if not ids:
            return []
        with reading(self._engine) as conn:
            return _records(conn, ns, ids)

    def get_many_at(self, ns: NamespaceRow, ids: Sequence[int]) -> tuple[int, list[MemoryRecord]]:
        """The namespace's version, then the memories with these ids, on one connection.

        Recall ranks on its replica first and reads its results and the version together after: a version
        that differs from the replica's says the ranking must be redone. Records read after the version
        can only be newer than it (a memory deleted meanwhile is left out, as in any racing read).
        """
        if self._sqlite_file:
            return sqlite_reads.records_at(self._engine, ns, ids)
        with reading(self._engine) as conn:
            version = int(conn.execute(_VERSION, {"namespace_id": ns.id}).scalar_one())
            return version, _records(conn, ns, ids) if ids else []

    def page(
        self,
        ns: NamespaceRow,
        *,
        where: MemoryFilter,
        order_by: str,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[MemoryRecord]:
        """A page of the namespace's memories that pass ``where``, sorted by ``order_by`` (ties by id)."""
        column = memories.c[order_by]
        with reading(self._engine) as conn:
            rows = conn.execute(
                select(*RECORD_COLUMNS)
                .where(*filter_clauses(ns.id, where))
                .order_by(
                    column.desc() if descending else column, memories.c.id.desc() if descending else memories.c.id
                )
                .limit(limit)
                .offset(offset)
            ).all()
        return [record_from_row(r, namespace=ns.name) for r in rows]

    def recent_texts(self, ns: NamespaceRow, *, limit: int) -> list[str]:
        """Texts of the newest active memories, newest first."""
        with reading(self._engine) as conn:
            return [
                str(t)
                for t in conn.execute(
                    select(memories.c.text)
                    .where(memories.c.namespace_id == ns.id, memories.c.status == "active")
                    .order_by(memories.c.id.desc())
                    .limit(limit)
                ).scalars()
            ]

    def delete(self, ns: NamespaceRow, ids: Sequence[int]) -> tuple[list[int], int]:
        """Hard-delete memories: text, vector, provenance-free cache entries; leave tombstones for replicas.

        Returns:
            the ids that existed and were deleted, and the namespace version of the change.
        """
        with writing(self._engine) as conn:
            found = [int(i) for i in conn.execute(select(memories.c.id).where(ids_in_namespace(ids, ns.id))).scalars()]
            if not found:
                return [], int(conn.execute(select(namespaces.c.version).where(namespaces.c.id == ns.id)).scalar_one())
            version = bump_version(conn, ns.id)
            delete_rows(conn, ns, found, version)
        return found, version

    def sources_of(self, reflection_id: int) -> list[int]:
        with reading(self._engine) as conn:
            return [
                int(i)
                for i in conn.execute(
                    select(memory_sources.c.source_id).where(memory_sources.c.reflection_id == reflection_id)
                ).scalars()
            ]

    # -- embedding cache --------------------------------------------------------------------------

    def cached_embeddings(
        self, model_id: str, hashes: Sequence[str], dimensions: int
    ) -> dict[str, NDArray[np.float32]]:
        """Cached vectors of these content hashes for this model."""
        found: dict[str, NDArray[np.float32]] = {}
        unique = list(dict.fromkeys(hashes))
        with reading(self._engine) as conn:
            for start in range(0, len(unique), 500):  # keep the IN list well under driver limits
                rows = conn.execute(
                    select(embedding_cache.c.content_hash, embedding_cache.c.embedding).where(
                        embedding_cache.c.model_id == model_id,
                        embedding_cache.c.content_hash.in_(unique[start : start + 500]),
                    )
                ).all()
                found.update({r.content_hash: vectors_from_blob(r.embedding, dimensions) for r in rows})
        return found

    # -- statistics -------------------------------------------------------------------------------

    def counts(self, ns: NamespaceRow) -> tuple[dict[tuple[str, str], int], int, int]:
        """Memories counted by (kind, status), the bytes of their text and vectors, and active vectors."""
        with reading(self._engine) as conn:
            rows = conn.execute(
                select(
                    memories.c.kind,
                    memories.c.status,
                    func.count(),
                    func.coalesce(func.sum(func.length(memories.c.text) + func.length(memories.c.embedding)), 0),
                    func.coalesce(func.sum(func.length(memories.c.embedding)), 0),
                )
                .where(memories.c.namespace_id == ns.id)
                .group_by(memories.c.kind, memories.c.status)
            ).all()
        vectors = sum(int(r[4]) for r in rows if r[1] == "active") // (4 * ns.dimensions)
        return {(r[0], r[1]): int(r[2]) for r in rows}, sum(int(r[3]) for r in rows), vectors

    # -- recall support ---------------------------------------------------------------------------

    def matching_ids(self, ns: NamespaceRow, where: MemoryFilter) -> NDArray[np.int64]:
        """Ids of the memories of ``ns`` that pass the filter (archived ones only if it says so)."""
        with reading(self._engine) as conn:
            ids = conn.execute(select(memories.c.id).where(*filter_clauses(ns.id, where))).scalars().all()
        return np.asarray(ids, dtype=np.int64)

    def touch_counts(self, ns: NamespaceRow, accesses: Mapping[int, tuple[float, int]]) -> int:
        """Record coalesced accesses, memory id -> (latest epoch, how many): one transaction, one version bump.

        Returns:
            The new version.
        """
        groups: dict[tuple[float, int], list[int]] = {}
        for memory_id, key in accesses.items():
            groups.setdefault(key, []).append(memory_id)
        with writing(self._engine) as conn:
            version = bump_version(conn, ns.id)
            for (when, count), ids in groups.items():
                conn.execute(
                    update(memories)
                    .where(ids_in_namespace(ids, ns.id))
                    .values(
                        # Never move an access back in time (a replayed history may recall "in the past").
                        last_accessed_at=greatest(conn, memories.c.last_accessed_at, when),
                        access_count=memories.c.access_count + count,
                        version=version,
                    )
                )
        return version

    def lexical(self, ns: NamespaceRow, query: str, *, limit: int, include_archived: bool) -> list[tuple[int, float]]:
        """Best lexical (BM25-style) matches of ``query``: (memory id, score > 0), best first."""
        from agentmem.db.lexical import lexical_search

        if self._sqlite_file:
            return sqlite_reads.lexical_matches(
                self._engine, namespace_id=ns.id, query=query, limit=limit, include_archived=include_archived
            )
        with reading(self._engine) as conn:
            return lexical_search(conn, namespace_id=ns.id, query=query, limit=limit, include_archived=include_archived)

    # -- export and import ------------------------------------------------------------------------

    def export_rows(
        self, ns: NamespaceRow, *, with_vectors: bool, batch: int = 1000
    ) -> Iterator[tuple[MemoryRecord, tuple[int, ...], bytes | None, str | None]]:
        """Every memory of the namespace in id order: provenance, (optionally) vector bytes, embedded text."""
        columns = [*RECORD_COLUMNS, memories.c.embedded_text]
        if with_vectors:
            columns.append(memories.c.embedding)
        after = -1
        while True:
            with reading(self._engine) as conn:
                rows = conn.execute(
                    select(*columns)
                    .where(memories.c.namespace_id == ns.id, memories.c.id > after)
                    .order_by(memories.c.id)
                    .limit(batch)
                ).all()
                ids = [int(r.id) for r in rows]
                links = conn.execute(
                    select(memory_sources.c.reflection_id, memory_sources.c.source_id)
                    .where(memory_sources.c.reflection_id.in_(ids))
                    .order_by(memory_sources.c.source_id)
                ).all()
            if not rows:
                return
            sources: dict[int, list[int]] = {}
            for reflection_id, source_id in links:
                sources.setdefault(int(reflection_id), []).append(int(source_id))
            for r in rows:
                blob = bytes(r.embedding) if with_vectors else None
                yield record_from_row(r, namespace=ns.name), tuple(sources.get(int(r.id), ())), blob, r.embedded_text
            after = ids[-1]

    def owners(self, ids: Iterable[int]) -> dict[int, int]:
        """The namespace id holding each of ``ids`` that is a memory of this database."""
        wanted, found = sorted(set(ids)), {}
        with reading(self._engine) as conn:
            for start in range(0, len(wanted), _ID_BATCH):
                batch = wanted[start : start + _ID_BATCH]
                rows = conn.execute(select(memories.c.id, memories.c.namespace_id).where(memories.c.id.in_(batch)))
                found.update({int(i): int(ns) for i, ns in rows})
        return found

    def import_rows(self, ns: NamespaceRow, rows: Sequence[ImportedRow], *, keep_ids: bool) -> tuple[list[int], int]:
        """Insert exported memories in one transaction, keeping their ids (or giving new ones).

        Provenance, ``superseded_by`` and ``supersedes`` links are kept, remapped to the new ids when ids change.

        Returns:
            the new ids (in the order given) and the namespace version of the change.

        Raises:
            ConfigError: ``keep_ids`` and some ids are already used in this database.
        """
        if not rows:
            return [], ns.version
        with writing(self._engine) as conn:
            if keep_ids:
                wanted = [r.record.id for r in rows]
                taken = conn.execute(select(memories.c.id).where(memories.c.id.in_(wanted))).scalars().all()
                if taken or len(set(wanted)) != len(wanted):
                    shown = ", ".join(str(i) for i in sorted(taken)[:5]) or "repeated in the input"
                    raise ConfigError(
                        f"memory ids already used in this database ({shown}): import into a new database, "
                        "or import with new ids (keep_ids=False / --new-ids)"
                    )
            keys = [r.record.key for r in rows if r.record.key is not None]
            if keys:
                held = conn.execute(
                    select(memories.c.key).where(memories.c.namespace_id == ns.id, memories.c.key.in_(keys))
                ).scalars()
                taken_keys = sorted({str(k) for k in held} | {k for k in keys if keys.count(k) > 1})
                if taken_keys:
                    raise ConfigError(
                        f"memory keys already used in namespace {ns.name!r} ({', '.join(taken_keys[:5])}): "
                        "import into another namespace, or forget those memories first"
                    )
            version = bump_version(conn, ns.id)
            values = [r.row_values(namespace_id=ns.id, version=version, keep_id=keep_ids) for r in rows]
            new_ids = [
                int(i)
                for i in conn.execute(
                    insert(memories).returning(memories.c.id, sort_by_parameter_order=True), values
                ).scalars()
            ]
            mapping = {r.record.id: new for r, new in zip(rows, new_ids, strict=True)}
            if not keep_ids:
                for r, new in zip(rows, new_ids, strict=True):
                    links_of = {"superseded_by": r.record.superseded_by, "supersedes": r.record.supersedes}
                    moved = {k: mapping.get(v, v) for k, v in links_of.items() if v is not None}
                    if moved:
                        conn.execute(update(memories).where(memories.c.id == new).values(**moved))
            links = [
                {"reflection_id": mapping[r.record.id], "source_id": mapping.get(s, s)} for r in rows for s in r.sources
            ]
            if links:
                conn.execute(insert(memory_sources), links)
            if keep_ids and conn.dialect.name == "postgresql":
                # Explicit ids do not advance the id sequence: move it past them so later inserts don't collide.
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('agentmem_memories', 'id'), "
                        "(SELECT MAX(id) FROM agentmem_memories))"
                    )
                )
        return new_ids, version


def _records(conn: Connection, ns: NamespaceRow, ids: Sequence[int]) -> list[MemoryRecord]:
    rows = conn.execute(_RECORDS_BY_ID, {"ids": list(ids), "namespace_id": ns.id}).all()
    by_id = {int(r.id): record_from_row(r, namespace=ns.name) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def delete_rows(conn: Connection, ns: NamespaceRow, found: Sequence[int], version: int) -> None:
    """Delete these memories of ``ns`` (known to exist) at ``version``: tombstones, and cached vectors no
    memory holds any more."""
    keyed = conn.execute(
        select(memories.c.content_hash, memories.c.embedded_text).where(memories.c.id.in_(found))
    ).all()
    hashes = {r.content_hash for r in keyed if r.embedded_text is None}
    # Vectors of another view of the text are cached under that view's hash; such a view is rarely
    # shared, and dropping a cache entry someone still uses only costs a re-embedding later.
    views = {content_hash(r.embedded_text) for r in keyed if r.embedded_text is not None}
    conn.execute(delete(memories).where(memories.c.id.in_(found)))
    conn.execute(
        insert(tombstones),
        [{"namespace_id": ns.id, "memory_id": i, "version": version} for i in found],
    )
    # Forgetting means forgetting: the cached vector of a text no memory holds any more goes too. Only
    # memories embedded by this model use its cache entry; naming their namespaces lets the (namespace,
    # content_hash) index answer, where a bare content_hash test scanned every memory (~130 ms at 100k).
    same_model_ids = [
        int(i) for i in conn.execute(select(namespaces.c.id).where(namespaces.c.model_id == ns.model_id)).scalars()
    ]
    still_used = set(
        conn.execute(
            select(memories.c.content_hash).where(
                memories.c.namespace_id.in_(same_model_ids),
                memories.c.content_hash.in_(hashes),
                memories.c.embedded_text.is_(None),
            )
        )
        .scalars()
        .all()
    )
    if (hashes - still_used) | views:
        conn.execute(
            delete(embedding_cache).where(
                embedding_cache.c.model_id == ns.model_id,
                embedding_cache.c.content_hash.in_((hashes - still_used) | views),
            )
        )


def cache_put(conn: Connection, model_id: str, vectors: dict[str, NDArray[np.float32]]) -> None:
    if not vectors:
        return
    rows = [{"model_id": model_id, "content_hash": h, "embedding": vector_to_blob(v)} for h, v in vectors.items()]
    # Another writer may have cached the same text meanwhile: the first vector wins, they are equal.
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(embedding_cache).on_conflict_do_nothing(), rows)
    else:
        conn.execute(sqlite.insert(embedding_cache).on_conflict_do_nothing(), rows)
