"""The import rules that keep the layout honest, checked on the source of every module.

- `backends/` and `tasks/` import from `bench` only its spec layer (`bench.spec`), and `tasks/`
  imports nothing of `backends/`: tasks know nothing of frameworks, backends nothing of tasks.
- The harness (`bench/`) imports no machine-learning framework, anywhere in a module.
- Inside `bench/`, each folder imports only from itself and from folders before it in the
  flow of data: spec -> plan -> execution -> results -> judge -> present -> cli and api.

Imports inside functions count too: a lazy import still makes the dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = {"torch", "tensorflow", "keras", "jax", "jaxlib", "sklearn", "pybrain3", "pybrain",
              "scipy.optimize"}
#: bench's folders in the order data flows through them; a folder may import only from
#: itself and those before it
BENCH_LAYERS = ("spec", "plan", "execution", "results", "judge", "present", "cli")
TOP_LEVEL = {"api": "cli", "__main__": "cli", "__init__": "spec"}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a module of this project."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return imports_of(path.read_text(encoding="utf-8"), package)


def imports_of(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in `source`, a module of `package`; relative imports
    resolved, `from bench import x` read as bench.x."""
    tree = ast.parse(source)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            out += [(node.lineno, f"{base}.{alias.name}" if base else alias.name)
                    for alias in node.names] if base in ("bench", "backends", "tasks") \
                else [(node.lineno, base)]
    return out


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def layer(module: str) -> str | None:
    """The bench folder a module name belongs to (None: not bench)."""
    parts = module.split(".")
    if parts[0] != "bench":
        return None
    if len(parts) == 1:
        return "spec"
    return parts[1] if parts[1] in BENCH_LAYERS else TOP_LEVEL.get(parts[1], parts[1])


def is_spec(module: str) -> bool:
    return module == "bench.spec" or module.startswith("bench.spec.")


def violations(folder: str, allowed) -> list[str]:
    found = []
    for path in modules(folder):
        for line, module in imports(path):
            reason = allowed(path, module)
            if reason:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}: {reason}")
    return found


def test_backends_import_only_the_spec_layer_of_bench():
    def allowed(path, module):
        if module.split(".")[0] == "bench" and not is_spec(module):
            return "backends may import only bench.spec"
        if module.split(".")[0] == "tasks":
            return "backends know nothing of tasks"
        return ""
    assert violations("backends", allowed) == []


def test_tasks_import_only_the_spec_layer_and_no_backend():
    def allowed(path, module):
        top = module.split(".")[0]
        if top == "bench" and not is_spec(module):
            return "tasks may import only bench.spec"
        if top == "backends" or top in FRAMEWORKS:
            return "tasks know nothing of frameworks"
        return ""
    assert violations("tasks", allowed) == []


def test_the_harness_imports_no_framework():
    def allowed(path, module):
        if module.split(".")[0] in FRAMEWORKS or module in FRAMEWORKS:
            return "the harness reaches frameworks only through the backend registry"
        return ""
    assert violations("bench", allowed) == []


def test_bench_folders_import_only_from_earlier_folders():
    def allowed(path, module):
        target = layer(module)
        if target is None:
            return ""
        rel = path.relative_to(ROOT / "bench").with_suffix("").parts
        source = rel[0] if len(rel) > 1 else TOP_LEVEL.get(rel[0], rel[0])
        if target not in BENCH_LAYERS or source not in BENCH_LAYERS:
            return f"unknown folder ({source} -> {target})"
        if BENCH_LAYERS.index(target) > BENCH_LAYERS.index(source):
            return f"{source}/ comes before {target}/ in the flow of data"
        return ""
    assert violations("bench", allowed) == []


def test_the_spec_layer_imports_nothing_else_of_nnbench():
    def allowed(path, module):
        top = module.split(".")[0]
        if top in ("backends", "tasks") or (top == "bench" and not is_spec(module)):
            return "the spec layer is the bottom of the layout"
        return ""
    assert violations("bench/spec", allowed) == []


@pytest.mark.parametrize("source, expected", [
    ("from bench.results.summary import GroupSummary", "bench.results.summary"),
    ("from bench import api", "bench.api"),
    ("from ..results import summary", "bench.results"),
    ("import torch.nn as nn", "torch.nn"),
    ("from sklearn.neural_network import MLPClassifier", "sklearn.neural_network"),
])
def test_the_checker_sees_every_kind_of_import_also_inside_functions(source, expected):
    assert imports_of(f"def f():\n    {source}\n", "bench.judge") == [(2, expected)]


def test_the_layer_order_would_catch_an_import_against_the_flow():
    assert layer("bench.present.format") == "present" and layer("bench.api") == "cli"
    assert BENCH_LAYERS.index(layer("bench.present.format")) > BENCH_LAYERS.index("results")
