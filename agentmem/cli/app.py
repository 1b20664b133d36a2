"""The ``agentmem`` typer app: global options, command registration, and errors as one line and an exit code.

Exit codes: 0 success; 1 a failure (memory not found, schema out of date, database unreachable, a doctor
check or ``migrate --check`` failing, a declined confirmation); 2 a usage or configuration mistake (bad
option or value, bad path/URL, wrong ``--model`` for a namespace). Errors never print a traceback.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from agentmem import AgentMemError, ConfigError, EmbedderMismatchError
from agentmem.adapters import DB_ENV, MODEL_ENV, NAMESPACE_ENV
from agentmem.cli import (
    commands_admin,
    commands_data,
    commands_forget,
    commands_mcp,
    commands_memories,
    commands_recall,
)
from agentmem.cli.settings import Settings

__all__ = ["app", "run"]

USAGE_EXIT = 2
FAILURE_EXIT = 1


class _OneLineErrors(TyperGroup):
    """A typer group whose every failure becomes ``error: <one line>`` on stderr and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code = _exit_code(self, args, prog_name, complete_var, extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def get_help_option(self, ctx: Any) -> Any:
        return _flag(super().get_help_option(ctx))


class _Command(TyperCommand):
    """A command whose ``--help`` shows no ``<bool>`` type, like every other flag."""

    def get_help_option(self, ctx: Any) -> Any:
        return _flag(super().get_help_option(ctx))


def _flag(option: Any) -> Any:
    if option is not None:
        option.metavar = ""  # a flag takes no value: no "<bool>" beside it in the help
    return option


def _exit_code(
    group: TyperGroup, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None, extra: Any
) -> int:
    try:
        result = TyperGroup.main(group, args, prog_name, complete_var, standalone_mode=False, **extra)
    except typer.Abort:
        return _fail("aborted", FAILURE_EXIT)
    except TyperException as exc:  # click's usage errors (exit code 2) and other click exceptions
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `agentmem`: the help is the answer, printed
            return 0
        context = getattr(exc, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None and exc.exit_code == 2 else ""
        return _fail(exc.format_message() + hint, exc.exit_code)
    except EmbedderMismatchError as exc:
        return _fail(
            f"namespace {exc.namespace!r} was built with {exc.expected_model} ({exc.expected_dims}-d), not "
            f"{exc.actual_model} ({exc.actual_dims}-d): pass --model {exc.expected_model} or set {MODEL_ENV}",
            USAGE_EXIT,
        )
    except ConfigError as exc:
        return _fail(str(exc), USAGE_EXIT)
    except AgentMemError as exc:
        return _fail(str(exc), FAILURE_EXIT)
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # the reader went away (| head): nothing left to say
            return FAILURE_EXIT
        return _fail(str(exc), FAILURE_EXIT)
    # Without standalone mode click returns the command's result, or the code of a typer.Exit.
    return result if isinstance(result, int) else 0


def _fail(message: str, code: int) -> int:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return code


app = typer.Typer(
    cls=_OneLineErrors,
    name="agentmem",
    help="Inspect and manage agentmem long-term memories: add, recall, list, export, check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from agentmem import __version__

        typer.echo(f"agentmem {__version__}")
        raise typer.Exit()


@app.callback()
def configure(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar=DB_ENV,
            metavar="PATH|URL",
            help="SQLite file or postgresql+psycopg:// URL. Default: $AGENTMEM_HOME/agentmem.db "
            "(./.agentmem/agentmem.db).",
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace", "-n", envvar=NAMESPACE_ENV, metavar="NAME", help="The agent or user. Default: default."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            envvar=MODEL_ENV,
            metavar="NAME|PATH",
            help="Embedding model: a sentence-transformers name or folder. Default: the bundled "
            "all-MiniLM-L6-v2. hashing-N is a dependency-free test embedder.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", metavar="", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Long-term vector memory for autonomous agents, from the shell."""
    if namespace is not None and not namespace.strip():
        raise typer.BadParameter(
            'the namespace is blank (an unset variable in -n "$AGENT"?): name the agent or user, or leave '
            "the option out for 'default'",
            param_hint="'--namespace'",
        )
    ctx.obj = Settings(
        db=db or None,
        # An empty --namespace (say -n "$AGENT" with AGENT unset) is refused when the store opens: falling
        # back to "default" would mix agents' memories.
        namespace="default" if namespace is None else namespace,
        namespace_given=bool(namespace),
        model=model or None,
    )


app.command("init", cls=_Command)(commands_admin.init)
app.command("add", cls=_Command)(commands_memories.add)
app.command("recall", cls=_Command)(commands_recall.recall)
app.command("search", cls=_Command)(commands_recall.search)
app.command("ls", cls=_Command)(commands_memories.ls)
app.command("show", cls=_Command)(commands_memories.show)
app.command("history", cls=_Command)(commands_memories.history)
app.command("stats", cls=_Command)(commands_admin.stats)
app.command("namespaces", cls=_Command)(commands_admin.namespaces)
app.command("forget", cls=_Command)(commands_memories.forget)
app.command("prune", cls=_Command)(commands_forget.prune)
app.command("reflect", cls=_Command)(commands_forget.reflect)
app.command("restore", cls=_Command)(commands_forget.restore)
app.command("export", cls=_Command)(commands_data.export)
app.command("import", cls=_Command)(commands_data.import_)
app.command("reindex", cls=_Command)(commands_data.reindex)
app.command("doctor", cls=_Command)(commands_admin.doctor)
app.command("migrate", cls=_Command)(commands_admin.migrate)
app.command("mcp", cls=_Command)(commands_mcp.mcp)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the app on ``argv`` (default: the process's arguments) and return the exit code."""
    _show_warnings()
    # The model's loading bar (transformers, via huggingface_hub) would interleave with the CLI's own output
    # on every embedding command; a user who wants it back sets the variable to 0.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    command = typer.main.get_command(app)
    code = command.main(args=argv, prog_name="agentmem", standalone_mode=False)
    return int(code)


def _show_warnings() -> None:
    # The library logs what it repairs (an index file rebuilt from SQL...) on the "agentmem" logger; the
    # command line shows those as "warning: ..." lines on stderr, unless the host configured logging.
    logger = logging.getLogger("agentmem")
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(_LevelPrefix())
        logger.addHandler(handler)


class _LevelPrefix(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"
