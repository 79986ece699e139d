"""Toolchain types whose toolchain a repository rule configures from the fetching machine: the rule
finds a program with `rctx.which()` and writes a BUILD file declaring `toolchain(toolchain_type = T)`.

Bazel runs repository rules on the machine that runs Bazel
(https://bazel.build/external/repo#when_is_the_implementation_function_executed), so a path that
`which()` returns is a path on that machine, written into the toolchain as a string. An action of a
rule that uses the toolchain runs the program at that path wherever it executes; a remote worker has
it only if its image puts the same program at the same place.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from tree_sitter import Node

from hermetic_scan import parse
from hermetic_scan.diagnostics import Span
from hermetic_scan.labels import LabelError, parse_label
from hermetic_scan.model.modules import Loader, ModuleModel
from hermetic_scan.model.repository_rules import fetch_functions
from hermetic_scan.model.strings import decode_string
from hermetic_scan.source import SourceFile
from hermetic_scan.workspace import Repository

# C++ toolchains are configured from the host by Bazel's own `local_config_cc`, and every remote
# execution setup replaces them with toolchains generated for its worker image
# (https://bazel.build/remote/rbe, "toolchains"); reporting every C++ target here would be noise.
EXCLUDED_TYPES = frozenset(
    {
        ("bazel_tools", "tools/cpp", "toolchain_type"),
        ("rules_cc", "cc", "toolchain_type"),
    }
)
# How many .bzl files of a toolchain type's package are read to find the repository rule that
# configures it (the file next to the type is where rulesets keep it).
PACKAGE_FILES = 64

TypeKey = tuple[str, str, str]  # (repository root or "@name", package, name)


@dataclass(frozen=True)
class HostToolchain:
    toolchain_type: str  # as the generated BUILD file writes it
    tools: tuple[str, ...]  # program names given to which() as literals, in call order
    unnamed: bool  # some which() takes its name from a variable
    repository_rule: str  # the implementation function of the repository rule
    span: Span  # the first which() call


@dataclass
class _Configurer:
    which: list[tuple[str | None, Node]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


def type_key(loader: Loader, text: str, repo: Repository, package: str) -> TypeKey | None:
    """The toolchain type a label text names, as written in a file of `package` in `repo`."""
    try:
        label = parse_label(text, "", package)
    except LabelError:
        return None
    if (label.repo, label.package, label.name) in EXCLUDED_TYPES:
        return None
    found = loader.repository(label.repo, repo)
    where = str(found.root) if found is not None else "@" + label.repo
    return (where, label.package, label.name)


def may_configure_hosts(data: bytes) -> bool:
    """Whether a file's text may configure a toolchain from the fetching machine (`configured_in`)
    or link its programs (`linking_rules`): it calls `which()`."""
    return b"which(" in data


def configured_in(loader: Loader, module: ModuleModel) -> dict[TypeKey, HostToolchain]:
    """Toolchain types that a repository rule of this file configures with `which()`."""
    data = module.source.data
    if not may_configure_hosts(data) or b"toolchain" not in data and b".template(" not in data:
        return {}
    configurers: dict[str, _Configurer] = {}
    for function in fetch_functions(module).values():
        if not function.context:
            continue
        body = module.functions[function.name]
        for call in _calls(body):
            callee = module.text(call.child_by_field_name("function"))
            method = callee.removeprefix(function.context + ".")
            if method == callee:
                continue
            arguments = _arguments(call)
            if method == "which":
                first = arguments.get(0)
                tool = _literal(module, first)
                for root in function.roots:
                    configurers.setdefault(root, _Configurer()).which.append((tool, call))
            elif method in ("file", "template"):
                texts = (
                    _texts(module, body, arguments.get(1) or arguments.get("content"))
                    if method == "file"
                    else _template(loader, module, arguments.get(1) or arguments.get("template"))
                )
                for root in function.roots:
                    configurers.setdefault(root, _Configurer()).written.extend(texts)
    found: dict[TypeKey, HostToolchain] = {}
    for root, configurer in sorted(configurers.items()):
        if not configurer.which or not configurer.written:
            continue
        tools = tuple(dict.fromkeys(t for t, _ in configurer.which if t))
        unnamed = any(t is None for t, _ in configurer.which)
        span = module.span(configurer.which[0][1])
        for text in configurer.written:
            for written_type in toolchain_types_in(text):
                key = type_key(loader, written_type, module.repo, module.package)
                if key is not None and key not in found:
                    found[key] = HostToolchain(written_type, tools, unnamed, root, span)
    return found


@dataclass(frozen=True)
class HostLink:
    """A repository rule that links a program found with `which()` into the repository it makes
    (`rctx.symlink(rctx.which("bazel"), "bazel")`): its files are the fetching machine's programs."""

    tools: tuple[str, ...]
    repository_rule: str  # the implementation function
    span: Span  # the symlink() call


