"""The only module that loads grammars and compiles queries (each once per process).

Starlark files are parsed with tree-sitter-starlark. Its 1.3.0 release reads calls whose name starts
with `assert` as assert statements and `match(...)` as a match statement, so a file Bazel accepts can
come back with ERROR nodes. In that case the file is parsed again with tree-sitter-python, whose node
names and fields are the same for everything the model reads; a file that is clean under either
grammar is analyzed in full. Only when both grammars report errors is the Starlark tree kept and the
first error reported as `parse-error` (the rest of the tree is still analyzed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import tree_sitter_bash
import tree_sitter_python
import tree_sitter_starlark
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

STARLARK = "starlark"
PYTHON = "python"
BASH = "bash"


@cache
def language(name: str) -> Language:
    module = {STARLARK: tree_sitter_starlark, PYTHON: tree_sitter_python, BASH: tree_sitter_bash}[name]
    return Language(module.language())


@cache
def _parser(name: str) -> Parser:
    return Parser(language(name))


def query_source(file_name: str) -> str:
    return resources.files("hermetic_scan.queries").joinpath(file_name).read_text(encoding="utf-8")


def query_files() -> list[str]:
    return sorted(
        entry.name
        for entry in resources.files("hermetic_scan.queries").iterdir()
        if entry.name.endswith(".scm")
    )


@cache
def query(file_name: str, grammar: str) -> Query:
    return Query(language(grammar), query_source(file_name))


def captures(file_name: str, grammar: str, node: Node) -> dict[str, list[Node]]:
    return QueryCursor(query(file_name, grammar)).captures(node)


def matches(
    file_name: str, grammar: str, node: Node, max_start_depth: int | None = None
) -> Iterator[dict[str, list[Node]]]:
    """Matches of a query; `max_start_depth` keeps the cursor from walking a whole tree when the
    pattern can only start near `node` (several times faster on large BUILD files)."""
    cursor = QueryCursor(query(file_name, grammar))
    if max_start_depth is not None:
        cursor.set_max_start_depth(max_start_depth)
    for _, found in cursor.matches(node):
        yield found


@dataclass(frozen=True)
class ParsedStarlark:
    tree: Tree
    grammar: str  # STARLARK or PYTHON (the fallback)
    first_error: Node | None  # set only when no grammar parsed the file cleanly


def parse_starlark(data: bytes) -> ParsedStarlark:
    tree = _parser(STARLARK).parse(data)
    if not tree.root_node.has_error:
        return ParsedStarlark(tree, STARLARK, None)
    fallback = _parser(PYTHON).parse(data)
    if not fallback.root_node.has_error:
        return ParsedStarlark(fallback, PYTHON, None)
    return ParsedStarlark(tree, STARLARK, first_error(tree.root_node))


def parse_bash(data: bytes) -> Tree:
    return _parser(BASH).parse(data)


def first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = first_error(child)
        if found is not None:
            return found
    return node
