"""Parsed Starlark files and the loader that resolves load() labels across repositories."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node

from hermetic_scan import parse, reads
from hermetic_scan.diagnostics import Span
from hermetic_scan.externals import ModuleDeps, locate, read_module_deps
from hermetic_scan.knowledge import KnowledgeBase, Ruleset
from hermetic_scan.knowledge import default as default_knowledge
from hermetic_scan.knowledge import load as load_knowledge
from hermetic_scan.labels import Label, LabelError, parse_label, repository_of
from hermetic_scan.model.native_rules import stands_in_for_native
from hermetic_scan.model.strings import decode_string
from hermetic_scan.source import SourceFile
from hermetic_scan.workspace import BUILD_FILES, Repository, Workspace, is_file

# Bazel repository names: letters, digits and `_ . ~ + -` (https://bazel.build/external/overview)
_REPO_NAME = re.compile(r"[A-Za-z0-9_.~+-]+")


@dataclass(frozen=True)
class Load:
    label_text: str
    span: Span  # of the label string
    bindings: dict[str, str]  # local name -> exported name
    module: ModuleModel | None  # None when unresolved (the Loader records why in a LoadProblem)


def missing_repository(label_text: str, repository: str) -> str:
    """The problem of a load() whose repository is not available (rules/unresolved_load.py groups
    these by repository, the language server's unread files included)."""
    return f"cannot resolve {label_text!r}: repository @{repository} is not available"


_UNPACKING = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list"})


@dataclass(eq=False)
class ModuleModel:
    source: SourceFile
    repo: Repository
    rel_path: str  # repository-relative
    package: str
    parsed: parse.ParsedStarlark
    functions: dict[str, Node] = field(default_factory=dict)
    assignments: dict[str, Node] = field(default_factory=dict)
    # Names bound by unpacking at the top level (`FooInfo, _new_foo = provider(init = ...)`, with_cfg's
    # `rule, _internal = with_cfg(...).build()`): name -> (the value, its position, how many names).
    unpacked: dict[str, tuple[Node, int, int]] = field(default_factory=dict)
    loads: list[Load] = field(default_factory=list)
    load_nodes: list[Node] = field(default_factory=list)
    # Filled by the evaluator: top-level names already evaluated.
    globals_cache: dict[str, object] = field(default_factory=dict)
    # What computing each global read (`evaluate.ReadSet`), when reads are recorded.
    global_reads: dict[str, frozenset[tuple[ModuleModel, str]]] = field(default_factory=dict)
    not_globals: set[str] = field(default_factory=set)
    evaluating: set[str] = field(default_factory=set)

    @property
    def display_path(self) -> str:
        return self.source.path

    @property
    def root(self) -> Node:
        return self.parsed.tree.root_node

    def text(self, node: Node) -> str:
        # Asked for every name the evaluator reads (a quarter million times in rules_rust): the error
        # handler is passed positionally, which is faster than by keyword.
        return self.source.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def span(self, node: Node) -> Span:
        return self.source.span(node.start_byte, node.end_byte)

    def binding_of_load(self, name: str) -> tuple[Load, str] | None:
        for load in self.loads:
            if name in load.bindings:
                return load, load.bindings[name]
        return None


@dataclass
class LoadProblem:
    kind: str  # "unresolved", "cycle", "io"
    path: str  # display path of the loading file (not its model: a released BUILD file's tree goes)
    span: Span
    message: str


class Loader:
    """Parses each Starlark file once and resolves labels to files."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.modules: dict[Path, ModuleModel] = {}
        self.problems: list[LoadProblem] = []
        self.io_problems: list[tuple[str, str]] = []  # (display path, message)
        self.internal_problems: list[tuple[str, str]] = []  # (display path, message): internal-error
        # Modules other than BUILD files read and parsed so far: a package that loads one first is not
        # reusable (engine.PackageRecord); one that reads a BUILD file first, for a lookup, can be.
        self.parsed = 0
        # Modules a record of an earlier scan's preparation stands for (engine.BzlRecord): read only
        # when something loads them, their load problems are the record's, and reading one first is
        # no package's doing (`model.prepare_recorded`).
        self.recorded: frozenset[Path] = frozenset()
        self._loading: list[Path] = []
        self._external: dict[str, Repository] = {}
        self._nested: tuple[dict[str, Repository], dict[str, list[Repository]]] | None = None
        self._deps: ModuleDeps | None = None
        self._knowledge: KnowledgeBase | None = None
        self._absent: set[str] = set()  # names already looked for in vain
        self._rulesets: dict[str, Ruleset | None] = {}  # apparent repository name -> known_ruleset
        # (repository root, package, label text) -> the file it names, or why it names none: most
        # BUILD files load the same few .bzl files.
        self._resolved: dict[tuple[Path, str, str], tuple[str, str, Repository] | tuple[str, str]] = {}

    # -- repositories -----------------------------------------------------------------------
    def repository(self, name: str, current: Repository) -> Repository | None:
        """The repository `name` names in a file of `current`: itself by its own names, then the main
        repository, a nested one by its label name, then by the name it declares (of those sharing it,
        the nearest to `current`: the longest common directory prefix, the first in path order on a
        tie), then an external one."""
        if name == "":
            return current
        main = self.workspace.main
        if current.external is False and name in (current.module_name, current.repo_name):
            return current  # before the main repository's names: a nested module may share them
        if name in ("@",) or name in (main.module_name, main.repo_name):
            return main
        by_name, by_apparent = self._nested_names()
        if name in by_name:
            return by_name[name]
        if name in by_apparent:
            candidates = by_apparent[name]
            here = current.prefix.split("/") if current.prefix and not current.external else []
            return max(candidates, key=lambda repo: _common_parts(here, repo.prefix.split("/")))
        if name in self._external:
            return self._external[name]
        if name in self._absent:
            return None
        if not _REPO_NAME.fullmatch(name) or name in (".", ".."):
            return None  # `@..//x`: not a repository name, and never a path to follow (issue 16)
        path = self.workspace.extra_repos.get(name)
        for directory in self.workspace.external_dirs:
            if path is None:
                path = locate(name, directory, self.module_deps)
        if path is None:
            self._absent.add(name)
            return None
        repo = Repository(name, path, "", external=True)
        self._external[name] = repo
        return repo

    def _nested_names(self) -> tuple[dict[str, Repository], dict[str, list[Repository]]]:
        """Nested repositories by label name, and by the name they declare when several share it (in
        path order)."""
        if self._nested is None:
            by_name = {repo.name: repo for repo in reversed(self.workspace.nested)}
            by_apparent: dict[str, list[Repository]] = {}
            for repo in self.workspace.nested:
                if repo.apparent and repo.apparent != repo.name:
                    by_apparent.setdefault(repo.apparent, []).append(repo)
            self._nested = (by_name, by_apparent)
        return self._nested

    def external_repositories(self) -> list[Repository]:
        """The external repositories found so far (each is looked for when a label first names it)."""
        return list(self._external.values())

    @property
    def module_deps(self) -> ModuleDeps:
        """The root module's names for its dependencies (read once, when first needed)."""
        if self._deps is None:
            self._deps = read_module_deps(self.workspace.root)
        return self._deps

    @property
    def knowledge(self) -> KnowledgeBase:
        """The bundled knowledge of rulesets, with the team's files (read when first needed)."""
        if self._knowledge is None:
            files = self.workspace.knowledge_files
            self._knowledge = load_knowledge(files) if files else default_knowledge()
        return self._knowledge

    def known_ruleset(self, label_text: str) -> Ruleset | None:
        """The known ruleset an unavailable `@repo//...` label names; its apparent name is mapped to
        its module through MODULE.bazel."""
        if not label_text.startswith("@"):
            return None
        apparent = repository_of(label_text)
        if apparent not in self._rulesets:  # asked at every call of a rule (googleapis: 74,595 times)
            self._rulesets[apparent] = self.knowledge.ruleset(
                self.module_deps.module_of(apparent)
            ) or self.knowledge.ruleset(apparent)
        return self._rulesets[apparent]

    def resolve(self, label: Label, current: Repository) -> tuple[Repository, Path] | None:
        repo = self.repository(label.repo, current)
        if repo is None:
            return None
        return repo, repo.root / label.path

    # -- modules ----------------------------------------------------------------------------
    def module(self, repo: Repository, rel_path: str, package: str | None = None) -> ModuleModel | None:
        path = repo.root / rel_path
        key = path
        if key in self.modules:
            return self.modules[key]
        display = repo.display(rel_path)
        try:
            data = self.workspace.read(path)
        except OSError as error:
            self.io_problems.append((display, error.strerror or str(error)))
            return None
        source = SourceFile(display, data, origin=path)
        if package is None:
            package = _enclosing_package(repo, rel_path)
        model = ModuleModel(source, repo, rel_path, package, self._parse(path, data))
        self.modules[key] = model
        real = reads.resolved(str(path)) if rel_path.endswith(".bzl") else None
        if real is not None:
            digest = parse.statements_digest(model.parsed, data)
            if digest is not None:
                reads.note_statements(real, digest)
        if path.name not in BUILD_FILES and path not in self.recorded:
            self.parsed += 1
        cache = self.workspace.parse_cache
        index_key = (path, hash(data), "index")
        cached = cache.get(index_key) if cache is not None else None  # type: ignore[call-overload]
        if isinstance(cached, tuple):
            model.functions, model.assignments, model.unpacked, model.load_nodes = (
                dict(cached[0]),
                dict(cached[1]),
                dict(cached[2]),
                list(cached[3]),
            )
        else:
            self._index(model)
            if cache is not None:
                cache[index_key] = (  # type: ignore[index]
                    dict(model.functions),
                    dict(model.assignments),
                    dict(model.unpacked),
                    list(model.load_nodes),
                )
        return model

    def _parse(self, path: Path, data: bytes) -> parse.ParsedStarlark:
        cache = self.workspace.parse_cache
        if cache is None:
            return parse.parse_starlark(data)
        key = (path, hash(data))
        parsed = cache.get(key)
        if not isinstance(parsed, parse.ParsedStarlark):
            parsed = parse.parse_starlark(data)
            cache[key] = parsed
        return parsed

    def _index(self, model: ModuleModel) -> None:
        model.functions, model.assignments, model.unpacked, model.load_nodes = definitions(
            model.parsed, model.source.data
        )

    def resolve_loads(self, model: ModuleModel) -> None:
        """Resolve the load() statements of `model` (once), loading the files they name."""
        if model.loads or not model.load_nodes:
            return
        path = model.repo.root / model.rel_path
        self._loading.append(path)
        try:
            for node in model.load_nodes:
                model.loads.append(self._resolve_load(model, node))
        finally:
            self._loading.pop()

    def _resolve_load(self, model: ModuleModel, node: Node) -> Load:
        args = node.child_by_field_name("arguments")
        assert args is not None
        label_node = args.named_children[0]
        label_text = decode_string(label_node, model.source).text
        bindings: dict[str, str] = {}
        for arg in args.named_children[1:]:
            if arg.type == "string":
                name = decode_string(arg, model.source).text
                bindings[name] = name
            elif arg.type == "keyword_argument":
                key = arg.child_by_field_name("name")
                value = arg.child_by_field_name("value")
                if key is not None and value is not None and value.type == "string":
                    bindings[model.text(key)] = decode_string(value, model.source).text
        span = model.span(label_node)

        def unresolved(message: str, kind: str = "unresolved") -> Load:
            if model.repo.root / model.rel_path in self.recorded:
                return Load(label_text, span, bindings, None)  # a problem the record holds
            if kind != "unresolved" or not all(
                stands_in_for_native(label_text, symbol, model.repo) for symbol in bindings.values()
            ):
                self.problems.append(LoadProblem(kind, model.display_path, span, message))
            return Load(label_text, span, bindings, None)

        key = (model.repo.root, model.package if not label_text.startswith(("//", "@")) else "", label_text)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = self._file_of(label_text, model)
        if len(resolved) == 2:
            kind, message = resolved
            return unresolved(message, kind)
        label_path, label_package, repo = resolved
        path = repo.root / label_path
        if path in self._loading:
            chain = " -> ".join(p.name for p in self._loading[self._loading.index(path) :])
            return unresolved(f"load cycle: {chain} -> {path.name}", "cycle")
        target = self.module(repo, label_path, label_package)
        if target is None:
            return unresolved(f"cannot read {repo.display(label_path)}", "io")
        self.resolve_loads(target)
        return Load(label_text, span, bindings, target)

    def _file_of(self, label_text: str, model: ModuleModel) -> tuple[str, str, Repository] | tuple[str, str]:
        """The file a load label names: (path, package, repository), or (problem kind, message)."""
        try:
            label = parse_label(label_text, "", model.package)
        except LabelError as error:
            return ("refused", str(error))
        # `@//pkg:x.bzl` names the main repository from any repository (https://bazel.build/concepts/labels)
        main_named = label_text.startswith(("@//", "@@//"))
        found = self.resolve(label, self.workspace.main if main_named else model.repo)
        if found is None:
            return ("unresolved", missing_repository(label_text, label.repo))
        repo, path = found
        if not is_file(path):
            return ("unresolved", f"cannot resolve {label_text!r}: no file {repo.display(label.path)}")
        return (label.path, label.package, repo)


def _common_parts(a: list[str], b: list[str]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _enclosing_package(repo: Repository, rel_path: str) -> str:
    """The package a file belongs to: the nearest directory above it with a BUILD file. A .bzl file in
    `haskell/private/` with no BUILD file of its own is in package `haskell`, and its
    `load(":private/x.bzl", ...)` names `haskell/private/x.bzl`. The file's own directory when no
    directory above it is a package."""
    directory = rel_path.rsplit("/", 1)[0] if "/" in rel_path else ""
    candidate = directory
    while True:
        if candidate in repo.packages:
            return candidate
        if not candidate:
            return directory
        candidate = candidate.rsplit("/", 1)[0] if "/" in candidate else ""


Definitions = tuple[dict[str, Node], dict[str, Node], dict[str, tuple[Node, int, int]], list[Node]]


def definitions(parsed: parse.ParsedStarlark, data: bytes) -> Definitions:
    """What a module's top level defines, as `ModuleModel` keeps it: its functions, assignments and
    names bound by unpacking (by name: the last statement binding a name wins), and its loads."""
    functions: dict[str, Node] = {}
    assignments: dict[str, Node] = {}
    unpacked: dict[str, tuple[Node, int, int]] = {}
    load_nodes: list[Node] = []

    def text(node: Node) -> str:
        return data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    root = parsed.tree.root_node
    for found in parse.matches("starlark-definitions.scm", parsed.grammar, root, max_start_depth=0):
        if "function.name" in found:
            functions[text(found["function.name"][0])] = found["function"][0]
        elif "assignment.target" in found:
            target, value = found["assignment.target"][0], found["assignment.value"][0]
            if target.type == "identifier":
                assignments[text(target)] = value
            elif target.type in _UNPACKING:
                names = [c for c in target.named_children if c.type != "comment"]
                if all(name.type == "identifier" for name in names):
                    for position, name in enumerate(names):
                        unpacked[text(name)] = (value, position, len(names))
    # module > expression_statement > call: Bazel accepts load() only at the top level.
    for found in parse.matches("starlark-loads.scm", parsed.grammar, root, max_start_depth=2):
        load_nodes.append(found["load"][0])
    return functions, assignments, unpacked, load_nodes


# The key, among a module's `name_digests`, of what a name no statement of it defines reads as: a
# load binds it, or it is a builtin (`native`, `rule`), either way a function of the load statements.
LOADS = ""


# Each of `name_digests` is two: of the statement with where it is, then of its text alone.
PLACED = slice(0, 16)
TEXT = slice(16, 32)


def name_digests(found: Definitions, data: bytes) -> dict[str, bytes]:
    """For each name the module's top level defines, digests of the statement `global_value`
    evaluates for it (the same precedence: an assignment, else a function, else unpacking): under
    `PLACED`, of its text and where it starts (every place in it, and so each finding in it); under
    `TEXT`, of its text alone. Under `LOADS`, the load statements, the same way. A package that read
    only names with the same digests is still valid after an edit to the module; the text alone
    suffices when the package's record holds no place in the module (`cache.still_valid`)."""
    functions, assignments, unpacked, load_nodes = found

    def digest(kind: bytes, *nodes: Node) -> bytes:
        placed, text = hashlib.blake2b(kind, digest_size=16), hashlib.blake2b(kind, digest_size=16)
        for node in nodes:
            row, column = node.start_point
            placed.update(f"\0{node.type}\0{node.start_byte}\0{row}\0{column}\0{node.end_byte}\0".encode())
            placed.update(data[node.start_byte : node.end_byte])
            text.update(f"\0{node.type}\0{node.end_byte - node.start_byte}\0".encode())
            text.update(data[node.start_byte : node.end_byte])
        return placed.digest() + text.digest()

    digests = {LOADS: digest(b"load", *load_nodes)}
    for name, (node, position, count) in unpacked.items():
        digests[name] = digest(f"unpacked {position}/{count}".encode(), node)
    digests.update((name, digest(b"def", node)) for name, node in functions.items())
    digests.update((name, digest(b"=", node)) for name, node in assignments.items())
    return digests


# The parameters that make a top-level function a helper the analysis reads on its own: the rule
# context, or the actions object a helper is handed (`ActionAnalyzer.analyze_free_function`).
CONTEXT_PARAMETERS = ("ctx", "actions")


def context_parameters(function: Node, data: bytes) -> dict[str, Node]:
    """The parameters of a function definition named in CONTEXT_PARAMETERS, by name."""
    found: dict[str, Node] = {}
    params = function.child_by_field_name("parameters")
    for param in params.named_children if params is not None else ():
        name_node = param if param.type == "identifier" else param.child_by_field_name("name")
        if name_node is None:
            continue
        name = data[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
        if name in CONTEXT_PARAMETERS:
            found[name] = param
    return found


def may_define_a_rule(node: Node, data: bytes) -> bool:
    """Whether an assigned value may be a rule: `rule(...)`, or a call passing an `implementation`,
    which rulesets' rule factories take (rules_apple's `rule_factory.create_apple_rule(implementation
    = ...)`). A rule made by a factory was otherwise analyzed as another repository's rule, when a
    target of it was met, and its implementation once more before that, as a helper."""
    fn = node.child_by_field_name("function") if node.type == "call" else None
    if fn is None:
        return False
    if data[fn.start_byte : fn.end_byte] == b"rule":
        return True
    arguments = node.child_by_field_name("arguments")
    for argument in arguments.named_children if arguments is not None else ():
        if argument.type == "keyword_argument":
            keyword = argument.child_by_field_name("name")
            if keyword is not None and data[keyword.start_byte : keyword.end_byte] == b"implementation":
                return True
    return False


def analysis_shape(found: Definitions, data: bytes) -> tuple[frozenset[str], frozenset[str]]:
    """What of a module decides which of its globals the analysis of the .bzl files reads at all:
    the functions it analyzes as helpers when no rule's analysis went through them (those with a
    CONTEXT_PARAMETERS parameter), and the assignments it evaluates to find rules."""
    functions, assignments, _unpacked, _loads = found
    helpers = frozenset(name for name, node in functions.items() if context_parameters(node, data))
    rules = frozenset(name for name, node in assignments.items() if may_define_a_rule(node, data))
    return helpers, rules
