"""parse-error: a file the tool could not read as Starlark (or as UTF-8 text).

## What it does
Reports the first syntax error in a BUILD, .bzl, WORKSPACE or MODULE.bazel file, and files that are
not UTF-8 text (binary files, other encodings). The rest of the file, and the rest of the workspace,
is still analyzed.

## Why it matters for remote execution
What the tool cannot parse it cannot vouch for: targets whose rules live in a file with an error may
be reported `unknown` rather than `remote-ok`.

## Example
```python
genrule(
    name = "broken",
    cmd = "echo hi > $@"
    outs = ["x"],   # missing comma above
)
```

## How to fix
Fix the syntax error (`buildifier` shows the same place). Save files as UTF-8.

## References
- https://bazel.build/concepts/build-files
- https://github.com/bazelbuild/starlark/blob/master/spec.md
"""

from __future__ import annotations

from hermetic_scan.diagnostics import Severity
from hermetic_scan.model.modules import ModuleModel
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "parse-error", Severity.ERROR, ("module",), "File is not valid Starlark or not UTF-8 text", blocking=False
)


def check_module(module: ModuleModel, ctx: Context) -> Check:
    data = module.source.data
    if b"\x00" in data[:8192]:
        yield ctx.report(
            META, module.source.span(0, 0), "binary file (contains NUL bytes); not analyzed as Starlark"
        )
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        yield ctx.report(
            META,
            module.source.span(error.start, error.start + 1),
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); analyzed with replacement characters",
        )
    error_node = module.parsed.first_error
    if error_node is not None:
        snippet = (
            module.text(error_node).strip().splitlines()[0][:40] if module.text(error_node).strip() else ""
        )
        what = f"unexpected {snippet!r}" if snippet else "missing token"
        yield ctx.report(
            META,
            module.span(error_node),
            f"syntax error: {what}; the rest of the file is analyzed as far as possible",
        )
