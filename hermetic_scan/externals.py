"""External repositories: the root module's names for them, and the sources Bazel already fetched.

Bazel keeps every fetched repository in `<output_base>/external/<canonical name>`, and the workspace's
convenience symlinks (`bazel-out`, `bazel-bin`, `bazel-<workspace>`) point into
`<output_base>/execroot/<workspace>` (https://bazel.build/remote/output-directories). Canonical names
differ from the names a BUILD file writes: `rules_oci+` (Bazel 8), `rules_oci~` (Bazel 7),
`rules_oci~1.7.0` (Bazel 6), `rules_python++pip+pypi` / `rules_python~~pip~pypi` for a repository an
extension made, and the plain name for a WORKSPACE repository
(https://bazel.build/external/module#repository_names_and_strict_deps). The root module's MODULE.bazel
says which module or extension repository each apparent name stands for.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node

from hermetic_scan import parse
from hermetic_scan.workspace import MAX_FILE_BYTES, read_file

# A module's own canonical name: `name+`, `name~`, or one with its version (`name~1.2.3`, `name+1.2.3`).
_VERSION_SUFFIX = re.compile(r"[~+][^~+]*")


@dataclass
class ModuleDeps:
    """What the root module's MODULE.bazel names, apparent name -> what it stands for."""

    modules: dict[str, str] = field(default_factory=dict)  # bazel_dep: apparent -> module name
    versions: dict[str, str] = field(default_factory=dict)  # module name -> version in bazel_dep
    # use_repo(): apparent -> (extension name, repository name the extension gives it)
    extension_repos: dict[str, tuple[str, str]] = field(default_factory=dict)
    # use_repo_rule() (and WORKSPACE calls of loaded repository rules): apparent -> (.bzl label, rule)
    repo_rules: dict[str, tuple[str, str]] = field(default_factory=dict)

    def module_of(self, apparent: str) -> str:
        """The module an apparent repository name stands for (itself when MODULE.bazel does not say)."""
        return self.modules.get(apparent, apparent)


def read_module_deps(root: Path) -> ModuleDeps:
    deps = ModuleDeps()
    _read_workspace_repo_rules(root, deps)
    try:
        data = read_file(root / "MODULE.bazel", MAX_FILE_BYTES)
    except OSError:
        return deps
    parsed = parse.parse_starlark(data)
    extensions: dict[str, str] = {}  # variable -> extension name
    repo_rules: dict[str, tuple[str, str]] = {}  # variable -> (.bzl label, repository rule)
    for found in parse.matches("module-deps.scm", parsed.grammar, parsed.tree.root_node, max_start_depth=3):
        function = _text(found["call.function"][0])
        arguments = found["call.arguments"][0]
        positional, keywords = _arguments(arguments)
        if function == "bazel_dep":
            name = keywords.get("name")
            if name:
                deps.modules[keywords.get("repo_name") or name] = name
                if keywords.get("version"):
                    deps.versions[name] = keywords["version"]
        elif function == "use_extension":
            variable = _assigned_to(found["call"][0])
            if variable and len(positional) >= 2:
                extensions[variable] = positional[1]
        elif function == "use_repo":
            first = arguments.named_children[0] if arguments.named_children else None
            extension = (
                extensions.get(_text(first)) if first is not None and first.type == "identifier" else None
            )
            for name in positional:
                deps.extension_repos[name] = (extension or "", name)
            for apparent, name in keywords.items():
                deps.extension_repos[apparent] = (extension or "", name)
        elif function == "use_repo_rule":
            variable = _assigned_to(found["call"][0])
            if variable and len(positional) >= 2:
                repo_rules[variable] = (positional[0], positional[1])
    if repo_rules:
        _repositories_made(parsed, repo_rules, deps)
    return deps


def _repositories_made(
    parsed: parse.ParsedStarlark, rules: dict[str, tuple[str, str]], deps: ModuleDeps
) -> None:
    """Top-level calls of repository rules (`local_bazel(name = "local_bazel")`): the repository each
    one makes, and the rule that makes it."""
    for found in parse.matches(
        "starlark-calls.scm", parsed.grammar, parsed.tree.root_node, max_start_depth=3
    ):
        function = _text(found["call.function"][0])
        if function in rules:
            _, keywords = _arguments(found["call.arguments"][0])
            if keywords.get("name"):
                deps.repo_rules[keywords["name"]] = rules[function]


