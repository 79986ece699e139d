"""unused-suppression: a `# hermetic-scan: disable=` comment that suppresses nothing.

## What it does
Reports each rule id in a `# hermetic-scan: disable=...` or `disable-file=...` comment that matched no
finding, including ids of rules that do not exist.

## Why it matters for remote execution
A stale suppression hides the next real hazard that appears on that line, and tells readers a hazard
exists where there is none. Suppressions should track the code.

## Example
```python
genrule(
    name = "version",
    cmd = "echo 1.0 > $@",  # hermetic-scan: disable=ambient-tool
)
```

## How to fix
Delete the comment, or correct the rule id. `hermetic-scan fix` (and the editor's quick fix) removes
the unused ids and keeps the used ones; it leaves a comment alone when other text follows it on its
line. A suppression of a rule that this run does not check (`--ignore`, `enable`/`disable` in the
configuration) is not reported: nothing can tell whether it is still needed.

## References
- https://github.com/bazelbuild/buildtools/blob/main/WARNINGS.md (the `# buildifier: disable=` convention this follows)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping

from hermetic_scan.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from hermetic_scan.rules.base import RuleMeta
from hermetic_scan.source import SourceFile
from hermetic_scan.suppressions import COMMENT, Suppression

META = RuleMeta(
    "unused-suppression", Severity.INFO, (), "Suppression comment suppresses nothing", blocking=False
)


def findings(
    every: list[Suppression],
    sources: Mapping[str, SourceFile],
    rule_exists: Callable[[str], bool],
    runs: Callable[[str], bool],
) -> Iterator[Diagnostic]:
    """One finding per unused rule id; the ids of one comment share one fix (the comment without
    them), so fixing two findings of one comment is one edit. Computed by the engine after every
    other rule ran (it needs to know what was suppressed)."""
    comments: dict[tuple[str, int], list[Suppression]] = defaultdict(list)
    for s in every:
        comments[(s.path, s.byte)].append(s)
    for (path, byte), group in comments.items():
        known = [s for s in group if rule_exists(s.rule)]
        unused = [s for s in group if not s.used and (not rule_exists(s.rule) or runs(s.rule))]
        if not unused:
            continue
        source = sources[path]
        # A comment with an id this run did not check stays: it may still be needed.
        kept = [s.rule for s in group if s.used or (s in known and not runs(s.rule))]
        fix = _without_unused(source, byte, kept)
        for s in unused:
            what = "suppresses nothing" if rule_exists(s.rule) else "names no known rule"
            yield Diagnostic(
                META.id,
                META.severity,
                source.span(s.byte, s.byte + 1),
                f"`disable{'-file' if s.whole_file else ''}={s.rule}` {what}",
                subject=s.rule,
                fix=fix,
            )


def _without_unused(source: SourceFile, byte: int, kept: list[str]) -> Fix | None:
    line = source.line_of(byte)
    line_start = source.line_start(line)
    text = source.data[line_start:].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    column = len(source.data[line_start:byte].decode("utf-8", errors="replace"))
    match = COMMENT.match(text, column)
    if match is None:
        return None

    def at(index: int) -> int:
        return line_start + len(text[:index].encode("utf-8"))

    if kept:
        ids = ",".join(dict.fromkeys(kept))
        edit = Edit(at(match.start("ids")), at(match.end("ids")), ids)
        return Fix("Remove the unused ids from this suppression", source.path, (edit,), Applicability.SAFE)
    rest = text[match.end() :]
    if rest.strip():
        return None  # other words follow on the line: a human decides what stays
    before = text[: match.start()]
    if before.strip():
        start = at(len(before.rstrip()))
        end = at(len(text.rstrip("\r")))
    else:  # the comment is the whole line: the line goes
        start = line_start
        end = min(at(len(text)) + 1, len(source.data))
    return Fix("Remove this unused suppression", source.path, (Edit(start, end, ""),), Applicability.SAFE)
