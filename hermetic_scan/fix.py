"""`hermetic-scan fix`: add the inventory's suggested tags to BUILD files, and apply the fixes that
findings carry (each rule builds its own: `Diagnostic.fix`).

Safe fixes are applied by default, unsafe ones (a guessed mnemonic) with `--unsafe-fixes`. Two fixes
whose edits overlap in one file are not both applied: the first in file order wins and the other is
reported; identical edits (the ids of one suppression comment share one fix) are made once.

Edits keep every other byte of the file and, on a buildifier-formatted file, keep it formatted:
buildifier orders a BUILD call's keyword arguments by a priority table and then by name, sorts
string lists, and puts a list of more than one element on several lines. We insert where it would.

Safety (docs/robustness.md): an edit is only ever computed from, and applied to, the BUILD file
whose syntax tree holds the call; a rule call made in a comprehension, a loop or a macro that does
not forward tags gets no edit but a "fix by hand" note naming the line. Before writing, the file's
content hash must still match the bytes the edits were computed on. The rewrite is atomic (temp
file + rename) and keeps the line endings, mode and owner; a file with several hard links is not
rewritten (a rename would split it from its other names) and is reported instead.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import os
import shlex
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node

from hermetic_scan.diagnostics import Applicability, Diagnostic, Edit, Fix
from hermetic_scan.inventory import Inventory, TargetVerdict
from hermetic_scan.model import WorkspaceModel
from hermetic_scan.model.modules import ModuleModel

# buildifier's argument priorities in BUILD files (lower first; unlisted names are 0, then by name).
ARGUMENT_PRIORITY = {
    "name": -99,
    "gwt_name": -98,
    "package_name": -97,
    "visible_node_name": -96,
    "size": -95,
    "timeout": -94,
    "testonly": -93,
    "src": -92,
    "srcdir": -91,
    "srcs": -90,
    "out": -89,
    "outs": -88,
    "hdrs": -87,
    "has_services": -86,
    "include": -85,
    "of": -84,
    "baseline": -83,
    "destdir": 1,
    "exports": 2,
    "runtime_deps": 3,
    "deps": 4,
    "implementation": 5,
    "implements": 6,
    "alwayslink": 7,
}


@dataclass
class FixPlan:
    edits: dict[Path, list[Edit]]
    notes: list[str]  # targets that need a change the tool will not make
    buildozer: list[str]
    # sha256 of the bytes each file's edits were computed on: a file that differs is not written
    digests: dict[Path, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteProblem:
    path: Path
    message: str


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan(
    inventory: Inventory,
    root: Path,
    model: WorkspaceModel | None = None,
    diagnostics: list[Diagnostic] | tuple[Diagnostic, ...] = (),
    unsafe: bool = False,
) -> FixPlan:
    """The inventory's tags, then the findings' own fixes (safe ones, and unsafe ones if asked)."""
    result = _tag_plan(inventory)
    if model is not None:
        _add_rule_fixes(result, root, model, diagnostics, unsafe)
    return result


def _add_rule_fixes(
    result: FixPlan,
    root: Path,
    model: WorkspaceModel,
    diagnostics: list[Diagnostic] | tuple[Diagnostic, ...],
    unsafe: bool,
) -> None:
    sources = model.sources()
    external = {m.display_path for m in model.modules if m.repo.external}
    wanted = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    same_file = {path.resolve(): path for path in result.edits}
    fixes: dict[Fix, None] = {}  # in report order, each once (anchored copies carry their origin)
    for d in diagnostics:
        proposed = (d.origin or d).fix
        if proposed is not None and proposed.applicability in wanted:
            fixes[proposed] = None
    for proposed in fixes:
        source = sources.get(proposed.path)
        if source is None or proposed.path in external or proposed.path.startswith("external/"):
            continue
        path = same_file.get((root / proposed.path).resolve(), root / proposed.path)
        taken = result.edits.setdefault(path, [])
        fresh = [e for e in proposed.edits if e not in taken]
        if any(_overlap(e, other) for e in fresh for other in taken):
            _note(result, f"{proposed.path}: {proposed.title}: overlaps another fix; run fix again")
            continue
        taken.extend(fresh)
        result.digests[path] = digest(source.data)


def _overlap(a: Edit, b: Edit) -> bool:
    """Two edits touch the same bytes, or insert at one place (their order would be a guess)."""
    if a.start_byte == a.end_byte or b.start_byte == b.end_byte:
        return a.start_byte == b.start_byte or (
            b.start_byte < a.start_byte < b.end_byte or a.start_byte < b.start_byte < a.end_byte
        )
    return a.start_byte < b.end_byte and b.start_byte < a.end_byte


def _tag_plan(inventory: Inventory) -> FixPlan:
    result = FixPlan({}, [], [])
    done: set[tuple[str, int]] = set()
    for verdict in inventory.targets:
        if not verdict.suggested_tags:
            continue
        target = verdict.attached.target
        build = target.build
        tag = verdict.suggested_tags[0]
        if build.repo.external:
            continue
        here = f"{build.display_path}:{target.top_node.start_point[0] + 1}"
        top = target.top_node.named_children[0] if target.top_node.named_children else None
        if target.generator is not None:
            if not _forwards_tags(verdict):
                _note(
                    result,
                    f"{verdict.label}: created by macro {target.generator}() which does not pass tags or "
                    f"**kwargs to it; change the macro to accept tags for this target ({here})",
                )
                continue
            call = top
        else:
            call = target.call.node
            # Only a rule call that is itself the statement of this BUILD file can be edited: offsets
            # of a call in a .bzl file, a comprehension or a loop belong to another text or target.
            if target.call.module is not build or top is None or not _same_node(call, top):
                _note(
                    result,
                    f"{verdict.label}: fix by hand at {here}: the rule call is made in a comprehension, "
                    f"loop or macro, where an edit would change other targets or another file; "
                    f'add tags = ["{tag}"] to this target',
                )
                continue
        if call is None or call.type != "call":
            continue
        key = (build.display_path, call.start_byte)
        if key in done:
            continue
        done.add(key)
        edit = _tag_edit(build, call, tag)
        if edit is not None:
            path = build.repo.root / build.rel_path
            result.edits.setdefault(path, []).append(edit)
            result.digests[path] = digest(build.source.data)
            result.buildozer.append(_buildozer_command(build, call, tag, verdict))
    return result


def _note(result: FixPlan, note: str) -> None:
    """A change the tool will not make: told on stderr, and as a shell comment among the buildozer
    commands (which `| sh` skips)."""
    result.notes.append(note)
    result.buildozer.append(f"# {note}")


def _buildozer_command(build: ModuleModel, call: Node, tag: str, verdict: TargetVerdict) -> str:
    """The buildozer command that makes the same change as the edit: buildozer finds a call by its
    `name` argument, so a target made by a macro is tagged at the macro call (which forwards the tags);
    a call without a literal name gets a shell comment instead. An expression as tags is extended
    (`TAGS + ["no-remote-exec"]`), as the edit does.
    https://github.com/bazelbuild/buildtools/blob/main/buildozer/README.md"""
    name_arg = _keyword(call, "name")
    name_value = name_arg.child_by_field_name("value") if name_arg is not None else None
    name = (
        build.text(name_value).strip("\"'")
        if name_value is not None and name_value.type == "string"
        else None
    )
    if not name:
        line, _ = build.source.position(call.start_byte)
        return (
            f"# {verdict.label}: add {tag!r} to tags at {build.display_path}:{line + 1} by hand "
            "(buildozer finds a call by a literal name)"
        )
    package = verdict.attached.target.label.package
    return f"buildozer 'add tags {tag}' {shlex.quote(f'//{package}:{name}')}"


