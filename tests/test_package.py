"""Package-level promises: a light import, the public API, and dependencies that point one way.

The layers, bottom up (docs/ARCHITECTURE.md draws them):

| layer | modules | may import (agentmem) |
|---|---|---|
| core | errors, types, config, vectors | the core modules below it in CORE_ORDER |
| text | text/ | core |
| ranking | ranking/ | core |
| consolidation | consolidation/ | core, text |
| backends | db/, index/, embedders/ | core |
| llm | llm/ | core, text |
| store | store/ | everything above this row |
| public face | agentmem/__init__.py | anything: it re-exports the public names |
| interfaces | cli/, adapters/, __main__ | the public names of agentmem, adapters, cli |
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import agentmem

PACKAGE = Path(agentmem.__file__).parent
HEAVY = {"torch", "faiss", "sentence_transformers"}
CORE_ORDER = ["errors", "types", "config", "vectors"]
LAYERS: dict[str, set[str]] = {
    "text": {"core"},
    "ranking": {"core"},
    "consolidation": {"core", "text"},
    "db": {"core"},
    "index": {"core"},
    "embedders": {"core"},
    "llm": {"core", "text"},
    "store": {"core", "text", "ranking", "consolidation", "db", "index", "embedders", "llm"},
}
INTERFACES = {"cli", "adapters"}
# Pure logic and backends never import what serves the layers above them.
FORBIDDEN_IN_LOGIC = {"sqlalchemy", "faiss", "torch", "sentence_transformers", "typer", "rich", "alembic"}
LOGIC = {"text", "ranking", "consolidation"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _layer(module: str) -> str:
    """The layer of an agentmem module; a module that fits none fails the test that calls this."""
    parts = module.split(".")
    if len(parts) == 1:
        return "public face"
    if len(parts) == 2 and parts[1] == "__main__":
        return "interfaces"
    if len(parts) == 2 and parts[1] in CORE_ORDER:
        return "core"
    if parts[1] in LAYERS:
        return parts[1]
    if parts[1] in INTERFACES:
        return "interfaces"
    raise AssertionError(f"{module} belongs to no layer: place it in one and add it to the table above")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every absolute import in the file, top level or inside functions: (module, names imported from it)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names]))
    return found


def _agentmem_imports(path: Path) -> set[str]:
    """The agentmem modules a file imports (``from agentmem.x import y`` counts y when it is a module)."""
    targets = set()
    for module, names in _imports(path):
        if not module.startswith("agentmem"):
            continue
        submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
        targets.update(submodules or [module])
    return targets


def test_public_api_is_sorted_and_is_exactly_what_the_package_defines_for_users() -> None:
    assert agentmem.__all__ == sorted(agentmem.__all__)
    public = {
        name
        for name, value in vars(agentmem).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("agentmem")
    }
    # Every public class and function the package namespace holds is listed, and nothing else is.
    assert public - {"annotations"} == set(agentmem.__all__) - {"JSONValue", "QueryInput"}
    for name in agentmem.__all__:
        assert getattr(agentmem, name) is not None
    assert "AgentMemory" in agentmem.__all__


def test_internal_packages_export_nothing() -> None:
    for package in ("store", "ranking", "text", "consolidation", "db", "index", "embedders", "llm"):
        tree = ast.parse((PACKAGE / package / "__init__.py").read_text())
        assert all(isinstance(node, ast.Expr) for node in tree.body), f"agentmem/{package}/__init__.py has code"


def test_import_agentmem_loads_no_torch_faiss_or_sentence_transformers() -> None:
    code = f"import sys, agentmem; print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_module_belongs_to_a_layer_and_imports_only_what_its_layer_may() -> None:
    assert len(MODULES) > 60  # the walk found the package
    wrong = []
    for module, path in sorted(MODULES.items()):
        layer = _layer(module)
        if layer == "public face":
            continue
        for target in sorted(_agentmem_imports(path)):
            if target == "agentmem" or target.startswith(("agentmem.migrations",)):
                allowed = layer == "interfaces" or target.startswith("agentmem.migrations")
            else:
                to = _layer(target)
                if layer == "interfaces":
                    allowed = to == "interfaces"
                elif layer == "core":
                    here, there = module.split(".")[1], target.split(".")[1]
                    allowed = to == "core" and CORE_ORDER.index(there) < CORE_ORDER.index(here)
                else:
                    allowed = to == layer or to in LAYERS[layer]
            if not allowed:
                wrong.append(f"{module} ({layer}) imports {target}")
    assert wrong == []


def test_logic_and_backends_import_no_framework_of_the_layers_above() -> None:
    for module, path in MODULES.items():
        layer = _layer(module)
        roots = {m.split(".")[0] for m, _ in _imports(path)}
        if layer in LOGIC or layer == "core":
            assert not roots & FORBIDDEN_IN_LOGIC, module
        if layer in {"db", "index", "embedders", "llm"}:
            assert not roots & {"typer", "rich"}, module


def test_no_import_cycle_between_modules() -> None:
    graph = {m: {t for t in _agentmem_imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}
    # A package's __init__ is imported by its submodules' import machinery, not by a statement: only
    # statements count here.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_import_agentmem_and_its_adapters_package_loads_no_framework() -> None:
    frameworks = {"langgraph", "langchain_core", "langchain"}
    loaded = "sorted({m.split('.')[0] for m in sys.modules} & " + repr(frameworks) + ")"
    code = f"import sys, agentmem, agentmem.adapters; print({loaded})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
