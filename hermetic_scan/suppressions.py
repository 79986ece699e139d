"""`# hermetic-scan: disable=rule-id[,rule-id]` and `# hermetic-scan: disable-file=rule-id` comments.

A line suppression applies to findings on its own line, on the next line (a comment alone on the
line above), and, in Starlark files, to findings anywhere inside a call whose span contains the
comment (like buildifier's `# buildifier: disable=`). A file suppression applies to the whole file.
Works in BUILD, .bzl, .bazelrc, templates and shell scripts alike: they all use `#` comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from hermetic_scan.diagnostics import Applicability, Diagnostic, Edit, Fix
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.source import SourceFile

COMMENT = re.compile(
    r"#\s*hermetic-scan:\s*(?P<kind>disable-file|disable)=(?P<ids>[a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)"
)


@dataclass(eq=False)
class Suppression:
    path: str
    line: int  # 0-based
    byte: int
    rule: str
    whole_file: bool
    alone: bool  # the comment is alone on its line
    used: bool = False


def find(source: SourceFile) -> list[Suppression]:
    if b"hermetic-scan:" not in source.data:
        return []
    out = []
    for line_number in range(source.line_count()):
        text = source.line_text(line_number)
        for match in COMMENT.finditer(text):
            alone = text[: match.start()].strip() == ""
            start = source._line_starts[line_number] + len(text[: match.start()].encode("utf-8"))
            for rule in (r.strip() for r in match.group("ids").split(",")):
                out.append(
                    Suppression(
                        source.path, line_number, start, rule, match.group("kind") == "disable-file", alone
                    )
                )
    return out


def _enclosing_calls(module: ModuleModel | None, byte: int) -> list[tuple[int, int]]:
    if module is None:
        return []
    node: Node | None = module.root.descendant_for_byte_range(byte, byte)
    spans = []
    while node is not None:
        if node.type == "call":
            spans.append((node.start_byte, node.end_byte))
        node = node.parent
    return spans


def collect(sources: dict[str, SourceFile]) -> dict[str, list[Suppression]]:
    by_path: dict[str, list[Suppression]] = {}
    for path, source in sources.items():
        found = find(source)
        if found:
            by_path[path] = found
    return by_path


def apply(
    diagnostics: list[Diagnostic],
    by_path: dict[str, list[Suppression]],
    modules: dict[str, ModuleModel],
) -> list[Diagnostic]:
    """Drop suppressed diagnostics, marking the suppressions that matched as used."""
    kept = []
    for d in diagnostics:
        suppressed = False
        calls: list[tuple[int, int]] | None = None
        for s in by_path.get(d.span.path, []):
            if s.rule != d.rule:
                continue
            hit = s.whole_file or s.line == d.span.start_line or (s.alone and s.line + 1 == d.span.start_line)
            if not hit and d.span.path in modules:
                if calls is None:
                    calls = _enclosing_calls(modules[d.span.path], d.span.start_byte)
                hit = any(start <= s.byte < end for start, end in calls)
            if hit:
                s.used = True
                suppressed = True
        if not suppressed:
            kept.append(d)
    return kept


def suppress_fix(source: SourceFile, rule: str, line: int) -> Fix:
    """The edit that silences `rule` on `line`: its id added to the line's suppression comment, or a
    new comment at the end of the line. Offered for every finding; never applied by `fix`."""
    text = source.line_text(line)
    start = source.line_start(line)
    existing = COMMENT.search(text)
    if existing is not None and existing.group("kind") == "disable":
        at = start + len(text[: existing.end("ids")].encode("utf-8"))
        edit = Edit(at, at, f",{rule}")
    else:
        at = start + len(text.rstrip("\r\n").encode("utf-8"))
        edit = Edit(at, at, f"  # hermetic-scan: disable={rule}")
    return Fix(f"Suppress {rule} on this line", source.path, (edit,), Applicability.UNSAFE)
