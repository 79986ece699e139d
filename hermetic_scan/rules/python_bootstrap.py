"""python-bootstrap: Python tests start through a stub that runs the worker's `python3`.

## What it does
Reports `py_test` targets (native, or rules_python's), genrules that run a `py_binary` as a tool, and
targets of custom rules whose action runs a `py_binary` named by an attribute (`ctx.executable.x`,
set by the target or by the attribute's default), when the workspace keeps the default bootstrap
and the executor profile does not provide `python3`. A `.bazelrc` line setting `--@rules_python//python/config_settings:bootstrap_impl=script`
turns the check off, as does `python3` in the profile (`profile.add = ["python3"]`).

## Why it matters for remote execution
With the default bootstrap (`system_python`, and Bazel's own native rules), a Python program starts
through a Python script whose first line is `#!/usr/bin/env python3`: the hermetic interpreter of
the Python toolchain is only found after that script runs. rules_python's documentation says this
bootstrap "requires a system Python". A worker image without `python3` on PATH fails every such
test before it starts; one with a different `python3` runs the stub with it. In a WORKSPACE that
registers no Python toolchain, Bazel's autodetecting toolchain even runs the program itself with the
worker's `python3`.

## Example
```python
py_test(
    name = "parser_test",
    srcs = ["parser_test.py"],
)
```

## How to fix
Set the script bootstrap, which finds the interpreter with shell and no system Python:
`common --@rules_python//python/config_settings:bootstrap_impl=script` in `.bazelrc`. Or, when the
worker image does carry `python3`, add it to the executor profile.

## References
- https://rules-python.readthedocs.io/en/latest/api/rules_python/python/config_settings/index.html#bootstrap_impl
- https://bazel.build/reference/be/python#py_test
- https://bazel.build/docs/toolchains#toolchain-resolution (the autodetecting Python toolchain)
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model import TargetModel, tools_run
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "python-bootstrap",
    Severity.ERROR,
    ("target",),
    "Python test or tool starts through a stub that runs the worker's python3",
    blocking=True,
)

_SCRIPT_BOOTSTRAP = "bootstrap_impl=script"
_REMEDY = " (add it to the profile if the worker image has it, or use the script bootstrap)"


def check_target(tm: TargetModel, ctx: Context) -> Check:
    # What the target runs first: the .bazelrc is read for the few targets that run Python.
    runs = _what_runs_python(tm, ctx)
    if runs is None or _not_needed(ctx):
        return
    target = tm.target
    yield ctx.report(
        META,
        target.build.span(target.top_node),
        f"{runs}, which starts through Python's bootstrap stub (`#!/usr/bin/env python3`): the worker "
        f"needs `python3` on PATH, which the executor profile does not provide{_REMEDY}",
        owners={target.key},
        target=target.text,
        subject="python3",
    )


def _what_runs_python(tm: TargetModel, ctx: Context) -> str | None:
    target = tm.target
    custom = tm.rule is not None and tm.implementation is not None
    if not custom and target.kind == "py_test":
        return f"{target.text} is a py_test"
    for tool, action in tools_run(ctx.model, tm):
        if tool.target.kind != "py_binary":
            continue
        if action is None:
            return f"{target.text} runs the py_binary {tool.target.text}"
        return f"{target.text}'s {action.effective_mnemonic} action runs the py_binary {tool.target.text}"
    return None


def _not_needed(ctx: Context) -> bool:
    """The profile provides python3, or the workspace uses the script bootstrap."""
    if ctx.profile.provides("python3"):
        return True
    return any(
        _SCRIPT_BOOTSTRAP in option.text
        and option.config is None
        and option.command in ("build", "test", "common")
        for option in ctx.model.rc.options
    )
