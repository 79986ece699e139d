"""The import layers of docs/architecture.md ("Layers"): every module's imports, read with `ast`, go
to its own layer or a lower one, and no runtime import cycle exists (imports under
`if TYPE_CHECKING:` are for annotations only: they count for the direction, not for cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "hermetic_scan"

# Lowest first. A module may import from its own layer and from any layer before it. Keys are
# module names or package prefixes (`hermetic_scan.model` covers hermetic_scan.model.*); the most
# specific key wins. docs/architecture.md shows the same table.
LAYERS: list[tuple[str, ...]] = [
    (  # pure data and helpers: no hermetic_scan imports beyond this layer
        "hermetic_scan",
        "hermetic_scan.diagnostics",
        "hermetic_scan.labels",
        "hermetic_scan.source",
        "hermetic_scan.profile",
        "hermetic_scan.local_keys",
        "hermetic_scan.guard",
        "hermetic_scan.jsonstream",
        "hermetic_scan.shape",
        "hermetic_scan.reads",
    ),
    # files on disk, grammars and queries; external repositories' names and the knowledge of rulesets
    (
        "hermetic_scan.workspace",
        "hermetic_scan.readback",
        "hermetic_scan.parse",
        "hermetic_scan.externals",
        "hermetic_scan.knowledge",
    ),
    ("hermetic_scan.bazel",),  # Bazel's own formats as plain data
    ("hermetic_scan.shell",),  # shell text -> commands
    ("hermetic_scan.model",),  # the semantic model
    ("hermetic_scan.suppressions",),  # suppression comments (unused-suppression builds on them)
    ("hermetic_scan.rules",),  # one module per rule
    ("hermetic_scan.inventory", "hermetic_scan.fingerprint"),
    ("hermetic_scan.config", "hermetic_scan.ids"),  # settings (validated against the rules)
    ("hermetic_scan.options", "hermetic_scan.cache"),  # the one options path; the result cache
    ("hermetic_scan.engine",),  # rules over a model -> Result
    ("hermetic_scan.shards",),  # the engine in forked processes
    ("hermetic_scan.runner",),  # scan(): cache, shards or one process
    ("hermetic_scan.crosscheck",),  # the model against Bazel's records
    (  # consumers of a Result and of crosscheck reports
        "hermetic_scan.render",
        "hermetic_scan.fix",
        "hermetic_scan.baseline",
        "hermetic_scan.changes",
    ),
    ("hermetic_scan.lsp",),  # the language server
    ("hermetic_scan.cli", "hermetic_scan.completion", "hermetic_scan.__main__"),  # command line
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    best, best_len = None, -1
    for index, keys in enumerate(LAYERS):
        for key in keys:
            if (module == key or module.startswith(key + ".")) and len(key) > best_len:
                best, best_len = index, len(key)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best


def _imports(path: Path, module: str, modules: set[str]) -> list[tuple[str, int, bool]]:
    """(imported hermetic_scan module, line, under TYPE_CHECKING) for each import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for child in node.body for n in ast.walk(child)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + [base]
                ).strip(".")
            # `from hermetic_scan.render import json` imports a module; `from x import name` its package.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for name in names:
            if name == "hermetic_scan" or name.startswith("hermetic_scan."):
                found.append((name, node.lineno, id(node) in typing_only))
    return found


def _graph() -> tuple[dict[str, list[tuple[str, int, bool]]], dict[str, Path]]:
    paths = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    modules = set(paths)
    return {m: _imports(p, m, modules) for m, p in paths.items()}, paths


def test_imports_follow_the_layers() -> None:
    graph, paths = _graph()
    upward = sorted(
        {
            f"{paths[m].relative_to(ROOT)}:{line}: {m} (layer {_layer(m)}) imports {target} (layer {_layer(target)})"
            for m, imports in graph.items()
            for target, line, _ in imports
            if _layer(target) > _layer(m)
        }
    )
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    graph, _ = _graph()
    edges = {
        m: sorted({t for t, _, typing in imports if not typing and t != m and t in graph})
        for m, imports in graph.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in edges[module]:
            if state.get(target) == 1:
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_function_local_imports() -> None:
    """Imports sit at the top of a module, where the layers can see them; only optional dependencies
    (a package not every install has) are imported where they are used."""
    optional = {"zstandard"}
    # (file, imported module): the only exceptions, each with its reason.
    allowed = {
        # pygls and lsprotocol take about a second to import; only `hermetic-scan lsp` needs them.
        ("hermetic_scan/cli.py", "hermetic_scan.lsp.server"),
        # What only one command uses: 14 ms of the start of every `check`, where a BUILD edit with
        # the cache takes 0.15 to 0.4 s in all.
        ("hermetic_scan/cli.py", "hermetic_scan.completion"),
        ("hermetic_scan/cli.py", "hermetic_scan.crosscheck.aquery"),
        ("hermetic_scan/cli.py", "hermetic_scan.crosscheck.evidence"),
        ("hermetic_scan/cli.py", "hermetic_scan.crosscheck.verify"),
        ("hermetic_scan/cli.py", "hermetic_scan.render.evidence"),
        ("hermetic_scan/cli.py", "hermetic_scan.render.verify"),
        ("hermetic_scan/cli.py", "hermetic_scan.fix"),
    }
    local = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    names = [a.name for a in inner.names]
                elif isinstance(inner, ast.ImportFrom):  # `from a import b` imports a.b or a's name b
                    names = [f"{inner.module}.{a.name}" for a in inner.names]
                else:
                    continue
                where = path.relative_to(ROOT).as_posix()
                if all(
                    n.split(".")[0] in optional
                    or (where, n) in allowed
                    or (where, n.rpartition(".")[0]) in allowed
                    for n in names
                ):
                    continue
                local.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {', '.join(names)}")
    assert not local, "function-local imports:\n" + "\n".join(sorted(set(local)))
