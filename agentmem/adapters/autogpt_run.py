"""Auto-GPT 0.2.2, unmodified, with agentmem as its memory: ``python -m agentmem.adapters.autogpt_run``.

How Auto-GPT 0.2.2 (PyPI ``agpt``) chooses its memory, as its source reads: one factory,
``autogpt.memory.get_memory(cfg, init=False)``, knows ``local``, ``redis``, ``pinecone``, ``weaviate``,
``milvus`` and ``no_memory``, and returns its LocalCache for any other ``MEMORY_BACKEND`` (``--use-memory``
refuses other names). Its plugins (``AutoGPTPluginTemplate``) hook planning, commands and chat completions,
not memory, and they load after its command modules have already called the factory at import
(``autogpt.commands.web_requests``, ``autogpt.processing.text``). So the one way in that edits none of its
files is to put agentmem's factory in place of that one before Auto-GPT imports its commands, then run its
own CLI. That is all this module does::

    python -m agentmem.adapters.autogpt_run --continuous --ai-settings ai_settings.yaml

It takes Auto-GPT's options (``python -m autogpt --help``) and reads its ``.env`` and environment, plus
agentmem's settings (``AGENTMEM_DB``, ``AGENTMEM_NAMESPACE``, ``AGENTMEM_MODEL``; docs/autogpt.md). Every
caller of the factory (the loop, the ``memory_add`` command, page summaries) gets the same agentmem
backend, and the memories persist across restarts.

A program that drives Auto-GPT itself calls :func:`install` first, then Auto-GPT as usual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from agentmem import ConfigError
from agentmem.adapters.autogpt import BACKEND_NAME, get_memory

__all__ = ["install", "main"]

# Modules of Auto-GPT 0.2.2 that call the memory factory when they are imported, or hold a copy of it.
_EARLY_CALLERS = ("autogpt.app", "autogpt.commands.web_requests", "autogpt.processing.text")
_MEMORY_OPTIONS = ("-m", "--use-memory")


def install() -> None:
    """Make agentmem the memory of Auto-GPT 0.2 in this process: its factory becomes :func:`get_memory`.

    Call it before Auto-GPT imports its commands (before ``autogpt.cli.main()`` or ``autogpt.app``).

    Raises:
        ConfigError: Auto-GPT is not installed in this Python, it has no memory factory where 0.2 keeps
            it, ``MEMORY_BACKEND`` names another backend, or Auto-GPT's commands are already imported (they
            would keep the memory they got from the old factory).
    """
    try:
        import autogpt.memory as memory_module  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ConfigError(
            "Auto-GPT is not installed in this Python: install it beside agentmem (pip install agpt==0.2.2 "
            f"and the packages its requirements list); the import failed with: {exc}"
        ) from exc
    if not callable(getattr(memory_module, "get_memory", None)):
        raise ConfigError("this Auto-GPT has no autogpt.memory.get_memory factory: agentmem plugs into the 0.2 series")
    chosen = os.environ.get("MEMORY_BACKEND", "").strip().lower()
    if chosen not in ("", BACKEND_NAME):
        raise ConfigError(
            f"MEMORY_BACKEND={chosen} asks for another memory: unset it (or set it to {BACKEND_NAME}) to run "
            "Auto-GPT with agentmem, or start Auto-GPT itself (python -m autogpt) to use that backend"
        )
    early = [name for name in _EARLY_CALLERS if name in sys.modules]
    if early:
        raise ConfigError(
            f"Auto-GPT's commands are already imported ({', '.join(early)}) and keep the memory the old factory "
            "gave them: call install() before importing Auto-GPT's commands or calling autogpt.cli.main()"
        )
    memory_module.get_memory = get_memory


def main(argv: Sequence[str] | None = None) -> None:
    """Run Auto-GPT's own command line with agentmem as its memory (see the module docs).

    Args:
        argv: Auto-GPT's options; default: this process's arguments.

    Raises:
        ConfigError: as :func:`install` raises, or a ``--use-memory`` option (the memory is agentmem).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in _MEMORY_OPTIONS or a.startswith("--use-memory=") for a in args):
        raise ConfigError("drop --use-memory: this command runs Auto-GPT with agentmem as its memory")
    install()
    from autogpt.cli import main as autogpt_main  # type: ignore[import-not-found]

    autogpt_main(args=args, prog_name="autogpt")


if __name__ == "__main__":
    try:
        main()
    except ConfigError as error:
        sys.exit(f"agentmem: {error}")
