"""Package-level promises: a light import, a sorted public API, dependencies pointing one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import agentmem

PACKAGE = Path(agentmem.__file__).parent
HEAVY = {"torch", "faiss", "sentence_transformers"}
# Pure logic: numbers and text in, numbers and text out. No storage, no models, no CLI.
PURE_MODULES = [
    "types.py",
    "retrieval.py",
    "prompt.py",
    "errors.py",
    "ranking.py",
    "certified.py",
    "attributes.py",
    "chunking.py",
    "conversation.py",
    "timespans.py",
    "reflection.py",
    "forgetting.py",
    "importance.py",
    "summarize.py",
    "transfer.py",
]
FORBIDDEN_IN_PURE = {
    "sqlalchemy",
    "faiss",
    "torch",
    "sentence_transformers",
    "click",
    "typer",
    "rich",
    "alembic",
}


def test_public_api_is_sorted_and_importable() -> None:
    assert agentmem.__all__ == sorted(agentmem.__all__)
    for name in agentmem.__all__:
        assert getattr(agentmem, name) is not None


def test_import_agentmem_loads_no_torch_faiss_or_sentence_transformers() -> None:
    code = f"import sys, agentmem; print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pure_modules_import_no_backend() -> None:
    for name in PURE_MODULES:
        path = PACKAGE / name
        if path.exists():
            assert not (_imports(path) & FORBIDDEN_IN_PURE), name


def test_backends_never_import_the_layers_above_them() -> None:
    above = {"agentmem.store.memory_store", "agentmem.cli", "agentmem.adapters", "agentmem.store.replicas"}
    for folder in ("db", "index", "embedders"):
        for path in (PACKAGE / folder).glob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not any(node.module.startswith(m) for m in above), f"{path} imports {node.module}"
