"""Every corpus workspace yields exactly the findings its inline comments expect."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS
from expectations import Expected, collect

from hermetic_scan.options import load_options
from hermetic_scan.runner import scan

WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_findings_match_expectations(workspace: Path) -> None:
    expected, negatives = collect(workspace)
    assert expected or negatives, f"{workspace.name} has no expectations"
    result = scan(workspace, load_options(workspace))
    actual = {Expected(d.span.path, d.span.start_line + 1, d.rule) for d in result.diagnostics}
    plain = {Expected(e.path, e.line, e.rule) for e in expected}
    missing = sorted(plain - actual)
    unexpected = sorted(actual - plain)
    details = {(d.span.path, d.span.start_line + 1, d.rule): d.message for d in result.diagnostics}
    report = [f"missing   {e.path}:{e.line} {e.rule}" for e in missing]
    report += [
        f"unexpected {e.path}:{e.line} {e.rule}: {details[(e.path, e.line, e.rule)]}" for e in unexpected
    ]
    assert not report, "\n" + "\n".join(report)
    severities = {(d.span.path, d.span.start_line + 1, d.rule): set() for d in result.diagnostics}
    for d in result.diagnostics:
        severities[(d.span.path, d.span.start_line + 1, d.rule)].add(d.severity.value)
    for e in expected:
        if e.severity is not None:
            assert severities[(e.path, e.line, e.rule)] == {e.severity}, (
                f"{e.path}:{e.line} {e.rule} severity"
            )


def test_every_rule_has_fixtures() -> None:
    from hermetic_scan.rules import all_rules

    covered: set[str] = set()
    for workspace in WORKSPACES:
        covered |= {e.rule for e in collect(workspace)[0]}
    untested = (
        {m.id for m in all_rules()} - covered - {"io-error", "parse-error", "load-cycle", "internal-error"}
    )
    assert not untested, f"rules without a corpus fixture: {sorted(untested)}"