def _same_node(a: Node, b: Node) -> bool:
    return (a.start_byte, a.end_byte, a.type) == (b.start_byte, b.end_byte, b.type)


def _forwards_tags(verdict: TargetVerdict) -> bool:
    node = verdict.attached.target.call.node
    args = node.child_by_field_name("arguments")
    if args is None:
        return False
    for arg in args.named_children:
        if arg.type == "dictionary_splat":
            return True
        if arg.type == "keyword_argument":
            name = arg.child_by_field_name("name")
            value = arg.child_by_field_name("value")
            if name is not None and name.text == b"tags" and value is not None and value.type != "list":
                return True
    return False


def _keyword(call: Node, name: str) -> Node | None:
    args = call.child_by_field_name("arguments")
    for arg in args.named_children if args is not None else []:
        key = arg.child_by_field_name("name") if arg.type == "keyword_argument" else None
        if key is not None and key.text == name.encode():
            return arg
    return None


def _indent_of(module: ModuleModel, byte: int) -> str:
    line, _ = module.source.position(byte)
    text = module.source.line_text(line)
    return text[: len(text) - len(text.lstrip())]


def _quoted(tag: str) -> str:
    return f'"{tag}"'


def _tag_edit(build: ModuleModel, call: Node, tag: str) -> Edit | None:
    existing = _keyword(call, "tags")
    if existing is None:
        return _new_tags_argument(build, call, tag)
    value = existing.child_by_field_name("value")
    if value is None:
        return None
    if value.type != "list":
        if _mentions(build, value, tag):
            return None  # `select(...) + ["tag"]`, a concatenation that already adds it: twice is once
        return Edit(value.end_byte, value.end_byte, f" + [{_quoted(tag)}]")
    items = [c for c in value.named_children if c.type != "comment"]
    strings = [build.text(c) for c in items]
    if any(s.strip("\"'") == tag for s in strings):
        return None
    multiline = value.start_point[0] != value.end_point[0]
    plain = all(c.type == "string" for c in items) and not any(
        c.type == "comment" for c in value.named_children
    )
    indent = _indent_of(build, existing.start_byte)
    if not items:
        return Edit(value.start_byte, value.end_byte, f"[{_quoted(tag)}]")
    if not multiline and plain:
        values = sorted([*(s.strip("\"'") for s in strings), tag])
        body = "".join(f"{indent}    {_quoted(v)},\n" for v in values)
        return Edit(value.start_byte, value.end_byte, f"[\n{body}{indent}]")
    if multiline:
        keys = [s.strip("\"'") for s in strings]
        position = len(items)
        if keys == sorted(keys):
            position = next((i for i, k in enumerate(keys) if k > tag), len(items))
        item_indent = _indent_of(build, items[0].start_byte)
        if position < len(items):
            return _line_before(build, items[position], item_indent, _quoted(tag))
        return _line_after(build, items[-1], value, item_indent, _quoted(tag))
    return Edit(items[-1].end_byte, items[-1].end_byte, f", {_quoted(tag)}")