def _read_workspace_repo_rules(root: Path, deps: ModuleDeps) -> None:
    """WORKSPACE: repository rules loaded from .bzl files and called at the top level."""
    for name in ("WORKSPACE.bazel", "WORKSPACE"):
        try:
            data = read_file(root / name, MAX_FILE_BYTES)
        except OSError:
            continue
        parsed = parse.parse_starlark(data)
        loaded: dict[str, tuple[str, str]] = {}
        for found in parse.matches("starlark-loads.scm", parsed.grammar, parsed.tree.root_node):
            label = _string(found["load.label"][0]) if found.get("load.label") else None
            call = found["load"][0]
            arguments = call.child_by_field_name("arguments")
            for child in arguments.named_children[1:] if label and arguments is not None else []:
                if child.type == "keyword_argument":
                    key, value = (
                        child.child_by_field_name("name"),
                        _string(child.child_by_field_name("value")),
                    )
                    if key is not None and value is not None:
                        loaded[_text(key)] = (label or "", value)
                elif (value := _string(child)) is not None:
                    loaded[value] = (label or "", value)
        _repositories_made(parsed, loaded, deps)
        return


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def _string(node: Node | None) -> str | None:
    """A plain string literal's value (MODULE.bazel names are never computed)."""
    if node is None or node.type != "string":
        return None
    text = _text(node)
    match = re.fullmatch(r"[rRbB]?(\"\"\"|'''|\"|')(.*)\1", text, re.S)
    return match.group(2) if match else None


def _arguments(arguments: Node) -> tuple[list[str], dict[str, str]]:
    positional: list[str] = []
    keywords: dict[str, str] = {}
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            key, value = child.child_by_field_name("name"), _string(child.child_by_field_name("value"))
            if key is not None and value is not None:
                keywords[_text(key)] = value
        else:
            value = _string(child)
            if value is not None:
                positional.append(value)
    return positional, keywords


def _assigned_to(call: Node) -> str | None:
    parent = call.parent
    if parent is not None and parent.type == "assignment":
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            return _text(left)
    return None


def locate(name: str, directory: Path, deps: ModuleDeps) -> Path | None:
    """The directory under an `external/` directory that holds the repository a label calls `name`."""
    exact = directory / name
    if exact.is_dir():
        return exact
    try:
        entries = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    except OSError:
        return None
    module = deps.module_of(name)
    for entry in entries:
        if entry.startswith(module) and _VERSION_SUFFIX.fullmatch(entry[len(module) :]):
            return directory / entry
    extension, repo = deps.extension_repos.get(name, ("", name if name not in deps.modules else ""))
    if not repo:
        return None
    # An extension's repository: `<module>+<extension>+<repo>`, `<module>~<version>~<extension>~<repo>`...
    made = [e for e in entries if re.search(rf"[~+]{re.escape(repo)}$", e)]
    if extension:
        made = [e for e in made if re.search(rf"[~+]{re.escape(extension)}[~+]", e)] or made
    return directory / made[0] if len(made) == 1 else None


@dataclass(frozen=True)
class OutputBase:
    external: Path  # <output_base>/external, resolved
    fingerprint: str  # changes when a repository is fetched again (its marker file is rewritten)


def find_output_base(root: Path) -> OutputBase | None:
    """The output base a build of this workspace left, found through its convenience symlinks."""
    try:
        links = sorted(e.path for e in os.scandir(root) if e.name.startswith("bazel-") and e.is_symlink())
    except OSError:
        return None
    for link in links:
        parts = Path(os.path.realpath(link)).parts
        if "execroot" not in parts:
            continue
        base = Path(*parts[: len(parts) - 1 - parts[::-1].index("execroot")])
        external = base / "external"
        if external.is_dir():
            return OutputBase(external, _fingerprint(external))
    return None


def _fingerprint(external: Path) -> str:
    """Names, sizes and times of the top-level entries: Bazel rewrites `@<name>.marker` whenever it
    fetches a repository again, so this changes with what was fetched without reading every file."""
    digest = hashlib.sha256()
    try:
        entries = sorted(os.scandir(external), key=lambda e: e.name)
    except OSError:
        return ""
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        digest.update(f"{entry.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()
