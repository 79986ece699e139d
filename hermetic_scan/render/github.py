"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` line per finding.

https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
`file=` is relative to `cwd` when given: the CLI passes the current directory, where the workflow step
runs (usually the repository root, which may be above the Bazel workspace).
"""

from __future__ import annotations

from pathlib import Path

from hermetic_scan.engine import Result
from hermetic_scan.render.paths import FromCwd

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: Result, cwd: Path | None = None) -> str:
    lines = []
    shown = FromCwd(result.root, cwd)
    for d in result.diagnostics:
        s = d.span
        props = (
            f"file={_property(shown(s.path))},line={s.start_line + 1},col={s.start_col + 1},"
            f"endLine={s.end_line + 1},endColumn={s.end_col + 1},title={_property(d.rule)}"
        )
        where = ", ".join(f"{shown(r.path)}:{r.start_line + 1}" for r in d.related)
        message = f"{d.message} (from {where})" if where else d.message
        lines.append(f"::{COMMAND[d.severity.value]} {props}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
