"""workspace-dir: reads of BUILD_WORKSPACE_DIRECTORY / BUILD_WORKING_DIRECTORY outside `bazel run`.

## What it does
Finds reads of `$BUILD_WORKSPACE_DIRECTORY` and `$BUILD_WORKING_DIRECTORY` in shell that Bazel runs:
`ctx.actions.run_shell` commands, scripts written by `ctx.actions.write` / `expand_template` and run
by an action or as a test, genrule commands, `sh_test` scripts, and values of an action's `env`.
In the launcher of an executable (non-test) rule or an `sh_binary`, which `bazel run` executes on
the developer's machine, the read is the documented contract and is reported at `info`.

## Why it matters for remote execution
Bazel sets these variables only for `bazel run`. Under `bazel build` and `bazel test` they are unset,
and on a remote worker there is no source tree to point at: a script that `cd`s into
`$BUILD_WORKSPACE_DIRECTORY` works on a laptop (by accident, when someone exported it) and fails,
or silently does something else, on an executor.

## Example
```python
ctx.actions.write(output = script, is_executable = True, content = \"\"\"
cd "$BUILD_WORKSPACE_DIRECTORY/infra"   # the sandbox has no such directory
tofu fmt -check
\"\"\")
```

## How to fix
Work on declared inputs: pass the files as `srcs`/runfiles and use their paths (`$(rootpath ...)`,
`File.short_path`). Keep `BUILD_WORKSPACE_DIRECTORY` for `bazel run` tools that must edit the
source tree (formatters that write back), and give them a separate, executable (non-test) rule.

## References
- https://bazel.build/docs/user-manual#run (environment of `bazel run`)
- https://bazel.build/reference/test-encyclopedia (the test environment)
"""

from __future__ import annotations

from hermetic_scan import shell
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.actions import ActionModel, ShellSite
from hermetic_scan.model.values import Str
from hermetic_scan.rules.base import Check, Context, RuleMeta, action_owners, owner_target, site_owners

META = RuleMeta(
    "workspace-dir",
    Severity.ERROR,
    ("site", "action"),
    "Reads BUILD_WORKSPACE_DIRECTORY, which only `bazel run` sets",
    blocking=True,
)


def check_site(site: ShellSite, ctx: Context) -> Check:
    if not site.is_shell:
        return
    facts = shell.analyze(site.text.text)
    for read in facts.reads:
        if not shell.is_workspace_variable(read.name) or read.name in site.preset:
            continue  # a variable the sourcing script set is the caller's value, not `bazel run`'s
        span = site.text.span(read.start, read.end)
        if span is None:
            continue
        if site.context == "launcher":
            yield ctx.report(
                META,
                span,
                f"${read.name} is read by a `bazel run` launcher: fine under `bazel run` only",
                severity=Severity.INFO,
                owners=site_owners(site),
                target=owner_target(site.owner),
            )
        elif read.guarded:
            where = "this test" if site.context == "test" else "this action"
            yield ctx.report(
                META,
                span,
                f"${read.name} is read only where it is set (`bazel run`); on a worker {where} takes the "
                "other branch, which should not depend on the workspace",
                severity=Severity.INFO,
                owners=site_owners(site),
                target=owner_target(site.owner),
            )
        else:
            where = "this test" if site.context == "test" else "this action"
            yield ctx.report(
                META,
                span,
                f"${read.name} is set only by `bazel run`; in {where} it is unset, and a remote worker has no workspace",
                owners=site_owners(site),
                target=owner_target(site.owner),
            )


def check_action(action: ActionModel, ctx: Context) -> Check:
    if action.env is None:
        return
    for _key, value, _knode, vnode in action.env.items:
        if not isinstance(value, Str) or vnode is None:
            continue
        for name in ("BUILD_WORKSPACE_DIRECTORY", "BUILD_WORKING_DIRECTORY"):
            index = value.text.text.find(name)
            if index != -1:
                span = value.text.span(index, index + len(name)) or action.module.span(vnode)
                yield ctx.report(
                    META,
                    span,
                    f"action env passes ${name}, which is set only by `bazel run`",
                    owners=action_owners(action),
                    target=owner_target(action.owner),
                )
