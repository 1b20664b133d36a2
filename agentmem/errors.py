"""The one exception tree of agentmem.

Every error agentmem raises on purpose derives from :class:`AgentMemError`::

    AgentMemError
    ├── ConfigError                  bad option, path, URL or argument: fix the call
    │   ├── MissingDependencyError   an optional package is absent: names the extra to install
    │   └── ImportRejectedError      memories to import are invalid: every problem, nothing imported
    ├── SchemaError                  the database schema is not the one this version expects
    │   └── SchemaOutOfDateError     migrations are pending: run `agentmem migrate`
    ├── MemoryNotFoundError          no memory with that id in this namespace
    ├── EmbedderMismatchError        the embedder differs from the one the namespace was built with
    ├── DatabaseError                the database failed: unreachable, locked, full, not a database...
    ├── IndexCorruptError            a vector index file cannot be read (rebuilt from SQL on open)
    └── LLMError                     a chat-completions endpoint failed or gave an unusable answer

Leaves carry the context needed to act on them as attributes. Only the CLI turns these into exit codes.
The database driver's own exceptions are mapped into this tree in one place (:mod:`agentmem.db.engine`'s
error hook), so no layer above the database imports SQLAlchemy to catch them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AgentMemError",
    "ConfigError",
    "DatabaseError",
    "EmbedderMismatchError",
    "ImportRejectedError",
    "IndexCorruptError",
    "LLMError",
    "MemoryNotFoundError",
    "MissingDependencyError",
    "SchemaError",
    "SchemaOutOfDateError",
]


class AgentMemError(Exception):
    """Root of every error agentmem raises on purpose."""


class ConfigError(AgentMemError, ValueError):
    """An option, path, URL or argument is invalid; the message says what to change."""


class MissingDependencyError(ConfigError, ImportError):
    """An optional dependency is not installed.

    Attributes:
        package: the importable module that is missing.
        extra: the ``pip install 'agentmem[extra]'`` extra that provides it.
    """

    def __init__(self, package: str, *, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(f"{package} is not installed: run `pip install 'agentmem[{extra}]'`")


class ImportRejectedError(ConfigError):
    """Memories to import are invalid; nothing was imported.

    Attributes:
        problems: every problem found, each naming where it is (``memory #3``, ``backup.jsonl:7``) and what
            to change, in input order.
    """

    SHOWN = 10

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        more = len(self.problems) - self.SHOWN
        listed = "; ".join(self.problems[: self.SHOWN]) + (f"; and {more} more" if more > 0 else "")
        plural = "" if len(self.problems) == 1 else "s"
        super().__init__(f"nothing imported, {len(self.problems)} problem{plural}: {listed}")


class SchemaError(AgentMemError):
    """The database schema is not usable by this version of agentmem."""


class SchemaOutOfDateError(SchemaError):
    """The database needs migrations that were not applied.

    Attributes:
        current: the revision the database is at (None for an empty database).
        head: the revision this version of agentmem expects.
    """

    def __init__(self, *, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"database schema is at revision {current or '<empty>'}, this agentmem needs {head}: "
            "run `agentmem migrate` or open with migrate='apply'"
        )


class MemoryNotFoundError(AgentMemError, KeyError):
    """No memory with this id exists in the namespace.

    Attributes:
        memory_id: the id that was asked for.
        namespace: the namespace that was searched.
    """

    def __init__(self, memory_id: int, *, namespace: str) -> None:
        self.memory_id = memory_id
        self.namespace = namespace
        super().__init__(memory_id)

    def __str__(self) -> str:
        return f"no memory with id {self.memory_id} in namespace {self.namespace!r}"


class EmbedderMismatchError(AgentMemError):
    """The embedder does not match the one the namespace's vectors were made with.

    Attributes:
        namespace: the namespace being opened.
        expected_model: model id stored with the namespace.
        expected_dims: dimensions stored with the namespace.
        actual_model: model id of the embedder given.
        actual_dims: dimensions of the embedder given.
    """

    def __init__(
        self,
        *,
        namespace: str,
        expected_model: str,
        expected_dims: int,
        actual_model: str,
        actual_dims: int,
    ) -> None:
        self.namespace = namespace
        self.expected_model = expected_model
        self.expected_dims = expected_dims
        self.actual_model = actual_model
        self.actual_dims = actual_dims
        super().__init__(
            f"namespace {namespace!r} was built with {expected_model} ({expected_dims}-d) but the embedder is "
            f"{actual_model} ({actual_dims}-d): open it with the original model, or move its memories to the new "
            "model by exporting them without vectors and importing them into a store opened with it "
            "(`agentmem export` / `agentmem import`, or export_memories / import_memories: they are re-embedded)"
        )


class DatabaseError(AgentMemError):
    """The database failed to run a statement or to connect; the message says what it said and what to do.

    Attributes:
        backend: ``sqlite`` or ``postgresql``.
        reason: the driver's message, on one line.
    """

    def __init__(self, *, backend: str, reason: str, advice: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"{backend} database error: {reason}" + (f": {advice}" if advice else ""))


class IndexCorruptError(AgentMemError):
    """A persisted vector index cannot be read.

    Attributes:
        path: the index file.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"vector index file {path} is unreadable ({reason})")


class LLMError(AgentMemError):
    """A chat-completions endpoint failed, or its answer could not be used.

    Raised once the retries are spent (timeouts, refused connections, HTTP 429 and 5xx), at once for any other
    HTTP error, and for an answer that is not the expected JSON or carries no usable content.

    Attributes:
        url: the endpoint, without credentials or query string.
        status: the last HTTP status received; None when no response came (timeout, refused, reset).
        attempts: how many requests were made before giving up.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, attempts: int = 1) -> None:
        self.url = url
        self.status = status
        self.attempts = attempts
        outcome = f"HTTP {status}" if status is not None else "no response"
        plural = "" if attempts == 1 else "s"
        super().__init__(f"{message} ({url}; {outcome}; {attempts} attempt{plural})")
