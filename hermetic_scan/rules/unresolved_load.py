"""unresolved-load: a load() whose file the tool cannot find.

## What it does
Reports a load() whose repository or file is not available. A missing repository is reported once,
at its first load, with the number of loads and files that name it: typically an external repository
(`@rules_foo//:defs.bzl`) whose sources were not given with `--repo NAME=PATH` or `--external DIR`
and are not in the output base of an earlier build (found through the workspace's `bazel-*`
symlinks). The message says when the knowledge base of rulesets covers it. A missing file in an
available repository, or a label that climbs out of its repository, is reported at each load. Labels that climb out of their repository (`//../x.bzl`) are refused here too.

## Why it matters for remote execution
Rules and macros loaded from an unresolved file cannot be analyzed. Targets that use them are
reported `unknown`, never `remote-ok` (unless the rule is in the tool's small table of well-known
external rules, and then the inventory says so).

## Example
```python
load("@rules_tf//tf:defs.bzl", "tf_validate_test")
```

## How to fix
Build once (`bazel build //...` fetches the repositories; the tool then finds them), or point the
tool at the repository: `--repo rules_tf=/path/to/rules_tf`, or at Bazel's external
directory: `--external "$(bazel info output_base)/external"`.

## References
- https://bazel.build/concepts/labels
- https://bazel.build/external/overview
"""

from __future__ import annotations

import re
from collections import defaultdict

from hermetic_scan.diagnostics import Severity, Span
from hermetic_scan.knowledge import package_manager
from hermetic_scan.model.modules import missing_repository
from hermetic_scan.rules.base import Check, Context, RuleMeta
from hermetic_scan.workspace import LoadSite

META = RuleMeta(
    "unresolved-load",
    Severity.INFO,
    ("workspace",),
    "load() names a file that is not available",
    blocking=False,
)


_MISSING_REPOSITORY = re.compile(r"repository @(\S+) is not available$")


def check_workspace(ctx: Context) -> Check:
    by_repository: dict[str, list[tuple[Span, str]]] = defaultdict(list)
    for kind, span, message in ctx.facts.load_problems:
        if kind not in ("unresolved", "refused", "io"):
            continue
        missing = _MISSING_REPOSITORY.search(message)
        if kind == "unresolved" and missing:
            by_repository[missing.group(1)].append((span, message))
        else:
            yield ctx.report(META, span, message)
    if ctx.model.workspace.load_sites:
        _add_unread_loads(by_repository, ctx.model.workspace.load_sites, ctx)
    for repository, loads in sorted(by_repository.items()):
        loads.sort(key=lambda load: (load[0].path, load[0].start_line, load[0].start_col))
        span, message = loads[0]
        files = len({load[0].path for load in loads})
        others = f" ({len(loads)} loads in {files} files; the first is here)" if len(loads) > 1 else ""
        ruleset = ctx.model.knowledge.ruleset(ctx.model.loader.module_deps.module_of(repository))
        ruleset = ruleset or ctx.model.knowledge.ruleset(repository)
        manager = package_manager(repository)
        if ruleset is not None:
            what = "its rules are" if ruleset.rules else "the helpers it is known for are"
            advice = (
                f"{what} judged from the knowledge base ({ruleset.name} {ruleset.versions}); "
                "build once or pass --external to analyze the source"
            )
        elif manager is not None:
            advice = f"a package-manager repository ({manager}); build once or pass --external DIR"
        else:
            advice = "build once (the output base is then found), or pass --repo NAME=PATH or --external DIR"
        yield ctx.report(META, span, f"{message}{others}: {advice}", subject=f"@{repository}")


def _add_unread_loads(
    by_repository: dict[str, list[tuple[Span, str]]], sites: list[LoadSite], ctx: Context
) -> None:
    """The loads of each missing repository in the files the editor's analysis did not read, for the
    count and the first load `check` reports (a file read is not counted twice: same place)."""
    read = {
        (span.path, span.start_line, span.start_col) for loads in by_repository.values() for span, _ in loads
    }
    for site in sites:
        loads = by_repository.get(site.repository)
        if loads is None or site.native or (site.path, site.line, site.column) in read:
            continue
        end = site.column + len(site.label) + 2
        span = Span(site.path, site.line, site.column, site.line, end, 0, 0)
        loads.append((span, missing_repository(site.label, site.repository)))
