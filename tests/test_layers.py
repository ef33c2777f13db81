"""The import layers: the report and research packages load no plotting library, and no package of relkap
imports another that imports it back (at module level)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "relkap"


def test_report_and_research_load_no_plotting_library():
    code = ("import sys, relkap.report, relkap.research, relkap.network; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'seaborn'}))")
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PACKAGE.parent, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_report_kernel_does_not_load_the_exporter():
    """What the report notebook imports (relkap.publish for its displays, not relkap.export) loads no nbconvert,
    nbformat or jsonschema: their import costs each kernel about two seconds (jsonschema builds a grammar)."""
    code = ("import sys, relkap.publish, relkap.report, relkap.plots, relkap.plots.alt, relkap.benchmark; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'nbconvert', 'nbformat', 'jsonschema'}))")
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PACKAGE.parent, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """``relkap.report.tables`` -> ``relkap.report``: a sub-package or a top-level module."""
    return ".".join(module.split(".")[:2])


def _imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = _module(path).split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    if node.level:
        base = base[:len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [module] + [f"{module}.{a.name}" for a in node.names]


def test_no_package_cycle_at_module_level():
    units = {_unit(_module(p)) for p in PACKAGE.rglob("*.py")}
    g = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        source = _unit(_module(path))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(path, node):
                    unit = _unit(target)
                    if unit in units and unit not in (source, "relkap"):
                        g.add_edge(source, unit)
    assert list(nx.simple_cycles(g)) == []


def test_no_private_name_imported_across_modules():
    private = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {a.name}"
               for path in PACKAGE.rglob("*.py") for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ImportFrom) and node.module != "__future__"
               for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert private == []
