"""host-env: the developer's environment leaking into actions and tests.

## What it does
Reports, in `.bazelrc`: `--action_env=NAME`, `--test_env=NAME` and `--repo_env=NAME` without a value
(they copy the client's value), any `--action_env=PATH`, `--test_env=BUILD_WORKSPACE_DIRECTORY`
(error: a test that needs it cannot run anywhere but a workspace) and
`--incompatible_strict_action_env=false` / `--noincompatible_strict_action_env`. In BUILD files,
`env_inherit` on tests. In .bzl files, reads of `ctx.configuration.default_shell_env`.

## Why it matters for remote execution
Inherited variables make the action's environment, and so its cache key and behaviour, depend on the
machine that started the build. A worker sees the values of the client that sent the action, which
may point at paths that exist only there (`PATH=/home/me/bin:...`). Each developer gets their own
cache keys, and remote results stop being shared.

## Example
```
build --action_env=PATH
test --test_env=KUBECONFIG
```

## How to fix
Give fixed values (`--action_env=LANG=C.UTF-8`), keep `--incompatible_strict_action_env`, and pass
what a test needs as a declared input rather than through the environment.

## References
- https://bazel.build/reference/command-line-reference#flag--action_env
- https://bazel.build/reference/be/common-definitions#test.env_inherit
"""

from __future__ import annotations

from hermetic_scan import parse
from hermetic_scan.diagnostics import Severity
from hermetic_scan.model import TargetModel
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "host-env",
    Severity.WARNING,
    ("workspace", "target", "module"),
    "Host environment variables reach actions or tests",
    blocking=False,
)

INHERITING = ("--action_env", "--test_env", "--repo_env")


def check_workspace(ctx: Context) -> Check:
    for option in ctx.model.rc.options:
        name, value = option.name, option.value
        if name in ("--noincompatible_strict_action_env",) or (
            name == "--incompatible_strict_action_env" and value in ("false", "0", "no")
        ):
            yield ctx.report(
                META,
                option.span,
                "strict action env is turned off: actions see the client's PATH and LD_LIBRARY_PATH",
            )
            continue
        if name not in INHERITING or value is None:
            continue
        variable, has_value, _ = value.partition("=")
        if name == "--test_env" and variable == "BUILD_WORKSPACE_DIRECTORY":
            yield ctx.report(
                META,
                option.span,
                "tests are given BUILD_WORKSPACE_DIRECTORY: they will depend on a source tree no worker has",
                severity=Severity.ERROR,
                subject=variable,
            )
        elif name == "--action_env" and variable == "PATH":
            yield ctx.report(
                META,
                option.span,
                "--action_env=PATH puts a host PATH into every action's environment and cache key",
                subject=variable,
            )
        elif not has_value:
            yield ctx.report(
                META,
                option.span,
                f"{name}={variable} copies the client's ${variable} into {'tests' if name == '--test_env' else 'actions' if name == '--action_env' else 'repository rules'}",
                subject=variable,
            )


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    node = target.attr_node("env_inherit")
    if node is None or not target.is_test:
        return
    yield ctx.report(
        META,
        target.call_module.span(node),
        f"env_inherit copies the client's environment into {target.label}",
        owners={target.key},
        target=target.text,
    )


def check_module(module: ModuleModel, ctx: Context) -> Check:
    if b"configuration.default_shell_env" not in module.source.data:
        return
    for node in parse.attribute_accesses(module.parsed, b"default_shell_env"):
        obj = node.child_by_field_name("object")
        if obj is None or obj.type != "attribute" or not module.text(obj).endswith(".configuration"):
            continue
        yield ctx.report(
            META,
            module.span(node),
            "reads ctx.configuration.default_shell_env: the host's environment enters the action",
            owners=ctx.model.owners_of(module, node),
        )
