"""missing-mnemonic: actions without a mnemonic.

## What it does
Reports `ctx.actions.run` / `run_shell` calls that pass no `mnemonic`, directly, through an alias
(`actions = ctx.actions`, `run = ctx.actions.run_shell`) or inside a helper that receives `ctx` or
`ctx.actions`. A call that forwards `**kwargs`, or passes a computed mnemonic, is not reported.

## Why it matters for remote execution
Bazel names such an action `Action`. Execution policy is set per mnemonic:
`--modify_execution_info=^TofuValidate$=+no-remote-exec`, `--strategy=TofuValidate=local`. An action
called `Action` cannot be singled out by these flags, and a regex that matches it matches every other
unnamed action too. The action still runs remotely; this is a caveat, not a blocker.

## Example
```python
ctx.actions.run_shell(
    command = "tofu fmt -check",
    outputs = [out],
)
```

## How to fix
Add `mnemonic = "TofuFmtCheck"` (CamelCase, stable, unique to what the action does).

## References
- https://bazel.build/rules/lib/builtins/actions#run (mnemonic)
- https://bazel.build/reference/command-line-reference#flag--modify_execution_info
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.actions import ActionModel
from hermetic_scan.rules.base import Check, Context, RuleMeta, action_owners, owner_target

META = RuleMeta(
    "missing-mnemonic",
    Severity.WARNING,
    ("action",),
    "Action has no mnemonic, so Bazel calls it `Action`",
    blocking=False,
)


def check_action(action: ActionModel, ctx: Context) -> Check:
    if action.mnemonic_source != "default":
        return
    callee = action.node.child_by_field_name("function") or action.node
    yield ctx.report(
        META,
        action.module.span(callee),
        f"ctx.actions.{action.kind} has no mnemonic: Bazel names it `Action`, which "
        "--modify_execution_info and --strategy cannot target",
        owners=action_owners(action),
        target=owner_target(action.owner),
    )
