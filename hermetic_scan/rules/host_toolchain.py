"""host-toolchain: a rule's toolchain runs a program the fetching machine's PATH had.

## What it does
Finds rules that ask for a toolchain type (`rule(toolchains = [...])`) whose toolchain is written by
a repository rule that looks its program up with `rctx.which("tool")`: the BUILD file it writes
(`rctx.file` or `rctx.template`) declares `toolchain(toolchain_type = ...)` for that type. Every
target of such a rule gets the finding, unless the rule registers no action and is neither a test
nor executable (a flag that says whether the toolchain is usable runs nothing).

Also finds the same thing without a toolchain: a repository rule that links a program `which()` found
into the repository it makes (`rctx.symlink(rctx.which("bazel"), "bazel")`, a common way to give
integration tests "the installed Bazel"), instantiated in MODULE.bazel (`use_repo_rule`) or WORKSPACE;
an `sh_test` with one of its files in `srcs`/`data`, or a genrule with one in `tools`, is reported. Programs the executor profile provides (`bash`, `sh`...)
are not reported; C++ toolchains, which every remote setup replaces, are left out.

## Why it matters for remote execution
Repository rules run on the machine that runs Bazel. `which()` returns a path on that machine
(`/usr/local/bin/rpmbuild`, `/opt/homebrew/bin/asciidoc`), and the toolchain hands that string to
the rule's actions, which run it wherever they execute. The action is not hermetic even locally (the
program is not an input, so its version is not in the cache key), and a remote worker has the
program only if its image happens to put it at the same path.

## Example
```python
# toolchains/pdf/configure.bzl: runs at fetch time
def _impl(rctx):
    rctx.template("BUILD", Label("//toolchains/pdf:BUILD.tpl"), {"{PATH}": str(rctx.which("wkhtmltopdf"))})

# docs/render.bzl
html_to_pdf = rule(
    implementation = _render,
    toolchains = ["//toolchains/pdf:toolchain_type"],
)
```

## How to fix
Download a pinned build of the program in the repository rule (`rctx.download_and_extract` with
`sha256`) and give the toolchain a label (`attr.label(executable = True, cfg = "exec")`) instead of
a path, or register a second toolchain for the worker platform. If the worker image does carry the
program at the same path, add it to the executor profile (`[tool.hermetic-scan] profile.add`).
Otherwise tag the targets `no-remote-exec`.

The same for a linked program: depend on a pinned download of it, or tag the tests
`no-remote-exec` (nested Bazel builds seldom belong on a remote worker anyway).

## References
- https://bazel.build/extending/toolchains
- https://bazel.build/rules/lib/builtins/repository_ctx#which
- https://bazel.build/external/repo#when_is_the_implementation_function_executed
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from hermetic_scan.diagnostics import Severity, Span
from hermetic_scan.labels import repository_of
from hermetic_scan.model import TargetModel
from hermetic_scan.model.values import ListV, RuleClass, Str
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "host-toolchain",
    Severity.ERROR,
    ("rule", "target"),
    "A toolchain or repository hands actions a program found on the fetching machine's PATH",
    blocking=True,
)
# Attributes whose labels a test or genrule runs, or may run (the test's data, the genrule's tools).
_RUN_ATTRIBUTES = {"sh_test": ("srcs", "data"), "genrule": ("tools",)}


def check_target(tm: TargetModel, ctx: Context) -> Check:
    target = tm.target
    attributes = _RUN_ATTRIBUTES.get(target.kind)
    if attributes is None:
        return
    seen: set[str] = set()
    for attribute in attributes:
        value = target.attr(attribute)
        for item in value.items if isinstance(value, ListV) else ():
            if not isinstance(item, Str) or not item.text.text.startswith("@"):
                continue
            repository = repository_of(item.text.text)
            if repository in seen:
                continue
            seen.add(repository)
            link = ctx.model.host_link(repository)
            missing = [t for t in link.tools if not ctx.profile.provides(t)] if link is not None else []
            if link is None or not missing or all(t.endswith(".exe") for t in missing):
                continue
            names = ", ".join(f"`{t}`" for t in missing if not t.endswith(".exe"))
            where = f"{link.span.path}:{link.span.start_line + 1}"
            span = item.text.span(0, len(item.text.text)) or target.call_module.span(target.call.node)
            yield ctx.report(
                META,
                span,
                f"{target.kind} runs files of @{repository}, whose repository rule "
                f"{link.repository_rule} ({where}) links the fetching machine's {names} into it: the "
                "program (Bazel follows the link) is whatever that machine has installed, unpinned, and "
                "what it needs from that installation is not an input",
                owners={target.key},
                target=target.text,
                subject=repository,
            )


def check_rule(rule: RuleClass, ctx: Context) -> Check:
    model = ctx.model
    implementation = model.implementations.get(rule.key)
    if not (rule.test or rule.executable or implementation is None or implementation.actions):
        return  # a rule that runs nothing (a flag, a provider): its toolchain's path is data
    for toolchain_type in dict.fromkeys(rule.toolchains):
        found = model.host_toolchain(rule, toolchain_type)
        if found is None:
            continue
        missing = [t for t in found.tools if not ctx.profile.provides(t.removesuffix(".exe"))]
        if not missing and not (found.unnamed and not found.tools):
            continue
        where = f"{found.span.path}:{found.span.start_line + 1}"
        if missing:
            programs = ", ".join(f"`{t}`" for t in missing)
            what = f"which({missing[0]!r})" if len(missing) == 1 else "which()"
            ran = f"the fetching machine's {programs} by absolute path"
        else:
            what, ran = "which()", "a program found on the fetching machine's PATH"
        yield ctx.report(
            META,
            _span(rule, toolchain_type),
            f"{rule.name} uses toolchain type {toolchain_type}, which repository rule "
            f"{found.repository_rule} ({where}) configures with {what}: its actions run {ran}; "
            "a remote worker has it only if its image has the same program at the same path",
            # The actions too: an action already pinned local (`execution_requirements`) keeps the
            # target's verdict "kept local", not "missing tag".
            owners={rule.key, *(a.key for a in implementation.actions)} if implementation else {rule.key},
            subject=missing[0] if missing else "which",
        )


def _span(rule: RuleClass, toolchain_type: str) -> Span:
    """The toolchain type in the rule's `toolchains` list, else the rule() call."""
    module = rule.module
    args = rule.node.child_by_field_name("arguments")
    for arg in args.named_children if args is not None else []:
        name = arg.child_by_field_name("name") if arg.type == "keyword_argument" else None
        value = arg.child_by_field_name("value")
        if name is None or value is None or module.text(name) != "toolchains":
            continue
        item = _item_naming(module.text, value, toolchain_type)
        return module.span(item if item is not None else arg)
    return module.span(rule.node)


def _item_naming(text: Callable[[Node], str], value: Node, toolchain_type: str) -> Node | None:
    if value.type != "list":
        return None
    for item in value.named_children:
        if toolchain_type in text(item):
            return item
    return None