def linking_rules(module: ModuleModel) -> dict[str, HostLink]:
    """Repository rules of this file (by their global name) that link host programs."""
    data = module.source.data
    if not may_configure_hosts(data) or b".symlink(" not in data:
        return {}
    links: dict[str, HostLink] = {}
    for function in fetch_functions(module).values():
        if not function.context:
            continue
        body = module.functions[function.name]
        for call in _calls(body):
            if module.text(call.child_by_field_name("function")) != f"{function.context}.symlink":
                continue
            found = _which_calls(module, body, function.context, _arguments(call).get(0))
            if not found:
                continue
            tools = tuple(dict.fromkeys(t for which in found for t in _which_names(module, body, which)))
            for root in sorted(function.roots):
                links.setdefault(root, HostLink(tools, root, module.span(call)))
    out = {}
    for name, node in module.assignments.items():
        callee = node.child_by_field_name("function") if node.type == "call" else None
        if callee is None or module.text(callee) != "repository_rule":
            continue
        implementation = _arguments(node).get("implementation") or _arguments(node).get(0)
        if implementation is not None and module.text(implementation) in links:
            out[name] = links[module.text(implementation)]
    return out


def _which_calls(module: ModuleModel, function: Node, context: str, node: Node | None) -> list[Node]:
    """The `which()` calls a value comes from: the call itself, or a variable assigned from one."""
    if node is None:
        return []
    if node.type == "call":
        return [node] if module.text(node.child_by_field_name("function")) == f"{context}.which" else []
    if node.type == "identifier":
        return [
            call
            for value in _assigned(module, function, module.text(node))
            for call in _calls(value)
            if module.text(call.child_by_field_name("function")) == f"{context}.which"
        ]
    return []


def _which_names(module: ModuleModel, function: Node, which: Node) -> list[str]:
    """The program names a `which()` call may look for: its literal, or the literals its variable is
    assigned (`bazel_real = "bazel-real"` in each branch)."""
    first = _arguments(which).get(0)
    literal = _literal(module, first)
    if literal is not None:
        return [literal]
    if first is not None and first.type == "identifier":  # `p = "a.exe" if windows else "a"` too
        return [
            decode_string(node, module.source).text
            for value in _assigned(module, function, module.text(first))
            for node in _string_values(value)
        ]
    return []


def _string_values(node: Node) -> list[Node]:
    """The string literals an expression may evaluate to: itself, or either side of `a if c else b`."""
    if node.type in ("string", "concatenated_string"):
        return [node]
    if node.type == "parenthesized_expression" and node.named_children:
        return _string_values(node.named_children[0])
    if node.type == "conditional_expression":
        parts = [c for c in node.named_children if c.type != "comment"]
        return [*_string_values(parts[0]), *_string_values(parts[-1])] if len(parts) == 3 else []
    return []


