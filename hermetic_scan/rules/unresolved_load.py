"""unresolved-load: a load() whose file the tool cannot find.

## What it does
Reports, once per load statement, a label whose repository or file is not available: typically an
external repository (`@rules_foo//:defs.bzl`) whose sources were not given with `--repo NAME=PATH`
or `--external DIR` and are not in the output base of an earlier build (found through the
workspace's `bazel-*` symlinks). Labels that climb out of their repository (`//../x.bzl`) are refused here too.

## Why it matters for remote execution
Rules and macros loaded from an unresolved file cannot be analysed. Targets that use them are
reported `unknown`, never `remote-ok` (unless the rule is in the tool's small table of well-known
external rules, and then the inventory says so).

## Example
```python
load("@rules_tf//tf:defs.bzl", "tf_validate_test")
```

## How to fix
Build once (`bazel build //...` fetches the repositories; the tool then finds them), or point the
tool at the repository: `--repo rules_tf=/path/to/rules_tf`, or at Bazel's external
directory: `--external "$(bazel info output_base)/external"`.

## References
- https://bazel.build/concepts/labels
- https://bazel.build/external/overview
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "unresolved-load",
    Severity.INFO,
    ("workspace",),
    "load() names a file that is not available",
    blocking=False,
)


def check_workspace(ctx: Context) -> Check:
    for kind, span, message in ctx.facts.load_problems:
        if kind in ("unresolved", "refused", "io"):
            yield ctx.report(META, span, message)
