"""The identity index files are checked against: the database's id and the checkpoints written.

An index file is a cache of one namespace of one database at one version. Its header carries the
database id (made when the schema was created), the namespace's id, name and model, and a random
checkpoint token recorded here, in SQL, before the file is written. SQL that does not hold the token (a
database created again under the same path or URL, a backup restored while newer files stay) does not
describe the state the file was written from, so the file is rebuilt from SQL instead of trusted.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Engine, delete, select

from agentmem.db.models import database, index_checkpoints
from agentmem.db.transactions import reading, writing

__all__ = ["KEPT_CHECKPOINTS", "CheckpointLedger"]

# Tokens kept per namespace and index kind: several processes (or hosts, on PostgreSQL) checkpoint the same
# namespace into their own files, and each file stays loadable while its token is among the newest.
KEPT_CHECKPOINTS = 16


class CheckpointLedger:
    """The database id and the index checkpoint tokens of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._database_id: str | None = None

    def database_id(self) -> str:
        """The random id made when the database's tables were created (read once)."""
        if self._database_id is None:
            with reading(self._engine) as conn:
                found = conn.execute(select(database.c.id)).scalars().all()
            # A database holds one row; anything else cannot vouch for any file.
            self._database_id = str(found[0]) if len(found) == 1 else f"unknown-{uuid.uuid4().hex}"
        return self._database_id

    def record(self, namespace_id: int, *, kind: str, version: int) -> str:
        """Record a new checkpoint of a namespace's index at ``version`` and return its token.

        The oldest tokens of the same namespace and kind beyond :data:`KEPT_CHECKPOINTS` are dropped.
        """
        token = uuid.uuid4().hex
        with writing(self._engine) as conn:
            conn.execute(
                index_checkpoints.insert().values(
                    token=token, namespace_id=namespace_id, kind=kind, version=version, created_at=time.time()
                )
            )
            same = (index_checkpoints.c.namespace_id == namespace_id) & (index_checkpoints.c.kind == kind)
            newest = (
                select(index_checkpoints.c.token)
                .where(same)
                .order_by(index_checkpoints.c.created_at.desc(), index_checkpoints.c.version.desc())
                .limit(KEPT_CHECKPOINTS)
            )
            conn.execute(delete(index_checkpoints).where(same, index_checkpoints.c.token.not_in(newest)))
        return token

    def confirms(self, namespace_id: int, *, kind: str, version: int, token: str) -> bool:
        """Whether SQL recorded ``token`` for this namespace, kind and version."""
        with reading(self._engine) as conn:
            found = conn.execute(
                select(index_checkpoints.c.version).where(
                    index_checkpoints.c.token == token,
                    index_checkpoints.c.namespace_id == namespace_id,
                    index_checkpoints.c.kind == kind,
                )
            ).scalar_one_or_none()
        return found is not None and int(found) == version
