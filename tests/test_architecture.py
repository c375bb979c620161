"""The package's shape: data flows one way, no import cycles, units small enough to read."""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path


SIM = Path(__file__).resolve().parent.parent / "sim"
# Each layer may import only itself and the layers before it (ARCHITECTURE: one-way flow).
# analysis: studies of studies (sensitivity, options search) that run and report many.
LAYERS = ("foundation", "inputs", "policy", "model", "study", "outputs", "analysis", "cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """sim modules imported anywhere in the file (function-level imports included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("sim"))
    return {m for m in out if m in modules}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    if len(parts) > 1 and parts[1].startswith("cli_"):  # a command's own module (cli_import)
        return "cli"
    return "foundation"


@cache
def graph() -> dict[str, set[str]]:
    """sim's import graph, parsed once per session (every test below reads it)."""
    mods = _modules()
    return {m: _imports(p, mods) - {m} for m, p in mods.items()}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_inside_sim():
    assert find_cycle(graph()) is None


def test_layers_import_only_earlier_layers():
    bad = [f"{m} ({_layer(m)}) imports {n} ({_layer(n)})"
           for m, deps in graph().items() for n in deps
           if LAYERS.index(_layer(n)) > LAYERS.index(_layer(m))]
    assert not bad, "\n".join(bad)


def test_the_world_never_imports_policies():
    world = [m for m in graph() if m.startswith("sim.model.") and m not in
             ("sim.model.care_model", "sim.model.reference", "sim.model.reductions")]
    bad = [f"{m} imports {n}" for m in world for n in graph()[m] if n.startswith("sim.policy")]
    assert not bad, "\n".join(bad)