def _mentions(build: ModuleModel, value: Node, tag: str) -> bool:
    """Whether a string literal equal to `tag` is written anywhere in `value` (iterative walk)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node.type == "string" and build.text(node).strip("\"'") == tag:
            return True
        stack.extend(node.named_children)
    return False


def _line_before(build: ModuleModel, node: Node, indent: str, text: str) -> Edit:
    """`text,` as a line of its own just above the line of `node` (an element of a multi-line list
    or call)."""
    anchor = _line_start(build, node.start_byte)
    return Edit(anchor, anchor, f"{indent}{text},\n")


def _line_after(build: ModuleModel, last: Node, container: Node, indent: str, text: str) -> Edit:
    """`text` as a new line after `last`, the last element of `container`: below its line when it has
    a trailing comma, else after a comma added to it."""
    after = build.source.data[last.end_byte : container.end_byte]
    if after.lstrip().startswith(b","):
        anchor = _line_end(build, last.end_byte) + 1
        return Edit(anchor, anchor, f"{indent}{text},\n")
    return Edit(last.end_byte, last.end_byte, f",\n{indent}{text}")


def _line_start(build: ModuleModel, byte: int) -> int:
    return build.source.data.rfind(b"\n", 0, byte) + 1


def _line_end(build: ModuleModel, byte: int) -> int:
    end = build.source.data.find(b"\n", byte)
    return len(build.source.data) if end == -1 else end


def _order(name: str) -> tuple[int, str]:
    return (ARGUMENT_PRIORITY.get(name, 0), name)


def _new_tags_argument(build: ModuleModel, call: Node, tag: str) -> Edit | None:
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    arguments = [a for a in args.named_children if a.type != "comment"]
    new = f"tags = [{_quoted(tag)}]"
    if call.start_point[0] == call.end_point[0]:
        indent = _indent_of(build, call.start_byte)
        texts = [(build.text(a), a) for a in arguments]
        names = [a.child_by_field_name("name") for a in arguments]
        entries = [
            (build.text(n) if n is not None and a.type == "keyword_argument" else "", t)
            for (t, a), n in zip(texts, names, strict=True)
        ]
        entries.append(("tags", new))
        keyed = [e for e in entries if e[0]]
        positional = [e for e in entries if not e[0]]
        ordered = positional + sorted(keyed, key=lambda e: _order(e[0]))
        body = "".join(f"{indent}    {text},\n" for _, text in ordered)
        return Edit(args.start_byte, args.end_byte, f"(\n{body}{indent})")
    indent = (
        _indent_of(build, arguments[0].start_byte)
        if arguments
        else _indent_of(build, call.start_byte) + "    "
    )
    for arg in arguments:
        name = arg.child_by_field_name("name") if arg.type == "keyword_argument" else None
        after_tags = name is not None and _order(build.text(name)) > _order("tags")
        if after_tags or arg.type in ("dictionary_splat", "list_splat"):
            return _line_before(build, arg, indent, new)
    if arguments:
        return _line_after(build, arguments[-1], args, indent, new)
    close = args.end_byte - 1
    return Edit(close, close, f"\n{indent}{new},\n")


def apply_edits(data: bytes, edits: list[Edit]) -> bytes:
    """Apply edits (offsets into `data`); inserted lines end the way the file's lines mostly do."""
    crlf = data.count(b"\r\n") * 2 > data.count(b"\n")
    out = data
    for edit in sorted(edits, key=lambda e: (e.start_byte, e.end_byte), reverse=True):
        text = edit.text.replace("\n", "\r\n") if crlf else edit.text
        out = out[: edit.start_byte] + text.encode("utf-8") + out[edit.end_byte :]
    return out


