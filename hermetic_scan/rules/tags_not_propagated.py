"""tags-not-propagated: `no-remote-exec` tags that will not reach a Starlark rule's actions.

## What it does
When the Bazel version (`.bazelversion` or `--bazel-version`) is below 7.0 and neither
`--incompatible_allow_tags_propagation` nor `--experimental_allow_tags_propagation` is set in
`.bazelrc`, reports each `no-remote-exec` / `no-remote` / `local` tag on a target whose Starlark rule
registers actions, and once (on the first line of `.bazelrc`, where the fix goes) the targets for which the inventory suggests such a tag.

## Why it matters for remote execution
Before Bazel 7, target tags were not copied into the execution requirements of actions created by
Starlark rules unless tag propagation was enabled. The tag looks like protection but the actions
still run remotely. (A test's own TestRunner action does honour its tags.)

## Example
```python
tofu_validate(name = "network_validate", module = ":network", tags = ["no-remote-exec"])
```
with `.bazelversion` `6.4.0` and no propagation flag.

## How to fix
Add `common --incompatible_allow_tags_propagation` (Bazel 6: `--experimental_allow_tags_propagation`)
to `.bazelrc`, or set `execution_requirements = {"no-remote-exec": "1"}` on the action, or use a
`--modify_execution_info` line for its mnemonic.

## References
- https://github.com/bazelbuild/bazel/issues/8830 (tags propagation, default since 7.0)
- https://bazel.build/reference/be/common-definitions#common.tags
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity, Span
from hermetic_scan.local_keys import LOCAL_KEYS
from hermetic_scan.model import TargetModel
from hermetic_scan.model.actions import SHELL_ACTIONS
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "tags-not-propagated",
    Severity.WARNING,
    ("target", "inventory"),
    "Target tags do not reach Starlark actions before Bazel 7",
    blocking=False,
)


def major_version(version: str | None) -> int | None:
    if not version:
        return None
    head = version.strip().lstrip("v").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def needs_inventory(ctx: Context) -> bool:
    """Whether `check_inventory` can report: before Bazel 7 (the .bazelrc is read with the packages)."""
    major = major_version(ctx.bazel_version)
    return major is not None and major < 7


def _applies(ctx: Context) -> bool:
    """Bazel before 7, and no .bazelrc flag turning propagation on."""
    if not needs_inventory(ctx):
        return False
    return not ctx.model.rc.has_flag(
        "incompatible_allow_tags_propagation", "experimental_allow_tags_propagation"
    )


def check_target(tm: TargetModel, ctx: Context) -> Check:
    """Each local tag of a target whose Starlark rule registers actions (what the target's verdict
    calls `uses_starlark_actions`). Checked with the target's package: its syntax is gone by the time
    the verdicts are decided in a scan that goes package by package."""
    implementation = tm.implementation
    if tm.rule is None or implementation is None or not _applies(ctx):
        return
    if not any(action.kind in SHELL_ACTIONS for action in implementation.actions):
        return
    target = tm.target
    for tag in LOCAL_KEYS:
        for item in target.tag_nodes(tag):
            yield ctx.report(
                META,
                target.call_module.span(item),
                f"tag {tag!r} on {target.text} does not reach its {tm.rule.name} actions "
                f"under Bazel {ctx.bazel_version} without --incompatible_allow_tags_propagation",
                owners={target.key},
                target=target.text,
            )


def check_inventory(inventory: object, ctx: Context) -> Check:
    """Once, where the fix goes: the targets with Starlark actions for which the inventory of a first
    pass suggests a local tag. Read from each verdict's plain data (no model)."""
    if not _applies(ctx):
        return
    suggested = [
        verdict.label
        for verdict in inventory.targets  # type: ignore[attr-defined]
        if verdict.uses_starlark_actions and verdict.info.rule_key is not None and verdict.suggested_tags
    ]
    if suggested:
        root = ctx.model.workspace.root
        # The fix goes into .bazelrc, so the finding points there when it exists.
        path = next(
            (n for n in (".bazelrc", ".bazelversion", "MODULE.bazel", "WORKSPACE") if (root / n).is_file()),
            ".bazelversion",
        )
        yield ctx.report(
            META,
            Span(path, 0, 0, 0, 0),
            # No count in the message: a scan split across processes reports it once, whichever share saw which targets.
            f"Bazel {ctx.bazel_version} does not propagate tags to Starlark actions: the no-remote-exec tags suggested "
            "for targets with Starlark actions need --incompatible_allow_tags_propagation",
            severity=Severity.WARNING,
            owners={f"target:{label}" for label in suggested},
        )
