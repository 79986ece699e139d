"""Shell analysis: which programs a script runs and which variables it reads.

Input is MappedText (so findings land in the Starlark, BUILD or template file the text came from);
output is plain facts with character ranges into that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node

from hermetic_scan import parse
from hermetic_scan.model.values import DECLARED_TOKEN, OPAQUE_TOKEN

# https://www.gnu.org/software/bash/manual/html_node/Shell-Builtin-Commands.html
BUILTINS = frozenset(
    """cd echo exit export set unset test [ [[ printf read source . local return shift trap true false
    eval exec command type hash pwd pushd popd readonly declare typeset wait kill umask getopts let
    alias unalias builtin ulimit shopt caller disown jobs times mapfile readarray dirs enable help
    logout suspend bg fg compgen complete compopt fc history : break continue""".split()
)
KEYWORDS = frozenset("if then else elif fi case esac for select while until do done in function time !".split())
# Programs that run the word after them (after their own options).
WRAPPERS = frozenset({"env", "exec", "nohup", "time", "timeout", "sudo", "xargs", "nice", "command", "stdbuf", "ionice"})
PROBES = frozenset({"which", "type", "hash"})


@dataclass(frozen=True)
class Command:
    name: str  # the program as written (after unwrapping), e.g. "tofu" or "/usr/local/bin/x"
    start: int  # character range in the analysed text
    end: int
    kind: str  # "run" | "probe"
    dynamic: bool  # the name comes from a variable or an opaque value


@dataclass(frozen=True)
class VariableRead:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class ShellFacts:
    commands: tuple[Command, ...]
    reads: tuple[VariableRead, ...]
    functions: frozenset[str]
    has_error: bool


@lru_cache(maxsize=4096)
def analyze(text: str) -> ShellFacts:
    data = text.encode("utf-8")
    tree = parse.parse_bash(data)
    to_char = _char_index(text, data)
    root = tree.root_node
    found = parse.captures("bash-commands.scm", parse.BASH, root)
    functions = frozenset(_node_text(n, data) for n in found.get("function.name", []))
    commands: list[Command] = []
    for node in found.get("command", []):
        commands.extend(_commands_of(node, data, to_char))
    reads = []
    for node in found.get("expansion.variable", []):
        if _inside_single_quotes(node):
            continue
        reads.append(VariableRead(_node_text(node, data), to_char(node.start_byte), to_char(node.end_byte)))
    commands.sort(key=lambda c: (c.start, c.name))
    reads.sort(key=lambda r: r.start)
    return ShellFacts(tuple(commands), tuple(reads), functions, root.has_error)


def _char_index(text: str, data: bytes):  # noqa: ANN202 - a small closure
    if len(text) == len(data):
        return lambda b: b
    table = []
    for i, ch in enumerate(text):
        table.extend([i] * len(ch.encode("utf-8")))
    table.append(len(text))
    return lambda b: table[min(b, len(table) - 1)]


def _node_text(node: Node, data: bytes) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _inside_single_quotes(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "raw_string":
            return True
        parent = parent.parent
    return False


def _word(node: Node, data: bytes) -> tuple[str, bool]:
    """The literal text of a word, and whether it depends on an expansion or opaque value."""
    text = _node_text(node, data)
    if node.type == "raw_string":
        return text[1:-1], False
    if node.type == "string":
        inner = text[1:-1]
        dynamic = any(c.type in ("simple_expansion", "expansion", "command_substitution") for c in node.children)
        return inner, dynamic or DECLARED_TOKEN in inner or OPAQUE_TOKEN in inner
    dynamic = node.type in ("simple_expansion", "expansion", "command_substitution", "concatenation") and any(
        c.type in ("simple_expansion", "expansion", "command_substitution") for c in [node, *node.children]
    )
    return text, dynamic or DECLARED_TOKEN in text or OPAQUE_TOKEN in text


def _commands_of(node: Node, data: bytes, to_char) -> list[Command]:  # noqa: ANN001
    name_node = node.child_by_field_name("name")
    if name_node is None:
        return []
    words: list[Node] = [name_node.named_children[0] if name_node.named_children else name_node]
    for child in node.children:
        if child is name_node or child.type in ("variable_assignment", "file_redirect", "herestring_redirect", "comment"):
            continue
        if child.is_named and node.children.index(child) > node.children.index(name_node):
            words.append(child)
    found: list[Command] = []
    i = 0
    while i < len(words):
        text, dynamic = _word(words[i], data)
        start, end = to_char(words[i].start_byte), to_char(words[i].end_byte)
        if dynamic:
            if text.startswith(("$HOME", "${HOME}")):
                found.append(Command(text, start, end, "run", False))
            return found
        base = text.rsplit("/", 1)[-1] if text.startswith("/") else text
        if text in PROBES or (text == "command" and i + 1 < len(words) and _node_text(words[i + 1], data) in ("-v", "-V")):
            for arg in words[i + 1 :]:
                arg_text, arg_dynamic = _word(arg, data)
                if arg_text.startswith("-") or arg_dynamic:
                    continue
                found.append(Command(arg_text, to_char(arg.start_byte), to_char(arg.end_byte), "probe", False))
            return found
        if base in WRAPPERS and (text == base or text.startswith(("/usr/bin/", "/bin/"))):
            i += 1
            # Skip the wrapper's own options and assignments (env A=1, timeout 30, nice -n 5).
            while i < len(words):
                arg_text, _ = _word(words[i], data)
                if arg_text.startswith("-") or "=" in arg_text:
                    if base in ("nice", "timeout", "ionice", "stdbuf") and arg_text in ("-n", "-s", "-k", "-c"):
                        i += 1
                    i += 1
                    continue
                if base == "timeout" and arg_text[:1].isdigit():
                    i += 1
                    continue
                break
            if text == "command":
                pass
            continue
        found.append(Command(text, start, end, "run", False))
        return found
    return found


def is_workspace_variable(name: str) -> bool:
    return name in ("BUILD_WORKSPACE_DIRECTORY", "BUILD_WORKING_DIRECTORY")
