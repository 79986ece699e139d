"""repo-rule-ambient: repository rules and module extensions that depend on the fetching machine.

## What it does
In repository rule and module extension implementations (and helpers they call):
`rctx.which("tool")`, `rctx.execute(["tool", ...])` with a bare program name, `rctx.os.environ` and
`rctx.getenv(...)`, and the same calls on a `module_ctx`. Reported at info, and listed under
`fetch_hazards` in the inventory.

## Why it matters for remote execution
Repository rules and module extensions run on the machine that runs Bazel, not on workers, so
this does not stop remote execution. But what they produce becomes the input of remote actions: a repository generated from
the host's `tofu` version or environment differs between developers and CI, so action keys differ,
remote cache hits disappear, and workers build against whatever the client happened to have.

## Example
```python
def _tofu_repo_impl(rctx):
    tofu = rctx.which("tofu")
    rctx.execute([tofu, "version"])
```

## How to fix
Download pinned binaries with `rctx.download_and_extract(..., sha256 = ...)` and run them by path;
pass settings as attributes instead of reading the environment (or declare `environ` so Bazel at
least refetches when it changes).

## References
- https://bazel.build/rules/lib/builtins/repository_ctx
- https://bazel.build/rules/lib/builtins/module_ctx (`execute`, `which`, `getenv`, `os`, as on a repository_ctx)
- https://bazel.build/external/overview#repository-rules
"""

from __future__ import annotations

from tree_sitter import Node

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.model.repository_rules import fetch_functions
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "repo-rule-ambient",
    Severity.INFO,
    ("module",),
    "Repository rule or module extension depends on the host's tools or environment",
    blocking=False,
)


def check_module(module: ModuleModel, ctx: Context) -> Check:
    data = module.source.data
    if not any(
        word in data
        for word in (
            b"repository_rule",
            b"module_extension",
            b"rctx",
            b"repository_ctx",
            b"module_ctx",
            b"mctx",
        )
    ):
        return
    for function in fetch_functions(module).values():
        if function.context:
            yield from _check_function(module, module.functions[function.name], function.context, ctx)


def _check_function(module: ModuleModel, function: Node, param: str, ctx: Context) -> Check:
    stack = [function]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type == "attribute" and module.text(node) == f"{param}.os.environ":
            yield ctx.report(
                META,
                module.span(node),
                f"reads {param}.os.environ: what it generates depends on the fetching machine's environment",
                subject="environ",
            )
        if node.type != "call":
            continue
        callee = module.text(node.child_by_field_name("function"))
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if callee == f"{param}.which":
            if first is not None and first.type == "string":
                tool = module.text(first).strip("\"'")
                message = f"{param}.which({tool!r}) uses whatever `{tool}` the fetching machine has"
            else:  # the name comes from an attribute or a variable
                tool = module.text(first) if first is not None else "?"
                message = f"{param}.which({tool}) uses whatever program of that name the fetching machine has"
            yield ctx.report(META, module.span(node), message, subject=tool)
        elif callee == f"{param}.getenv":
            yield ctx.report(
                META,
                module.span(node),
                f"{param}.getenv reads the fetching machine's environment",
                subject="environ",
            )
        elif callee == f"{param}.execute" and first is not None:
            while first.type == "binary_operator" and first.child_by_field_name("left") is not None:
                first = first.child_by_field_name("left")
            if first.type != "list" or not first.named_children:
                continue
            program = first.named_children[0]
            text = module.text(program).strip("\"'")
            if program.type == "string" and "/" not in text:
                yield ctx.report(
                    META,
                    module.span(node),
                    f"{param}.execute runs `{text}` from the fetching machine's PATH",
                    subject=text,
                )
