"""Shell analysis: which programs a script runs and which variables it reads.

Input is MappedText (so findings land in the Starlark, BUILD or template file the text came from);
output is plain facts with character ranges into that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from tree_sitter import Node

from hermetic_scan import parse
from hermetic_scan.source import DECLARED_TOKEN, OPAQUE_TOKEN

# https://www.gnu.org/software/bash/manual/html_node/Shell-Builtin-Commands.html
BUILTINS = frozenset(
    """cd echo exit export set unset test [ [[ printf read source . local return shift trap true false
    eval exec command type hash pwd pushd popd readonly declare typeset wait kill umask getopts let
    alias unalias builtin ulimit shopt caller disown jobs times mapfile readarray dirs enable help
    logout suspend bg fg compgen complete compopt fc history : break continue""".split()
)
KEYWORDS = frozenset(
    "if then else elif fi case esac for select while until do done in function time !".split()
)
# Programs that run the word after them (after their own options).
WRAPPERS = frozenset(
    {"env", "exec", "nohup", "time", "timeout", "sudo", "xargs", "nice", "command", "stdbuf", "ionice"}
)
PROBES = frozenset({"which", "type", "hash"})
# Functions defined by shell libraries that tests source from Bazel's own runfiles and test helpers:
# tools/bash/runfiles/runfiles.bash and src/test/shell/unittest.bash.
LIBRARY_FUNCTIONS = frozenset(
    """rlocation runfiles_export_envvars runfiles_current_repository runfiles_rlocation_checked
    is_absolute is_windows normalize_windows_path
    expect_log expect_not_log expect_log_once expect_log_n expect_log_pattern expect_not_log_pattern
    expect_log_warning expect_query_targets assert_equals assert_not_equals assert_contains
    assert_not_contains assert_contains_n assert_expected_exit_code assert_exit_code expect_assert_equals
    assert_empty_file assert_nonempty_file assert_exists assert_not_exists assert_one_of fail fail_if_ran
    run_suite setup tear_down set_up cleanup tear_down_suite set_up_suite log_info log_fatal
    disable_errexit enable_errexit""".split()
)
SOURCE_COMMANDS = frozenset({"source", "."})
KNOWN_LIBRARIES = ("runfiles.bash", "unittest.bash", "bashunit.bash", "testenv.sh", "bats")


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # character range in the analyzed text
    end: int
    dynamic: bool  # depends on an expansion or an opaque value


@dataclass(frozen=True)
class Command:
    name: str  # the program as written (after unwrapping), e.g. "tofu" or "/usr/local/bin/x"
    start: int  # character range in the analyzed text
    end: int
    kind: str  # "run" | "probe"
    dynamic: bool  # the name comes from a variable or an opaque value
    args: tuple[Word, ...] = ()
    via: str | None = None  # the variable the name was read from (`TOFU=tofu; $TOFU init`)

    def subcommand(self, skip_options: bool = True) -> str | None:
        for arg in self.args:
            if skip_options and arg.text.startswith("-"):
                continue
            return arg.text
        return None


@dataclass(frozen=True)
class Skip:
    """An `exit 0` taken when a probe for a tool or file fails."""

    start: int
    end: int
    probe: str


@dataclass(frozen=True)
class VariableRead:
    name: str
    start: int
    end: int
    # Read only where the variable is set (`if [ -n "$X" ]; then ...`, the else of `-z`), or with a
    # fallback (`${X:-$PWD}`): the script has a way to run without it.
    guarded: bool = False


@dataclass(frozen=True)
class ShellFacts:
    commands: tuple[Command, ...]
    reads: tuple[VariableRead, ...]
    functions: frozenset[str]
    has_error: bool
    skips: tuple[Skip, ...] = ()
    arguments: tuple[Word, ...] = ()  # every argument word of every command (for path checks)
    redirect_sources: tuple[Word, ...] = ()
    # Values given to variables (`X=v`, `export X=v`, `X=v cmd`), with the variable's name.
    assigned: tuple[tuple[str, Word], ...] = ()
    sources_unknown: bool = False  # sources a file other than the well-known test libraries
    # Where the script first puts a directory of its own (runfiles, `$PWD/...`, `$(dirname "$1")`) on
    # PATH: programs run after it may come from there. None when it never does.
    path_extended_at: int | None = None
    # Where the script replaces PATH with directories of its own only (`PATH="{{jq_path}}"`): after
    # it, no program comes from the host's PATH. None when it never does.
    path_replaced_at: int | None = None
    # Programs the script probes for and can do without: (program, start, end, fallbacks) where the
    # range is the probe and the branch using the program, and `fallbacks` the programs the other
    # branch runs instead (`command -v gsha256sum || command -v sha256sum`, `if command -v A; then A;
    # else B; fi`).
    optional: tuple[tuple[str, int, int, frozenset[str]], ...] = ()


# The model reads a genrule's command once to find the scripts it runs, and each shell rule reads it
# again: the cache must hold the commands of the packages checked at once (engine.CHUNK_SIZE BUILD
# files), not every command of the workspace, which would grow with it (about 2 KB a command).
@lru_cache(maxsize=1 << 11)
def analyze(text: str) -> ShellFacts:
    data = text.encode("utf-8", errors="surrogatepass")  # a `\ud800` escape: lone surrogate
    tree = parse.parse_bash(data)
    to_char = _char_index(text, data)
    root = tree.root_node
    found = parse.captures("bash-commands.scm", parse.BASH, root)
    functions = frozenset(_node_text(n, data) for n in found.get("function.name", []))
    commands: list[Command] = []
    for node in found.get("command", []):
        commands.extend(_commands_of(node, data, to_char))
    reads = []
    guards = _set_guards(found.get("if", []), data)
    for node in found.get("expansion.variable", []):
        if _inside_single_quotes(node):
            continue
        name = _node_text(node, data)
        guarded = _has_fallback(node, data) or any(
            start <= node.start_byte < end for variable, start, end in guards if variable == name
        )
        reads.append(VariableRead(name, to_char(node.start_byte), to_char(node.end_byte), guarded))
    commands.sort(key=lambda c: (c.start, c.name))
    reads.sort(key=lambda r: r.start)
    arguments = [arg for command in commands for arg in command.args]
    sources = []
    for node in found.get("test", []):
        for word in _walk(node):
            if (
                word.type in ("word", "string", "raw_string", "concatenation")
                and word.parent is not None
                and word.parent.type != "concatenation"
            ):
                text, dynamic = _word(word, data)
                arguments.append(Word(text, to_char(word.start_byte), to_char(word.end_byte), dynamic))
    for node in found.get("redirect", []):
        if node.children and node.children[0].type == "<":
            destination = node.child_by_field_name("destination")
            if destination is not None:
                text, dynamic = _word(destination, data)
                sources.append(
                    Word(text, to_char(destination.start_byte), to_char(destination.end_byte), dynamic)
                )
    assigned = []
    for node in found.get("assignment.value", []):
        text, dynamic = _word(node, data)
        assigned.append(
            (
                _assigned_name(node, data),
                Word(text, to_char(node.start_byte), to_char(node.end_byte), dynamic),
            )
        )
    assigned.sort(key=lambda pair: pair[1].start)
    constants = _constants(assigned)
    if constants:
        commands = [_resolved(c, constants) for c in commands]
    skips = tuple(_skips(found.get("list", []) + found.get("if", []), data, to_char))
    sourced = [c for c in commands if c.name in SOURCE_COMMANDS]
    values = {
        name: word.text for name, word in assigned
    }  # `f=bazel_tools/.../runfiles.bash; source "$RUNFILES_DIR/$f"`
    unknown_source = any(
        not any(lib in _expanded(" ".join(a.text for a in c.args), values) for lib in KNOWN_LIBRARIES)
        for c in sourced
    )
    return ShellFacts(
        tuple(commands),
        tuple(reads),
        functions,
        root.has_error,
        skips,
        tuple(arguments),
        tuple(sources),
        tuple(assigned),
        unknown_source,
        path_extended_at=next(
            (word.start for name, word in assigned if name == "PATH" and _adds_own_directory(word.text)), None
        ),
        path_replaced_at=next(
            (word.start for name, word in assigned if name == "PATH" and _own_directories_only(word.text)),
            None,
        ),
        optional=tuple(_optional_programs(found.get("list", []) + found.get("if", []), data, to_char)),
    )


@dataclass(frozen=True)
class HeredocWrite:
    """`cat <<'EOF' > DESTINATION`: a here-document written to a file (character offsets of the body)."""

    destination: str
    start: int
    end: int


@lru_cache(maxsize=1 << 12)
def heredoc_writes(text: str) -> tuple[HeredocWrite, ...]:
    """Here-documents that `cat` writes to a file, as generators write scripts."""
    if "<<" not in text:
        return ()
    data = text.encode("utf-8", errors="surrogatepass")
    tree = parse.parse_bash(data)
    to_char = _char_index(text, data)
    out = []
    for found in parse.matches("bash-heredocs.scm", parse.BASH, tree.root_node):
        (redirect,), (body,) = found["heredoc"], found["heredoc.body"]
        statement = redirect.parent
        command = statement.child_by_field_name("body") if statement is not None else None
        name = command.child_by_field_name("name") if command is not None else None
        if statement is None or name is None or _node_text(name, data) != "cat":
            continue
        destinations = [
            n.child_by_field_name("destination")
            for n in _walk(statement)
            if n.type == "file_redirect" and _writes_file(_node_text(n, data))
        ]
        outer = statement.parent
        while not destinations and outer is not None and outer.type in ("subshell", "compound_statement"):
            outer = outer.parent  # `(cat <<'EOF' ... EOF\n) > $@`
            if outer is not None and outer.type == "redirected_statement":
                destinations = [
                    n.child_by_field_name("destination")
                    for n in outer.children
                    if n.type == "file_redirect" and _writes_file(_node_text(n, data))
                ]
        if len(destinations) != 1 or destinations[0] is None:
            continue
        out.append(
            HeredocWrite(_node_text(destinations[0], data), to_char(body.start_byte), to_char(body.end_byte))
        )
    return tuple(out)


def _writes_file(redirect: str) -> bool:
    operator = redirect.lstrip("0123456789")
    return operator.startswith(">") and not operator.startswith((">&", ">>&"))


def _own_directories_only(value: str) -> bool:
    parts = [part for part in value.strip("\"'").split(":") if part]
    return bool(parts) and all(not part.startswith("/") and "PATH" not in part for part in parts)


def _or_pair(node: Node) -> tuple[Node, Node] | None:
    """The two sides of `a || b`, or None for any other node."""
    if node.type == "list" and len(node.named_children) == 2 and any(c.type == "||" for c in node.children):
        return node.named_children[0], node.named_children[1]
    return None


def _optional_programs(
    nodes: list[Node],
    data: bytes,
    to_char,  # noqa: ANN001
) -> list[tuple[str, int, int, frozenset[str]]]:
    out = []
    for node in nodes:
        if (pair := _or_pair(node)) is not None:
            used, fallback = pair
            program = _probe(used, data)
            found = _branch_programs(fallback, data)
            if program is not None and "/" not in program and found:
                out.append((program, to_char(used.start_byte), to_char(used.end_byte), found))
        elif node.type == "if_statement":
            out.extend(_optional_in_chain(node, data, to_char))
    return out


def _optional_in_chain(
    node: Node,
    data: bytes,
    to_char,  # noqa: ANN001
) -> list[tuple[str, int, int, frozenset[str]]]:
    """`if command -v A; then A; elif command -v B; then B; else exit 1; fi`: A can do without, as B
    runs instead; and B's branch is not reached at all where A is found."""
    clauses = [c for c in node.named_children if c.type in ("elif_clause", "else_clause")]
    branches = [node, *clauses]
    probes: list[str | None] = []
    for branch in branches:
        condition = (
            node.child_by_field_name("condition")
            if branch is node
            else branch.named_children[0]
            if branch.type == "elif_clause" and branch.named_children
            else None
        )
        program = _probe(condition, data) if condition is not None and not _negated(condition) else None
        probes.append(program if program is not None and "/" not in program else None)
    out = []
    for i, program in enumerate(probes):
        if program is None:
            continue
        start = branches[i].start_byte
        end = branches[i + 1].start_byte if i + 1 < len(branches) else branches[i].end_byte
        if i + 1 < len(branches):
            found = _branch_programs(branches[i + 1], data)
            if found:
                out.append((program, to_char(start), to_char(end), found))
        for earlier in probes[:i]:
            if earlier is not None:
                out.append((program, to_char(start), to_char(end), frozenset({earlier})))
    return out


def _branch_programs(branch: Node, data: bytes) -> frozenset[str]:
    """What a fallback branch runs; empty when it gives up (a branch that exits is a skip, not a
    fallback)."""
    programs = {_probe(branch, data)} | {
        _node_text(name, data) for name in _walk(branch) if name.type == "command_name"
    }
    found = frozenset(p for p in programs if p)
    return found if not found & {"exit", "return"} else frozenset()


def _expanded(text: str, values: dict[str, str]) -> str:
    """`text` with `$name` / `${name}` replaced by the value the script gives `name`, where it does."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _adds_own_directory(value: str) -> bool:
    """Whether a PATH value holds a directory that is not an absolute host path: one computed from the
    script's runfiles, its arguments or its working directory (`$PWD/../bin:$PATH`)."""
    return any(
        part and not part.startswith("/") and part not in ("$PATH", "${PATH}")
        for part in value.strip("\"'").split(":")
    )


_VARIABLE = re.compile(r"\$\{?(\w+)\}?")
# `${TOFU_BIN:-tofu}`: the program when the host's environment does not name another.
_DEFAULTED = re.compile(r"\$\{\w+:?-([\w./+-]+)\}")


def _constants(assigned: list[tuple[str, Word]]) -> dict[str, str]:
    """Variables the script assigns once, to a literal program name or path (or to `${X:-name}`)."""
    seen: dict[str, str | None] = {}
    for name, word in assigned:
        defaulted = _DEFAULTED.fullmatch(word.text)
        declared = DECLARED_WORD.fullmatch(word.text) is not None  # `docker=$(location :docker)`
        literal = (
            defaulted.group(1)
            if defaulted
            else None
            if (word.dynamic and not declared) or not word.text
            else word.text
        )
        seen[name] = literal if name not in seen else None  # assigned twice: no longer one value
    return {name: value for name, value in seen.items() if value is not None}


def _assigned_name(value: Node, data: bytes) -> str:
    name = value.parent.child_by_field_name("name") if value.parent is not None else None
    return _node_text(name, data) if name is not None else ""


def _resolved(command: Command, constants: dict[str, str]) -> Command:
    """A command run through a variable holding one known program, as that program."""
    read = _VARIABLE.fullmatch(command.name) if command.dynamic and command.kind == "run" else None
    if read is None or read.group(1) not in constants:
        return command
    value = constants[read.group(1)]
    return replace(command, name=value, dynamic=DECLARED_TOKEN in value, via=read.group(1))


def _walk(node: Node):  # noqa: ANN202 - generator
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _probe(node: Node | None, data: bytes) -> str | None:
    """The tool or path a probe checks: `command -v X`, `which X`, `[ -x P ]`, `test -f P`."""
    if node is None:
        return None
    if node.type == "redirected_statement":
        return _probe(node.child_by_field_name("body"), data)
    if node.type == "negated_command":
        return _probe(node.named_children[0] if node.named_children else None, data)
    if node.type == "test_command":
        text = _node_text(node, data)
        for op in ("-x", "-f", "-e", "-d", "-r", "-s"):
            if f" {op} " in f" {text} ":
                return text.strip("[] ").split()[-1]
        return None
    if node.type == "command":
        name = node.child_by_field_name("name")
        words = [_node_text(c, data) for c in node.children_by_field_name("argument")]
        program = _node_text(name, data) if name is not None else ""
        if program in PROBES and words:
            return words[-1]
        if program == "command" and words[:1] in (["-v"], ["-V"]) and len(words) > 1:
            return words[-1]
        if program == "test" and words and words[0] in ("-x", "-f", "-e", "-d", "-r", "-s"):
            return words[-1]
    return None


def _is_exit_zero(node: Node, data: bytes, bare_ok: bool) -> bool:
    if node.type != "command":
        return False
    name = node.child_by_field_name("name")
    if name is None or _node_text(name, data) != "exit":
        return False
    args = [_node_text(c, data) for c in node.children_by_field_name("argument")]
    return args == ["0"] or (bare_ok and not args)


def _negated(condition: Node) -> bool:
    if condition.type == "redirected_statement":
        body = condition.child_by_field_name("body")
        return body is not None and _negated(body)
    if condition.type == "negated_command":
        return True
    if condition.type == "test_command":
        inner = condition.named_children[0] if condition.named_children else None
        return inner is not None and inner.type == "unary_expression" and inner.text.lstrip().startswith(b"!")
    return False


_SET_TEST = re.compile(rb"-([nz])\s+\"?\$\{?(\w+)")


def _set_guards(nodes: list[Node], data: bytes) -> list[tuple[str, int, int]]:
    """(variable, start, end) byte ranges of scripts that run only when the variable is set: the
    condition and body of `if [ -n "$X" ]`, the condition and else branch of `if [ -z "$X" ]`."""
    out = []
    for node in nodes:
        clauses = [c for c in node.named_children if c.type in ("elif_clause", "else_clause")]
        branches = [(node, node.child_by_field_name("condition"))] + [
            (c, c.named_children[0] if c.named_children else None) for c in clauses if c.type == "elif_clause"
        ]
        for branch, condition in branches:  # `elif [[ -n "${X:-}" ]]; then` guards its body too
            if condition is None:
                continue
            match = _SET_TEST.search(data[condition.start_byte : condition.end_byte])
            if match is None:
                continue
            variable = match.group(2).decode()
            later = [c for c in clauses if c.start_byte > condition.end_byte]
            alternative = later[0] if later else None
            end = (
                alternative.start_byte
                if alternative
                else (branch.end_byte if branch is not node else node.end_byte)
            )
            out.append((variable, condition.start_byte, condition.end_byte))
            if match.group(1) == b"n":
                out.append((variable, condition.end_byte, end))
            elif branch is node and alternative is not None and alternative.type == "else_clause":
                out.append((variable, alternative.start_byte, alternative.end_byte))
    return out


def _has_fallback(variable: Node, data: bytes) -> bool:
    """`${X:-value}` / `${X-value}` / `${X:=value}` with a non-empty value."""
    expansion = variable.parent
    if expansion is None or expansion.type != "expansion":
        return False
    rest = data[variable.end_byte : expansion.end_byte - 1]
    for operator in (b":-", b":=", b"-", b"="):
        if rest.startswith(operator):
            return bool(rest[len(operator) :].strip(b"\"'"))
    return False


def _skips(nodes: list[Node], data: bytes, to_char) -> list[Skip]:  # noqa: ANN001
    found = []
    for node in nodes:
        if (pair := _or_pair(node)) is not None:
            left, right = pair
            probe = _probe(left, data)
            if probe is None:
                continue
            candidates = (
                [right]
                if right.type == "command"
                else right.named_children
                if right.type == "compound_statement"
                else []
            )
            for candidate in candidates:
                if _is_exit_zero(candidate, data, bare_ok=False):
                    found.append(Skip(to_char(candidate.start_byte), to_char(candidate.end_byte), probe))
        elif node.type == "if_statement":
            condition = node.child_by_field_name("condition")
            if condition is None or not _negated(condition):
                continue
            probe = _probe(condition, data)
            if probe is None:
                continue
            for child in node.named_children:
                if child.type in ("elif_clause", "else_clause"):
                    break
                if child is not condition and _is_exit_zero(child, data, bare_ok=True):
                    found.append(Skip(to_char(child.start_byte), to_char(child.end_byte), probe))
    return found


def _char_index(text: str, data: bytes):  # noqa: ANN202 - a small closure
    if len(text) == len(data):
        return lambda b: b
    table = []
    for i, ch in enumerate(text):
        table.extend([i] * len(ch.encode("utf-8", errors="surrogatepass")))
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
        dynamic = any(
            c.type in ("simple_expansion", "expansion", "command_substitution") for c in node.children
        )
        return inner, dynamic or DECLARED_TOKEN in inner or OPAQUE_TOKEN in inner
    dynamic = node.type in ("simple_expansion", "expansion", "command_substitution", "concatenation") and any(
        c.type in ("simple_expansion", "expansion", "command_substitution") for c in [node, *node.children]
    )
    return text, dynamic or DECLARED_TOKEN in text or OPAQUE_TOKEN in text


def _args(words: list[Node], data: bytes, to_char) -> tuple[Word, ...]:  # noqa: ANN001
    out = []
    for node in words:
        text, dynamic = _word(node, data)
        out.append(Word(text, to_char(node.start_byte), to_char(node.end_byte), dynamic))
    return tuple(out)


def _commands_of(node: Node, data: bytes, to_char) -> list[Command]:  # noqa: ANN001
    name_node = node.child_by_field_name("name")
    if name_node is None:
        return []
    if any(c.type == "variable_assignment" and c.end_byte == name_node.start_byte for c in node.children):
        # `URL=https://host/p-$V-linux.exe`: the grammar may end the assignment inside the word and
        # read the rest as a command; a command is always separated from an assignment by a blank.
        return []
    words: list[Node] = [name_node.named_children[0] if name_node.named_children else name_node]
    # The name's position is looked up once: `children` builds a new list on every access, and an
    # index per argument made a command with 30,000 words take minutes (found by bench/fuzz.py).
    children = node.children
    name_index = children.index(name_node)
    for child in children[name_index + 1 :]:
        if child.type in ("variable_assignment", "file_redirect", "herestring_redirect", "comment"):
            continue
        if child.is_named:
            words.append(child)
    found: list[Command] = []
    i = 0
    while i < len(words):
        text, dynamic = _word(words[i], data)
        start, end = to_char(words[i].start_byte), to_char(words[i].end_byte)
        if dynamic:
            from_home = text.startswith(("$HOME", "${HOME}"))
            found.append(
                Command(text, start, end, "run", not from_home, _args(words[i + 1 :], data, to_char))
            )
            return found
        base = text.rsplit("/", 1)[-1] if text.startswith("/") else text
        if text in PROBES or (
            text == "command" and i + 1 < len(words) and _node_text(words[i + 1], data) in ("-v", "-V")
        ):
            for arg in words[i + 1 :]:
                arg_text, arg_dynamic = _word(arg, data)
                if arg_text.startswith("-") or arg_dynamic:
                    continue
                found.append(
                    Command(arg_text, to_char(arg.start_byte), to_char(arg.end_byte), "probe", False)
                )
            return found
        if base in WRAPPERS and (text == base or text.startswith(("/usr/bin/", "/bin/"))):
            i += 1
            # Skip the wrapper's own options and assignments (env A=1, timeout 30, nice -n 5).
            while i < len(words):
                arg_text, _ = _word(words[i], data)
                if arg_text.startswith("-") or "=" in arg_text:
                    if base in ("nice", "timeout", "ionice", "stdbuf") and arg_text in (
                        "-n",
                        "-s",
                        "-k",
                        "-c",
                    ):
                        i += 1
                    i += 1
                    continue
                if base == "timeout" and arg_text[:1].isdigit():
                    i += 1
                    continue
                break
            continue
        found.append(Command(text, start, end, "run", False, _args(words[i + 1 :], data, to_char)))
        return found
    return found


# A declared program's word carries the name of what it runs: `__hs_declared__docker__` for
# `$(location @multitool//tools/docker)` or `ctx.executable._docker.path` (model/evaluate.py).
_DECLARED_PROGRAM = re.compile(re.escape(DECLARED_TOKEN) + r"([A-Za-z0-9_]+?)__")
# A command word that is one make variable: the token, with the name of what it names, if known.
DECLARED_WORD = re.compile(re.escape(DECLARED_TOKEN) + r"(?:\w+?__)?")


def declared_program(word: str) -> str | None:
    """The name of the declared program a command word runs, when the model knows it."""
    found = _DECLARED_PROGRAM.search(word)
    return found.group(1) if found is not None else None


def is_workspace_variable(name: str) -> bool:
    return name in ("BUILD_WORKSPACE_DIRECTORY", "BUILD_WORKING_DIRECTORY")
