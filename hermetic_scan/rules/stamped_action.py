"""stamped-action: actions that read the workspace status files, and targets built with stamping.

## What it does
Reports uses of `ctx.version_file` / `ctx.info_file` in rule implementations (and the helpers they
call), and targets with `stamp = 1` (or `True`).

## Why it matters for remote execution
`ctx.info_file` holds the stable status (`STABLE_*` keys, host and user names, commit): an action
reading it reruns when any of them changes, and its cache key differs from machine to machine, so
remote cache hits between developers and CI disappear. `ctx.version_file` holds the volatile status
(time stamps): a change does not rerun the action, but whenever it runs its output differs, so
identical inputs give different outputs. It still runs remotely: a caveat, not a blocker.

## Example
```python
ctx.actions.run(
    inputs = [ctx.version_file],
    executable = ctx.executable._stamper,
    mnemonic = "Stamp",
)
```

## How to fix
Stamp only release targets (`stamp = -1`, driven by `--stamp` in release configs), and keep the
stable status small (only the `STABLE_` keys releases need).

## References
- https://bazel.build/docs/user-manual#workspace-status
- https://bazel.build/reference/be/c-cpp#cc_binary.stamp
"""

from __future__ import annotations

from hermetic_scan import parse
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model import TargetModel
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.model.values import Const
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "stamped-action",
    Severity.INFO,
    ("module", "target"),
    "Action reads volatile workspace status (stamping)",
    blocking=False,
)


def check_module(module: ModuleModel, ctx: Context) -> Check:
    data = module.source.data
    if b"version_file" not in data and b"info_file" not in data:
        return
    for name in (b"version_file", b"info_file"):
        for node in parse.attribute_accesses(module.parsed, name):
            # The rule context's own (`ctx`, as implementations and helpers name it): a provider's
            # field of that name (rules_apple's `version_info.version_file`) is a file another rule
            # made, which reports the status it reads itself.
            obj = node.child_by_field_name("object")
            if obj is None or obj.type != "identifier" or module.text(obj) != "ctx":
                continue
            if name == b"info_file":
                message = f"reads {module.text(node)} (stable status: host, user, commit): the cache key differs per machine and commit"
            else:
                message = f"reads {module.text(node)} (volatile status: time): outputs differ between runs with identical inputs"
            yield ctx.report(META, module.span(node), message, owners=ctx.model.owners_of(module, node))


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    value, node = target.attr("stamp"), target.attr_node("stamp")
    if (
        node is not None
        and isinstance(value, Const)
        and value.value in (True, 1)
        and value.value is not False
    ):
        yield ctx.report(
            META,
            target.call_module.span(node),
            f"{target.label} is always stamped: its actions read the workspace status of the machine that builds it",
            owners={target.key},
            target=target.text,
        )