def toolchain_types_in(text: str) -> list[str]:
    """`toolchain_type` values of the `toolchain(...)` calls in BUILD file text."""
    if "toolchain" not in text:
        return []
    data = text.encode("utf-8", errors="replace")
    source = SourceFile("<generated BUILD>", data)
    parsed = parse.parse_starlark(data)
    calls = parse.captures("starlark-calls.scm", parsed.grammar, parsed.tree.root_node).get("call", [])
    out = []
    for call in calls:
        callee = call.child_by_field_name("function")
        name = data[callee.start_byte : callee.end_byte].decode() if callee is not None else ""
        if name not in ("toolchain", "native.toolchain"):
            continue
        value = _arguments(call).get("toolchain_type")
        if value is not None and value.type in ("string", "concatenated_string"):
            out.append(decode_string(value, source).text)
    return out


def _calls(function: Node) -> Iterable[Node]:
    return (node for node in _walk(function) if node.type == "call")


def _arguments(call: Node) -> dict[int | str, Node]:
    """Positional arguments by index, keyword arguments by name."""
    out: dict[int | str, Node] = {}
    args = call.child_by_field_name("arguments")
    index = 0
    for arg in args.named_children if args is not None else []:
        if arg.type == "keyword_argument":
            name, value = arg.child_by_field_name("name"), arg.child_by_field_name("value")
            if name is not None and value is not None and name.text is not None:
                out[name.text.decode("utf-8", errors="replace")] = value
        elif arg.type not in ("comment", "list_splat", "dictionary_splat"):
            out[index] = arg
            index += 1
    return out


def _literal(module: ModuleModel, node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "concatenated_string"):
        return None
    return decode_string(node, module.source).text


def _texts(module: ModuleModel, function: Node, node: Node | None, depth: int = 0) -> list[str]:
    """String values an expression is built from: its literals, and those of the module constants and
    local variables it names (`_BUILD.format(path = p)`, `content = _HEADER + body`)."""
    if node is None or depth > 2:
        return []
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("string", "concatenated_string"):
            out.append(decode_string(current, module.source).text)
            continue
        if current.type == "identifier":
            name = module.text(current)
            for value in _assigned(module, function, name):
                out.extend(_texts(module, function, value, depth + 1))
            continue
        stack.extend(current.named_children)
    return out


def _assigned(module: ModuleModel, function: Node, name: str) -> list[Node]:
    values = []
    for node in _walk(function):
        if node.type == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and module.text(left) == name:
                values.append(right)
    if not values and name in module.assignments:
        values.append(module.assignments[name])
    return values


def _walk(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.named_children)


def _template(loader: Loader, module: ModuleModel, node: Node | None) -> list[str]:
    """The text of the template file a `rctx.template(...)` call names (a string or `Label("...")`)."""
    if node is not None and node.type == "call":
        callee = node.child_by_field_name("function")
        if callee is None or module.text(callee) != "Label":
            return []
        node = _arguments(node).get(0)
    text = _literal(module, node)
    if text is None:
        return []
    try:
        label = parse_label(text, "", module.package)
    except LabelError:
        return []
    resolved = loader.resolve(label, module.repo)
    if resolved is None:
        return []
    try:
        return [loader.workspace.read(resolved[1]).decode("utf-8", errors="replace")]
    except OSError:
        return []


def package_modules(loader: Loader, key: TypeKey) -> list[ModuleModel]:
    """The .bzl files of the package that declares a toolchain type, where rulesets keep the
    repository rule that configures it."""
    where, package, _ = key
    if where.startswith("@"):
        return []
    repo = _repository_at(loader, where)
    if repo is None:
        return []
    directory = os.path.join(where, package)
    try:
        names = sorted(e.name for e in os.scandir(directory) if e.name.endswith(".bzl") and e.is_file())
    except OSError:
        return []
    modules = []
    for name in names[:PACKAGE_FILES]:
        rel = f"{package}/{name}" if package else name
        module = loader.module(repo, rel)
        if module is not None:
            modules.append(module)
    return modules


def _repository_at(loader: Loader, root: str) -> Repository | None:
    workspace = loader.workspace
    for repo in [*workspace.repositories, *loader.external_repositories()]:
        if str(repo.root) == root:
            return repo
    return None
