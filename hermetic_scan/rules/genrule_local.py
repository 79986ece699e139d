"""genrule-local: targets that run locally (`local = True`, tag `local`) or unsandboxed (`no-sandbox`).

## What it does
Lists genrules and tests with `local = True` (or `1`) and targets tagged `local`: the inventory counts
them as `no-remote-exec` with `already_tagged`. Also lists targets tagged `no-sandbox`, which run
unsandboxed locally but, as Bazel's documentation says, can still be cached or run remotely: they are
not counted as local.

## Why it matters for remote execution
`local` targets never run on a remote executor. `no-sandbox` targets can read anything on the host
when they run locally, so a local run proves nothing about how they will behave remotely. They are the first candidates to revisit once remote execution works: each one is a piece of
the build that does not benefit from it.

## Example
```python
genrule(
    name = "host_info",
    outs = ["host.txt"],
    cmd = "uname -a > $@",
    local = True,
)
```

## How to fix
Nothing is broken. When the target no longer needs the host, drop `local`/`no-sandbox` and let the
inventory say whether it is `remote-ok`.

## References
- https://bazel.build/reference/be/general#genrule.local
- https://bazel.build/reference/be/common-definitions#common.tags (no-sandbox: "can still be cached or run remotely")
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model import TargetModel
from hermetic_scan.model.values import Const
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "genrule-local",
    Severity.INFO,
    ("target",),
    "Target already runs locally (local / no-sandbox)",
    blocking=False,
)

# The tags reported, with what each means for the target.
TAGS = (
    ("local", "it runs locally, never remotely"),
    ("no-sandbox", "unsandboxed locally, yet it may still run remotely"),
)


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    if target.kind == "genrule" or target.is_test:
        local = target.attr("local")
        node = target.attr_node("local")
        if node is not None and isinstance(local, Const) and local.value in (True, 1):
            yield ctx.report(
                META,
                target.call_module.span(node),
                f"{target.label} runs locally (local = True): never remotely",
                owners={target.key},
                target=target.text,
            )
    for tag, consequence in TAGS:
        for item in target.tag_nodes(tag):
            yield ctx.report(
                META,
                target.call_module.span(item),
                f"{target.label} is tagged '{tag}': {consequence}",
                owners={target.key},
                target=target.text,
            )