def diff(root: Path, fix: FixPlan) -> str:
    chunks = []
    for path, edits in sorted(fix.edits.items()):
        try:
            before = _read_regular(path)
        except OSError:
            continue  # reported by `write`; a diff shows what would change
        if fix.digests.get(path, digest(before)) != digest(before):
            continue
        after = apply_edits(before, edits)
        rel = path.relative_to(root).as_posix()
        chunks.extend(
            difflib.unified_diff(
                before.decode("utf-8", errors="replace").splitlines(keepends=True),
                after.decode("utf-8", errors="replace").splitlines(keepends=True),
                fromfile=f"a/{rel}",
                tofile=f"b/{rel}",
            )
        )
    return "".join(chunks)


def _read_regular(path: Path) -> bytes:
    with open(path, "rb", opener=_nonblocking) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return handle.read()


def _nonblocking(path: str, flags: int) -> int:
    # A FIFO opened for reading without O_NONBLOCK waits for a writer forever.
    return os.open(path, flags | os.O_NONBLOCK)


def write(root: Path, fix: FixPlan) -> tuple[list[Path], list[WriteProblem]]:
    """Apply the plan atomically per file, never outside `root`. Returns the files written and the
    files that were not (each with why); one file that cannot be written does not stop the others."""
    written: list[Path] = []
    problems: list[WriteProblem] = []
    resolved_root = root.resolve()
    for path, edits in sorted(fix.edits.items()):
        real = path.resolve()
        if resolved_root not in real.parents:
            problems.append(WriteProblem(path, "resolves outside the workspace; not written"))
            continue
        try:
            problem = _write_one(real, edits, fix.digests.get(path))
        except OSError as error:
            problem = f"cannot write: {error.strerror or error}"
        if problem is None:
            written.append(real)
        elif problem:
            problems.append(WriteProblem(real, problem))
    return written, problems


def _write_one(real: Path, edits: list[Edit], expected: str | None) -> str | None:
    """Write one file; None when written, "" when nothing changed, else why it was not written."""
    before = _read_regular(real)
    if expected is not None and digest(before) != expected:
        return "changed on disk since it was analyzed; not written (run fix again)"
    after = apply_edits(before, edits)
    if after == before:
        return ""
    info = real.stat()
    if info.st_nlink > 1:
        return (
            f"has {info.st_nlink} hard links; rewriting it would split it from its other names, "
            f"so it is not written (fix by hand, or see `fix --diff`)"
        )
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(after)
            handle.flush()
            os.fsync(handle.fileno())
            fresh = os.fstat(handle.fileno())
            if (fresh.st_uid, fresh.st_gid) != (info.st_uid, info.st_gid):
                try:
                    os.fchown(handle.fileno(), info.st_uid, info.st_gid)
                except PermissionError:
                    os.unlink(tmp)
                    return (
                        f"owned by uid {info.st_uid}, gid {info.st_gid}: a rewrite cannot keep its owner, "
                        f"so it is not written"
                    )
            os.fchmod(handle.fileno(), info.st_mode & 0o7777)
        if digest(_read_regular(real)) != digest(before):
            os.unlink(tmp)
            return "changed on disk while it was being fixed; not written (run fix again)"
        os.replace(tmp, real)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return None
