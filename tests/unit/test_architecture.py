"""The import graph holds the layering: api and tasks -> workflow -> policies, no circles, no work at import."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("api", "tasks", "workflow", "policies")
# What each layer may not import (a module's own first dotted name is what is compared).
FORBIDDEN = {
    "api": {"tasks"},
    "tasks": {"api"},
    "workflow": {"api", "tasks", "flask", "flask_babel", "flask_smorest", "celery", "kombu", "marshmallow"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            if "migrations" not in path.parts:  # Alembic's scripts are loaded by Alembic, not imported
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def imported_names(name: str, path: Path) -> set[str]:
    """Every name an import statement of the module reaches, at the top or inside a function.

    `from a.b import c` counts as `a.b.c` when that is one of our modules, else as `a.b` (and `a.b.c`);
    relative imports are resolved.
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            reached = {f"{source}.{alias.name}" for alias in node.names}
            if not reached <= MODULES.keys():  # `from pkg import mod` reaches mod; pkg is only its parent
                names.add(source)
            names.update(reached)
    return names


GRAPH = {name: imported_names(name, path) for name, path in MODULES.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _violations(layer: str) -> list[str]:
    return sorted(f"{name} imports {target}" for name, targets in GRAPH.items() if name.split(".")[0] == layer
                  for target in targets if target.split(".")[0] in FORBIDDEN[layer])


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_it_may_not(layer):
    assert _violations(layer) == []


def test_policies_import_only_the_standard_library_and_themselves():
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    outside = sorted(f"{name} imports {target}" for name, targets in GRAPH.items() if name.split(".")[0] == "policies"
                     for target in targets if target.split(".")[0] not in stdlib | {"policies"})
    assert outside == []


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_circles_inside_a_layer(layer):
    graph = {name: {t for t in targets if t in MODULES and t.split(".")[0] == layer and t != name}
             for name, targets in GRAPH.items() if name.split(".")[0] == layer}
    assert strongly_connected(graph) == []


def test_the_graph_sees_imports_inside_functions():
    # A circle hidden in a function-level import is still a circle: the checks above read those too.
    graph = {"a": imported_names("workflow.x", _write(["def f():\n    from . import y\n"]))}
    assert "workflow.y" in graph["a"]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _write(lines: list[str]) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / "x.py"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_the_forbidden_lists_would_catch_an_api_import_in_workflow():
    # The check is not vacuous: a workflow module importing api would be listed.
    GRAPH["workflow.__probe__"] = {"api.cli", "flask"}
    try:
        assert _violations("workflow") == ["workflow.__probe__ imports api.cli", "workflow.__probe__ imports flask"]
    finally:
        del GRAPH["workflow.__probe__"]


# The probe runs in a fresh interpreter: counts engines, Celery apps and password hashes made
# while every module of the four layers is imported, then prints the counts.
PROBE = r"""
import importlib, json, sys
import argon2, celery, sqlalchemy.engine.base
counts = {"engines": 0, "celery_apps": 0, "password_hashes": 0}

def counting(cls, name, key):
    original = getattr(cls, name)
    def wrapper(*args, **kwargs):
        counts[key] += 1
        return original(*args, **kwargs)
    setattr(cls, name, wrapper)

counting(sqlalchemy.engine.base.Engine, "__init__", "engines")
counting(celery.Celery, "__init__", "celery_apps")
counting(argon2.PasswordHasher, "hash", "password_hashes")
counting(argon2.low_level, "hash_secret", "password_hashes")
counting(argon2.low_level, "hash_secret_raw", "password_hashes")
failed = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = repr(exc)
print(json.dumps({"counts": counts, "failed": failed}))
"""


def test_importing_every_module_builds_no_engine_celery_app_or_password_hash():
    names = sorted(n for n in MODULES if n != "tasks.celery")  # the worker's entry point: its job is the app
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(names)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "JIEYUE_NO_DOTENV": "1"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failed"] == {}
    assert result["counts"] == {"engines": 0, "celery_apps": 0, "password_hashes": 0}


def test_the_probe_counts_what_it_should():
    # The same probe notices an engine made at import (a module that does so is simulated here).
    code = PROBE.replace("failed = {}", "import sqlalchemy\nsqlalchemy.create_engine('sqlite://')\n"
                         "from celery import Celery\nCelery('probe')\nargon2.PasswordHasher().hash('x')\nfailed = {}")
    done = subprocess.run([sys.executable, "-c", code, "[]"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])["counts"]
    assert counts["engines"] == 1 and counts["celery_apps"] == 1 and counts["password_hashes"] >= 1


# ---- bounded contexts inside workflow ----------------------------------------------------------
# Each package directly under workflow/ is one bounded context (kernel, people, procurement, vehicles,
# approvals, worklist, notifications, reporting, runtime, demo); workflow.models, the index of every
# mapped table, and workflow.stores, the list of every store, count as contexts of their own. Every
# context builds on the kernel; runtime, demo and the two indexes build on the others (the runtime
# imports the stores' list), and no other context builds on them.
KERNEL = "workflow.kernel"
ASSEMBLIES = {"workflow.runtime", "workflow.demo", "workflow.models", "workflow.stores"}
# Known reaches against these rules, each with its reason: a new one fails the tests below. None today.
ALLOWED_REACHES: set[tuple[str, str]] = set()


def _context(name: str) -> str:
    return ".".join(name.split(".")[:2])


def _reaches() -> set[tuple[str, str]]:
    """(module, module it imports) for every import from one workflow context into another."""
    return {(name, target) for name, targets in GRAPH.items() if name.startswith("workflow.")
            for target in targets if target in MODULES and target.startswith("workflow.")
            and _context(target) != _context(name)} - ALLOWED_REACHES


def _context_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {_context(name): set() for name in MODULES if name.startswith("workflow.")}
    for name, target in _reaches():
        graph[_context(name)].add(_context(target))
    return graph


def test_workflow_holds_contexts_not_loose_modules():
    # A new module goes into the context it belongs to (or into a new package saying what it is).
    loose = sorted(name for name, path in MODULES.items() if name.startswith("workflow.") and name.count(".") == 1
                   and path.name != "__init__.py" and name not in ASSEMBLIES)
    assert loose == []


def test_every_context_says_what_it_is():
    silent = sorted(name for name, path in MODULES.items()
                    if name.startswith("workflow.") and name.count(".") == 1 and path.name == "__init__.py"
                    and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))
    assert silent == []


