"""Running the agentmem app in-process (typer's CliRunner) and checking how it answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from agentmem.cli.app import app

# The dependency-free embedder keeps the command tests fast; the real model is used where it matters
# (tests/cli/test_executable.py, tests/cli/test_no_torch.py).
FAST_MODEL = "hashing-64"


@dataclass
class Cli:
    """``agentmem --db <db> [--model <model>] [-n <namespace>] ...`` run in-process."""

    db: Path | str | None  # None: no --db option (AGENTMEM_DB or the default location)
    model: str | None = FAST_MODEL
    namespace: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        options = [] if self.db is None else ["--db", str(self.db)]
        if self.model is not None:
            options += ["--model", self.model]
        if self.namespace is not None:
            options += ["--namespace", self.namespace]
        return CliRunner(env=self.env).invoke(app, [*options, *args], input=stdin, catch_exceptions=False)

    def ok(self, *args: str, stdin: str | None = None) -> Result:
        result = self(*args, stdin=stdin)
        assert result.exit_code == 0, f"agentmem {' '.join(args)} exited {result.exit_code}: {result.output}"
        return result

    def json(self, *args: str, stdin: str | None = None) -> Any:
        return json.loads(self.ok(*args, "--json", stdin=stdin).stdout)

    def with_namespace(self, namespace: str) -> Cli:
        return Cli(self.db, self.model, namespace, self.env)

    def with_model(self, model: str | None) -> Cli:
        return Cli(self.db, model, self.namespace, self.env)


def assert_one_line_error(result: Result, code: int, *fragments: str) -> str:
    """The command failed with ``code`` and exactly one ``error: ...`` line on stderr, naming ``fragments``."""
    assert result.exit_code == code, f"exit {result.exit_code}, expected {code}: {result.output}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def add_all(cli: Cli, texts: Sequence[str], *options: str) -> list[int]:
    return [int(cli.json("add", text, *options)["id"]) for text in texts]


def exported(
    memory_id: int,
    text: str,
    *,
    namespace: str = "default",
    kind: str = "observation",
    status: str = "active",
    sources: Sequence[int] = (),
    superseded_by: int | None = None,
    created_at: str = "2024-05-01T09:00:00+00:00",
    importance: float = 0.5,
) -> str:
    """One line of ``agentmem export``: how tests make archived memories and reflections with provenance."""
    return json.dumps(
        {
            "format": 1,
            "id": memory_id,
            "namespace": namespace,
            "text": text,
            "kind": kind,
            "importance": importance,
            "created_at": created_at,
            "last_accessed_at": created_at,
            "access_count": 0,
            "status": status,
            "metadata": {},
            "superseded_by": superseded_by,
            "version": 1,
            "sources": list(sources),
        }
    )
