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

import re

from tree_sitter import Node

from hermetic_scan.diagnostics import Applicability, Edit, Fix, Severity
from hermetic_scan.model.actions import ActionModel
from hermetic_scan.model.modules import ModuleModel
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
        fix=mnemonic_fix(action),
    )


def suggested_mnemonic(function_name: str) -> str:
    """`_tofu_validate_impl` -> `TofuValidate`."""
    name = re.sub(r"(_impl|_implementation)$", "", function_name.strip("_"))
    return "".join(part.capitalize() for part in name.split("_") if part) or "Action"


def mnemonic_fix(action: ActionModel) -> Fix | None:
    """`mnemonic = "<Name>"` as the action call's first argument, the name made from the function that
    registers it: unsafe, since only a human knows whether the name says what the action does, and a
    new mnemonic changes which --strategy / --modify_execution_info lines select the action."""
    args = action.node.child_by_field_name("arguments")
    if args is None or args.type != "argument_list":
        return None
    module = action.module
    function = _enclosing_function(action.node)
    name_node = function.child_by_field_name("name") if function is not None else None
    mnemonic = suggested_mnemonic(module.text(name_node) if name_node is not None else "action")
    arguments = [a for a in args.named_children if a.type != "comment"]
    if any(a.type == "dictionary_splat" or _keyword_name(module, a) == "mnemonic" for a in arguments):
        # `mnemonic = mnemonic` of a helper whose callers may pass None: the fix is at the callers.
        return None
    first = arguments[0] if arguments else None
    if first is not None and first.type != "keyword_argument":
        return None  # a keyword argument before a positional one is a syntax error
    if first is not None and first.start_point[0] != args.start_point[0]:
        # One argument per line: a line of its own, indented like the first argument.
        line_start = module.source.line_start(first.start_point[0])
        indent = module.source.data[line_start : first.start_byte].decode("utf-8", errors="replace")
        if indent.strip():
            return None  # something else precedes the argument on its line
        edit = Edit(line_start, line_start, f'{indent}mnemonic = "{mnemonic}",\n')
    else:
        after = ", " if first is not None else ""
        edit = Edit(args.start_byte + 1, args.start_byte + 1, f'mnemonic = "{mnemonic}"{after}')
    return Fix(
        f'Add mnemonic = "{mnemonic}" (review the name)',
        module.display_path,
        (edit,),
        Applicability.UNSAFE,
    )


def _keyword_name(module: ModuleModel, argument: Node) -> str | None:
    name = argument.child_by_field_name("name") if argument.type == "keyword_argument" else None
    return module.text(name) if name is not None else None


def _enclosing_function(node: Node) -> Node | None:
    scope = node.parent
    while scope is not None and scope.type != "function_definition":
        scope = scope.parent
    return scope
