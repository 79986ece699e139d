"""`path:line:col: severity: message [rule-id]`, sorted, then a summary line."""

from __future__ import annotations

from hermetic_scan.engine import Result


def render(result: Result) -> str:
    lines = [
        f"{d.span.path}:{d.span.start_line + 1}:{d.span.start_col + 1}: {d.severity.value}: {d.message} [{d.rule}]"
        for d in result.diagnostics
    ]
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
