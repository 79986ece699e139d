"""default-shell-env: actions that take the host's shell environment.

## What it does
Reports `use_default_shell_env = True` in `ctx.actions.run` / `run_shell` (warning), and a value the
tool cannot decide statically, such as a parameter or attribute (info, naming what it depends on).

## Why it matters for remote execution
With `use_default_shell_env = True` the action's environment is the client's shell environment
(filtered by `--action_env`), including `PATH`. Locally that makes programs on the developer's PATH
visible to the action; on a worker the PATH is the worker image's, so the same action finds other
tools or none. The host values also enter the action key, so two developers get different cache
keys. Under `--incompatible_strict_action_env` the PATH is fixed, which helps caching but still does
not make undeclared tools appear on a worker. On its own this finding does not block remote
execution; it is a caveat in the inventory.

## Example
```python
ctx.actions.run(
    executable = script,
    mnemonic = "TofuValidate",
    use_default_shell_env = True,
)
```

## How to fix
Drop `use_default_shell_env`, declare the tools the action needs (`tools`, toolchains) and set the
variables it needs explicitly with `env = {...}`.

## References
- https://bazel.build/rules/lib/builtins/actions#run (use_default_shell_env)
- https://bazel.build/reference/command-line-reference#flag--incompatible_strict_action_env
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.actions import ActionModel
from hermetic_scan.rules.base import Check, Context, RuleMeta, action_owners, owner_target

META = RuleMeta(
    "default-shell-env",
    Severity.WARNING,
    ("action",),
    "Action inherits the host shell environment (use_default_shell_env = True)",
    blocking=False,
)


def check_action(action: ActionModel, ctx: Context) -> Check:
    node = action.shell_env_node
    if node is None:
        return
    span = action.module.span(node)
    common = {"owners": action_owners(action), "target": owner_target(action.owner)}
    if action.shell_env == "true":
        yield ctx.report(
            META,
            span,
            f"ctx.actions.{action.kind} uses the host shell environment (PATH and all); a remote worker's differs",
            **common,  # type: ignore[arg-type]
        )
    elif action.shell_env == "dynamic":
        yield ctx.report(
            META,
            span,
            f"use_default_shell_env depends on `{action.shell_env_why}`; when true the action inherits the host environment",
            severity=Severity.INFO,
            **common,  # type: ignore[arg-type]
        )
