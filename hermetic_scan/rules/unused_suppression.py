"""unused-suppression: a `# hermetic-scan: disable=` comment that suppresses nothing.

## What it does
Reports each rule id in a `# hermetic-scan: disable=...` or `disable-file=...` comment that matched no
finding, including ids of rules that do not exist.

## Why it matters for remote execution
A stale suppression hides the next real hazard that appears on that line, and tells readers a hazard
exists where there is none. Suppressions should track the code.

## Example
```python
genrule(
    name = "version",
    cmd = "echo 1.0 > $@",  # hermetic-scan: disable=ambient-tool
)
```

## How to fix
Delete the comment, or correct the rule id.

## References
- https://github.com/bazelbuild/buildtools/blob/main/WARNINGS.md (the `# buildifier: disable=` convention this follows)
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.rules.base import RuleMeta

# Computed by the engine after every other rule ran (it needs to know what was suppressed).
META = RuleMeta(
    "unused-suppression", Severity.INFO, (), "Suppression comment suppresses nothing", blocking=False
)
