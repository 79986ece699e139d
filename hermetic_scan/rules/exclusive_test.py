"""exclusive-test: tests tagged `exclusive`, which Bazel runs locally.

## What it does
Lists test targets whose tags contain `exclusive`. The inventory counts them as effectively local
(`no-remote-exec`, `already_tagged`).

## Why it matters for remote execution
Bazel runs exclusive tests one at a time and, unless `--incompatible_exclusive_test_sandboxed` is
set, outside the sandbox and not remotely. Often the tag was added to serialise access to something
on the host (a port, a device, a global directory); each is a test that remote execution will not
speed up.

## Example
```python
sh_test(name = "db_migration_test", srcs = ["migrate_test.sh"], tags = ["exclusive"])
```

## How to fix
If the test only needs isolation, remove the shared host resource and the tag. Otherwise keep it
and count it as local in the rollout plan.

## References
- https://bazel.build/reference/be/common-definitions#common.tags (exclusive)
- https://bazel.build/reference/command-line-reference#flag--incompatible_exclusive_test_sandboxed
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model import TargetModel
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "exclusive-test", Severity.INFO, ("target",), "Test tagged exclusive runs locally", blocking=False
)


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    if not target.is_test:
        return
    for item in target.tag_nodes("exclusive"):
        yield ctx.report(
            META,
            target.call_module.span(item),
            f"{target.label} is exclusive: Bazel runs it locally, one test at a time",
            owners={target.key},
            target=target.text,
        )