def test_the_kernel_imports_no_other_context():
    assert sorted(f"{a} imports {b}" for a, b in _reaches() if _context(a) == KERNEL) == []


def test_no_context_imports_runtime_demo_or_the_table_index():
    assert sorted(f"{a} imports {b}" for a, b in _reaches()
                  if _context(b) in ASSEMBLIES and _context(a) not in ASSEMBLIES) == []


def test_no_import_circles_between_contexts():
    assert strongly_connected(_context_graph()) == []


def test_the_context_rules_would_catch_a_kernel_reaching_out():
    # Not vacuous: a kernel module importing another context is listed, and closes a circle with it.
    other = min(name for name in MODULES if name.count(".") == 2 and name.startswith("workflow.")
                and _context(name) not in {KERNEL} | ASSEMBLIES)
    GRAPH["workflow.kernel.__probe__"] = {other}
    try:
        assert f"workflow.kernel.__probe__ imports {other}" in {f"{a} imports {b}" for a, b in _reaches()}
        assert any(KERNEL in component for component in strongly_connected(_context_graph()))
    finally:
        del GRAPH["workflow.kernel.__probe__"]


# ---- the database only through stores ----------------------------------------------------------
# A service reads and writes its aggregate through the aggregate's store (`uow.<name>`, a class
# registered with `@UnitOfWork.store` or built on `MappedStore`) and shows or counts things through
# `uow.reads` (SELECTs only). Only those classes and the kernel's plumbing touch the session.
SESSION_PLUMBING = {"workflow.kernel.uow", "workflow.kernel.store", "workflow.kernel.db", "workflow.kernel.audit",
                    "workflow.kernel.outbox", "workflow.kernel.append_only"}
# Modules still reaching into the session while their stores are written (issue 15, point 2).
NOT_YET: set[str] = set()


def _is_store(node: ast.ClassDef) -> bool:
    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    registered = any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "store"
                     for d in node.decorator_list)
    return registered or "MappedStore" in bases


def session_reaches(path: Path) -> list[int]:
    """Lines outside store classes that touch a session: `x.session`, or the kernel's `connection(...)`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _is_store(node):
            inside.update(id(n) for n in ast.walk(node))
    return sorted({n.lineno for n in ast.walk(tree) if id(n) not in inside and (
        (isinstance(n, ast.Attribute) and n.attr == "session")
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "connection"))})


def test_services_reach_the_database_only_through_stores():
    reaching = {name: lines for name, path in MODULES.items()
                if name.split(".")[0] in ("workflow", "api", "tasks") and name not in SESSION_PLUMBING | NOT_YET
                and (lines := session_reaches(path))}
    assert reaching == {}


def test_the_list_of_modules_not_yet_on_stores_is_current():
    done = sorted(name for name in NOT_YET if not session_reaches(MODULES[name]))
    assert done == [], "these modules use stores now: take them off NOT_YET"
