"""internal-error: the tool failed while analyzing one file; the rest of the scan went on.

## What it does
Reports a file whose analysis raised an unexpected error (a bug in hermetic-scan, or input it does
not handle), with the error's type. Files nested too deeply to analyze (hundreds of brackets or
calls inside each other, a concatenation of a thousand terms) are reported here too, as too
complex. Every other file is still analyzed and reported as usual; the run exits 1 like for any
error finding, not 3 (which is kept for a failure of the tool as a whole).

## Why it matters for remote execution
What the tool could not analyze it cannot vouch for: targets of that file may be missing from the
inventory or reported `unknown` instead of `remote-ok`.

## Example
```python
x = [[[[[[[[ ... ]]]]]]]]  # nested several hundred levels deep
```

## How to fix
Simplify the expression if it is too deeply nested. Otherwise report the finding (file and error
type) to the hermetic-scan maintainers; suppress it meanwhile with
`# hermetic-scan: disable-file=internal-error`.

## References
- https://docs.python.org/3/library/exceptions.html#RecursionError
- https://github.com/bazelbuild/starlark/blob/master/spec.md
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity, Span
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "internal-error", Severity.ERROR, ("workspace",), "The analysis of a file failed", blocking=False
)


def check_workspace(ctx: Context) -> Check:
    for path, message in sorted(set(ctx.facts.internal_problems)):
        yield ctx.report(META, Span(path, 0, 0, 0, 0), message)
