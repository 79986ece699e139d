"""silent-skip: tests that pass when their tool or input is missing.

## What it does
Finds test scripts (`sh_test` sources, the executable script of a `test = True` rule) that `exit 0`
when a probe fails: `command -v tofu || exit 0`, `if ! which x; then echo SKIP; exit 0; fi`,
`[ -x /usr/bin/x ] || exit 0`.

## Why it matters for remote execution
On a developer machine the tool is there and the test runs. On a remote worker it usually is not, so
the test exits 0 and Bazel records a pass (and caches it). The build is green and proves nothing;
nobody notices until the thing the test guarded breaks.

## Example
```bash
#!/usr/bin/env bash
if ! command -v tofu >/dev/null; then
  echo "tofu not installed, skipping"
  exit 0
fi
tofu fmt -check
```

## How to fix
Declare the tool (a `data` dependency or toolchain, found through runfiles) so it is always there, or
fail loudly (`exit 1`). If a test really cannot run everywhere, express that in Bazel with
`target_compatible_with` or tags, not with a silent pass.

## References
- https://bazel.build/reference/test-encyclopedia (test exit codes)
- https://bazel.build/extending/platforms#skipping-incompatible-targets
"""

from __future__ import annotations

from hermetic_scan import shell
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.actions import ShellSite
from hermetic_scan.rules.base import Check, Context, RuleMeta, owner_target, site_owners

META = RuleMeta(
    "silent-skip",
    Severity.WARNING,
    ("site",),
    "Test exits 0 when its tool or input is missing",
    blocking=True,
)


def check_site(site: ShellSite, ctx: Context) -> Check:
    if not site.is_shell:
        return
    if site.context != "test":
        return
    for skip in shell.analyze(site.text.text).skips:
        span = site.text.span(skip.start, skip.end)
        if span is None:
            continue
        yield ctx.report(
            META,
            span,
            f"the test exits 0 when `{skip.probe}` is missing: on a worker without it, it passes without testing anything",
            owners=site_owners(site),
            target=owner_target(site.owner),
            subject=skip.probe,
        )
