"""``agentmem doctor``: what can be checked about a database without loading the embedding model."""

from __future__ import annotations

from agentmem import DatabaseError, NamespaceStats, database_schema
from agentmem.cli.settings import Settings, stats_of
from agentmem.cli.tables import Check

__all__ = ["diagnose"]


def diagnose(settings: Settings) -> list[Check]:
    """Check the schema, then every namespace's index and model.

    - integrity (SQLite): ``PRAGMA integrity_check`` finds the file sound (else: restore it from a backup);
    - schema revision: the database is at the revision this agentmem ships (else: ``agentmem migrate``);
    - schema matches models: Alembic finds no difference between the tables and the models;
    - index <namespace>: the vector index holds every active memory's vectors (one per chunk) and reflects
      the namespace's latest version (the store replays what it missed on open, so a failure here is a
      real fault), and its saved file was this namespace's (a damaged file, or one of another database,
      namespace or state, fails the check: it was rebuilt from SQL, and the next run passes);
    - model <namespace>: the namespace's vectors come from the configured model (``--model``).

    Returns:
        The checks, in that order; later ones are skipped when the schema cannot be used.
    """
    path = settings.sqlite_file()
    if path is not None and not path.exists():
        return [Check("database", False, f"no database at {path}: create it with `agentmem init`")]
    checks: list[Check] = []
    try:
        schema = database_schema(settings.db, compare=True)
    except DatabaseError as exc:
        return [*checks, Check("database", False, f"{settings.where()}: {exc.reason}")]
    current, head, differences = schema.revision, schema.head, schema.differences
    checks.append(Check("database", True, settings.where()))
    if schema.integrity:
        found = "; ".join(schema.integrity[:3]) + ("…" if len(schema.integrity) > 3 else "")
        advice = "restore the file from a backup (or `agentmem export` what still reads into a new database)"
        checks.append(Check("integrity", False, f"PRAGMA integrity_check: {found}: {advice}"))
    elif path is not None:
        checks.append(Check("integrity", True, "PRAGMA integrity_check: ok"))
    if current != head:
        advice = "run `agentmem init`" if current is None else "run `agentmem migrate`"
        checks.append(Check("schema revision", False, f"{current or 'empty'}, expected {head}: {advice}"))
        return checks
    checks.append(Check("schema revision", True, f"{current} (head)"))
    detail = "no differences" if not differences else f"{len(differences)} differences, first: {differences[0]}"
    checks.append(Check("schema matches models", not differences, detail))
    checks.extend(_namespace_checks(settings))
    return checks


def _namespace_checks(settings: Settings) -> list[Check]:
    configured = settings.embedder().model_id
    checks = []
    with settings.store(embeds=False) as store:
        names = store.namespaces()
        for name in names:
            s = stats_of(store, settings, name)
            in_sync = s.index_size == s.active and s.index_vectors == s.vectors and s.index_version == s.version
            detail = _index_detail(s)
            if s.index_rebuilt is not None:
                detail = f"{s.index_rebuilt}: rebuilt from SQL, now {detail}"
            checks.append(Check(f"index {name}", in_sync and s.index_rebuilt is None, detail))
            same = s.model_id == configured
            advice = "" if same else f": pass --model {s.model_id} (or set AGENTMEM_MODEL) to search it"
            checks.append(
                Check(
                    f"model {name}",
                    same,
                    f"built with {s.model_id} ({s.dimensions}-d), configured {configured}{advice}",
                )
            )
    if not names:
        checks.append(Check("namespaces", True, "none yet"))
    return checks


def _index_detail(s: NamespaceStats) -> str:
    """``faiss index holds all 4 active memories (4 vectors), at version 7``, or what differs."""
    vectors = f"{s.vectors} vectors" if s.vectors != s.active else f"{s.vectors} vector{'s' * (s.vectors != 1)}"
    if s.index_size == s.active and s.index_vectors == s.vectors and s.index_version == s.version:
        return f"{s.index_kind} index holds all {s.active} active memories ({vectors}), at version {s.version}"
    return (
        f"{s.index_kind} index holds {s.index_size} memories ({s.index_vectors} vectors) at version "
        f"{s.index_version}; SQL has {s.active} active memories ({vectors}) at version {s.version}"
    )
