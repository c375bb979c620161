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


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _defined(name: str) -> list[str]:
    """The sim modules (paths relative to sim/) that define a top-level function `name`."""
    return sorted(str(p.relative_to(SIM)) for p in _modules().values()
                  if any(isinstance(n, ast.FunctionDef) and n.name == name for n in _tree(p).body))


def test_each_analysis_is_a_package_with_its_own_page_and_figures():
    """Sensitivity and the options search live in sim/analysis/sensitivity/ and
    sim/analysis/search/ (not as search_*/sensitivity* modules side by side in
    sim/analysis/), each with its page and figures; none of theirs is left in sim/outputs."""
    flat = sorted(p.name for p in (SIM / "analysis").glob("*.py")
                  if p.name.startswith(("search", "sensitivity")))
    assert not flat, f"analysis modules outside their package: {flat}"
    assert not sorted((SIM / "outputs").rglob("sensitivity*.py"))
    assert not sorted((SIM / "outputs").rglob("search*.py"))
    for package, figures in (("search", "figure.py"), ("sensitivity", "figures.py")):
        folder = SIM / "analysis" / package
        assert (folder / "__init__.py").is_file()
        assert (folder / "page.py").is_file() and (folder / figures).is_file()


def test_outputs_are_grouped_by_the_reader_they_are_for():
    """report.html, results.xlsx and eia.docx each have a package of sim/outputs/ (report/,
    workbook/, eia/) instead of page_*, workbook_* and eia_* prefixes beside the tables."""
    prefixed = sorted(p.name for p in (SIM / "outputs").glob("*.py")
                      if p.name.startswith(("page", "workbook", "eia", "report")))
    assert not prefixed, f"reader modules outside their package: {prefixed}"
    for package, first in (("report", "page.py"), ("workbook", "book.py"), ("eia", "doc.py")):
        assert (SIM / "outputs" / package / "__init__.py").is_file()
        assert (SIM / "outputs" / package / first).is_file()


def test_shared_helpers_are_defined_once_where_they_belong():
    """Writing JSON atomically is sim/atomic.py's (beside atomic_path), not the manifest's;
    how a number reads is sim/outputs/formats.py's, so markup.py is HTML only and the EIA
    document and the terminal format numbers without importing HTML helpers."""
    assert _defined("write_json_atomic") == ["atomic.py"]
    for name in ("pounds", "percent", "missing", "fmt", "formatted"):
        assert _defined(name) == ["outputs/formats.py"], name
    html_users = {m for m, deps in graph().items() if "sim.outputs.markup" in deps}
    assert not html_users & {"sim.outputs.eia.doc", "sim.outputs.eia.template",
                             "sim.outputs.headline", "sim.outputs.terminal"}


# Modules still using `res`, each listed until it is renamed (none now); the test below
# fails once a listed module no longer needs its place here.
RES_NOT_YET_RENAMED: tuple[str, ...] = ()


def _uses_res(path: Path) -> list[int]:
    """Lines where `res` is an identifier: a name, an argument, an attribute or a keyword."""
    named = {ast.Name: "id", ast.arg: "arg", ast.Attribute: "attr", ast.keyword: "arg"}
    return sorted({n.lineno for n in ast.walk(_tree(path))
                   if type(n) in named and getattr(n, named[type(n)]) == "res"})


def test_res_is_never_an_identifier_so_it_means_neither_results_nor_residential():
    """`res` was both a study's results (`res.policies`) and residential (`in_res`): results
    are `results`, and a bare `res` names nothing (`res_*` aggregates stay residential)."""
    uses = {str(p.relative_to(SIM)): _uses_res(p) for p in _modules().values()}
    bad = {m: lines for m, lines in uses.items() if lines and m not in RES_NOT_YET_RENAMED}
    assert not bad, f"`res` used as an identifier (module: lines): {bad}"
    stale = [m for m in RES_NOT_YET_RENAMED if not uses.get(m)]
    assert not stale, f"no longer uses `res`: remove from RES_NOT_YET_RENAMED: {stale}"
