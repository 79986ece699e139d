"""load-cycle: .bzl files that load each other in a cycle.

## What it does
Reports a load() that closes a cycle (`a.bzl` loads `b.bzl`, which loads `a.bzl`). The tool stops
following the cycle there.

## Why it matters for remote execution
Bazel rejects such files, so every target depending on them fails to load; the tool cannot analyze
the rules involved and reports their targets `unknown`.

## Example
```python
# a.bzl
load(":b.bzl", "helper")
# b.bzl
load(":a.bzl", "other")
```

## How to fix
Move the shared definitions into a third file that both load.

## References
- https://bazel.build/extending/concepts#loading-an-extension
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "load-cycle", Severity.ERROR, ("workspace",), "load() statements form a cycle", blocking=False
)


def check_workspace(ctx: Context) -> Check:
    for kind, span, message in ctx.facts.load_problems:
        if kind == "cycle":
            yield ctx.report(META, span, message)
