"""rc-unknown-mnemonic: execution policy for a mnemonic no action has.

## What it does
Reads `--modify_execution_info=REGEX=+key,...` and `--strategy=Mnemonic=strategy` in `.bazelrc` and
reports a mnemonic pattern that matches no action of this repository (or of the external
repositories it was given), nor any action of Bazel's built-in rules. Bazel matches the regex
against the whole mnemonic.

## Why it matters for remote execution
Such a line silently matches nothing: the team believes `TofuFmtCheck` runs locally, while the
test it meant has no action by that name (a test runs as `TestRunner`, an action without a mnemonic
as `Action`) and goes to the remote executor anyway.

## Example
```
build:rbe --modify_execution_info=TofuFmtCheck=+no-remote-exec
```

## How to fix
Give the action the mnemonic (`mnemonic = "TofuFmtCheck"`), fix the spelling, or tag the target
instead (tests: `tags = ["no-remote-exec"]`). When the repository uses rules whose source the tool
was not given, pass them with `--repo`/`--external`; until then this finding is only `info`.

## References
- https://bazel.build/reference/command-line-reference#flag--modify_execution_info
- https://bazel.build/reference/command-line-reference#flag--strategy
"""

from __future__ import annotations

import re

from hermetic_scan.bazel.bazelrc import RcOption
from hermetic_scan.diagnostics import Severity
from hermetic_scan.rules.base import Check, Context, RuleMeta

META = RuleMeta(
    "rc-unknown-mnemonic",
    Severity.WARNING,
    ("workspace",),
    ".bazelrc targets a mnemonic that no action has",
    blocking=False,
)


def patterns(option: RcOption) -> list[str]:
    """Mnemonic regexes an option applies to (literal names for --strategy)."""
    value = option.value
    if value is None:
        return []
    if option.name == "--modify_execution_info":
        out = []
        for expression in value.split(","):
            regex, sep, _key = expression.rpartition("=")
            if sep and regex:
                out.append(regex)
        return out
    if option.name == "--strategy":
        mnemonic, sep, _strategy = value.partition("=")
        return [re.escape(mnemonic)] if sep and mnemonic else []
    return []


def check_workspace(ctx: Context) -> Check:
    known = ctx.facts.known_mnemonics
    uncertain = ctx.facts.dynamic_mnemonics or bool(ctx.facts.load_problems)
    for option in ctx.model.rc.options:
        for regex in patterns(option):
            try:
                compiled = re.compile(regex)
            except re.error:
                yield ctx.report(
                    META, option.span, f"{option.name}: {regex!r} is not a valid regular expression"
                )
                continue
            if any(compiled.fullmatch(m) for m in known):
                continue
            hint = " (some actions have computed mnemonics or unresolved rules)" if uncertain else ""
            yield ctx.report(
                META,
                option.span,
                f"{option.name}: no action is named to match {regex!r}; this line has no effect{hint}",
                severity=Severity.INFO if uncertain else None,
                subject=regex,
            )
