"""The ``agentmem`` command line: a thin layer over the public API (``python -m agentmem`` runs it too).

Modules: :mod:`~agentmem.cli.app` (the typer app, global options, errors as exit codes),
:mod:`~agentmem.cli.settings` (opening the store the options select), ``commands_*`` (the commands by
concern), :mod:`~agentmem.cli.render` and :mod:`~agentmem.cli.tables` (JSON and rich output),
:mod:`~agentmem.cli.parsing` (what users type), :mod:`~agentmem.cli.doctor` (database checks).
See docs/cli.md.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``agentmem`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    from agentmem.cli.app import run

    return run(argv)
