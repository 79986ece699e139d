"""`path:line:col: severity: message [rule-id]`, sorted, then a summary line. A finding in a .bzl
file or a script names the targets it concerns after the rule id.

Paths are relative to `cwd` when given (the CLI passes the current directory: render/paths.py).
With `color`, severities, rule ids and locations are set off with ANSI SGR codes.
"""

from __future__ import annotations

from pathlib import Path

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.engine import Result
from hermetic_scan.render.paths import FromCwd

RESET = "\x1b[0m"
SEVERITY_COLOR = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
LOCATION_COLOR = "\x1b[1m"
RULE_COLOR = "\x1b[2m"


def _targets(d: Diagnostic) -> str:
    """For a finding outside a BUILD file (a macro, a script), the targets it is about: the line alone
    does not say which of the macro's callers or the script's runners it concerns."""
    if d.span.path.rsplit("/", 1)[-1] in ("BUILD", "BUILD.bazel"):
        return ""
    labels = sorted(owner.removeprefix("target:") for owner in d.owners if owner.startswith("target:"))
    if not labels:
        return ""
    if len(labels) == 1:
        return f" (target {labels[0]})"
    return f" (targets {labels[0]} and {len(labels) - 1} more)"


def _related(d: Diagnostic, shown: FromCwd) -> str:
    """Where a finding shown at a target's line comes from."""
    if not d.related:
        return ""
    places = ", ".join(f"{shown(s.path)}:{s.start_line + 1}" for s in d.related)
    return f" (from {places})"


def render(result: Result, cwd: Path | None = None, color: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    lines = []
    shown = FromCwd(result.root, cwd)
    for d in result.diagnostics:
        where = f"{shown(d.span.path)}:{d.span.start_line + 1}:{d.span.start_col + 1}"
        severity = d.severity.value
        lines.append(
            f"{paint(LOCATION_COLOR, where)}: {paint(SEVERITY_COLOR[severity], severity)}: "
            f"{d.message} {paint(RULE_COLOR, f'[{d.rule}]')}{_targets(d)}{_related(d, shown)}"
        )
    counts = result.counts()
    total = len(result.diagnostics)
    files = len({d.span.path for d in result.diagnostics})
    lines.append(
        f"{total} finding{'s' if total != 1 else ''} in {files} file{'s' if files != 1 else ''} "
        f"({counts['error']} error, {counts['warning']} warning, {counts['info']} info); "
        f"{result.files_scanned} Starlark files, {result.targets_scanned} targets scanned"
        + (f"; {result.baselined} baselined" if result.baselined else "")
    )
    return "\n".join(lines) + "\n"
