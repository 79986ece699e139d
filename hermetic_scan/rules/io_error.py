"""io-error: a file or directory that could not be read.

## What it does
Reports files that cannot be read (permission denied, symbolic link loops, files over the size
limit, FIFOs, devices and sockets where a file is expected) and files named by the model (scripts,
templates) that disappear while scanning; an unreadable `.bazelrc`, and an `import` line of a
`.bazelrc` whose file is missing or unreadable (Bazel stops there; a missing `try-import` is
silent, as in Bazel). The scan goes on without them.

## Why it matters for remote execution
A file the tool cannot read is a file whose hazards it cannot see; targets depending on it are not
claimed `remote-ok` on its account.

## Example
`BUILD.bazel -> BUILD.bazel` (a symbolic link to itself).

## How to fix
Make the file readable, break the link loop, or exclude the path (`.bazelignore`).

## References
- https://bazel.build/run/bazelrc#bazelignore
- https://bazel.build/run/bazelrc#imports
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity, Span
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "io-error", Severity.ERROR, ("workspace",), "File or directory could not be read", blocking=False
)


def check_workspace(ctx: Context) -> Check:
    problems = [(p.path, p.message) for p in ctx.model.workspace.problems] + ctx.facts.io_problems
    spans = [(Span(path, 0, 0, 0, 0), message) for path, message in sorted(set(problems))]
    for span, message in [*spans, *ctx.model.rc.problems]:
        yield ctx.report(META, span, message)
