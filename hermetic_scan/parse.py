"""The only module that loads grammars and compiles queries (each once per process).

Starlark files are parsed with tree-sitter-starlark. Its 1.3.0 release reads calls whose name starts
with `assert` as assert statements and `match(...)` as a match statement, so a file Bazel accepts can
come back with ERROR nodes. In that case the file is parsed again with tree-sitter-python, whose node
names and fields are the same for everything the model reads; a file that is clean under either
grammar is analyzed in full. Only when both grammars report errors is the Starlark tree kept and the
first error reported as `parse-error` (the rest of the tree is still analyzed).
"""

from __future__ import annotations

import hashlib
import re
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


def compile_queries() -> None:
    """Compile every query now. A scan that forks its shards afterwards compiles each once instead of
    once per shard (the bash queries take 30-60 ms; `ts_query_new` was 2.4 % of rules_python's
    instructions in each process)."""
    for name in query_files():
        query(name, BASH if name.startswith("bash-") else STARLARK)


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


DEEP_INDENT = re.compile(rb"^[ \t]{256}", re.MULTILINE)


def attribute_accesses(parsed: ParsedStarlark, name: bytes) -> Iterator[Node]:
    """The attribute accesses `object.<name>` of a Starlark file, in the order of the text."""
    for found in matches("starlark-attributes.scm", parsed.grammar, parsed.tree.root_node):
        if found["attribute.name"][0].text == name:
            yield found["attribute"][0]


def parse_starlark(data: bytes) -> ParsedStarlark:
    tree = _parser(STARLARK).parse(data)
    if not tree.root_node.has_error:
        return ParsedStarlark(tree, STARLARK, None)
    # tree-sitter-python crashes the process (SIGSEGV) on an unterminated triple-quoted string
    # followed by some 500 levels of indentation (found by bench/fuzz.py); no Starlark file that
    # could need the fallback indents a line 256 columns deep.
    if not DEEP_INDENT.search(data):
        fallback = _parser(PYTHON).parse(data)
        if not fallback.root_node.has_error:
            return ParsedStarlark(fallback, PYTHON, None)
    error = first_error(tree.root_node)
    return ParsedStarlark(_searchable(tree, data, STARLARK), STARLARK, error)


def parse_bash(data: bytes) -> Tree:
    tree = _parser(BASH).parse(data)
    return _searchable(tree, data, BASH) if tree.root_node.has_error else tree


# tree-sitter's query cursor takes time quadratic in the length of a run of sibling tokens left
# unmatched by a syntax error (20,000 stray `[`: half a second per query; a 500 KB line of them:
# minutes, found by bench/fuzz.py). Valid code never makes such runs.
MAX_ERROR_RUN = 4000


def _searchable(tree: Tree, data: bytes, grammar: str) -> Tree:
    """The tree, or, when a syntax error left a run of more than MAX_ERROR_RUN sibling tokens, the
    tree of the text before that run (byte offsets are unchanged; the rest is not analyzed). Only
    the nodes holding an error are visited, in the order of the text."""
    stack: list[Node] = [tree.root_node]
    while stack:
        node = stack.pop()
        children = node.children
        run = 0
        for child in children:
            if child.is_named or child.child_count:
                run = 0
                continue
            run += 1
            if run == 1:
                start = child.start_byte
            elif run > MAX_ERROR_RUN:
                return _parser(grammar).parse(data[:start])
        stack.extend(reversed([child for child in children if child.has_error]))
    return tree


def first_error(node: Node) -> Node | None:
    """The first ERROR or missing node, else the deepest node whose subtree holds the error.

    A loop, not recursion: this runs before the per-file guard, and a file nested a few thousand
    levels deep must get its parse-error, not a RecursionError that ends the scan."""
    if not node.has_error and node.type != "ERROR" and not node.is_missing:
        return None
    while node.type != "ERROR" and not node.is_missing:
        child = next((c for c in node.children if c.type == "ERROR" or c.is_missing or c.has_error), None)
        if child is None:
            return node
        node = child
    return node


def statements_digest(parsed: ParsedStarlark, data: bytes) -> bytes | None:
    """A digest of what the model can read of a Starlark file: its grammar and, for each top-level
    statement, its kind, where it starts (byte, line and column) and its bytes. Two versions of a
    file with the same digest differ only in comments between statements, blank lines or text after
    the last statement: nothing the evaluator reads, and no finding of theirs moves (every place in
    a statement is its start plus its bytes). The cache takes a .bzl file edited that way as
    unchanged for what it recorded (`cache.reusable`); its suppression comments are read again.

    None, never equal, for a file the parse or decode of which is reported (a syntax error, NUL
    bytes, text that is not UTF-8: parse-error reads the whole file, comments included)."""
    if parsed.first_error is not None or parsed.tree.root_node.has_error or b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    out = hashlib.sha256(parsed.grammar.encode())
    for node in parsed.tree.root_node.children:
        if node.type == "comment":
            continue
        row, column = node.start_point
        out.update(f"\0{node.type}\0{node.start_byte}\0{row}\0{column}\0{node.end_byte}\0".encode())
        out.update(data[node.start_byte : node.end_byte])
    return out.digest()
