"""`hermetic-scan verify` reports as text or JSON (version 1): pure functions of a VerifyReport."""

from __future__ import annotations

import json
from typing import Any

from hermetic_scan.crosscheck.verify import AGREE, DISAGREE, NOT_COMPARABLE, TargetRun, VerifyReport

FORMATS = ("text", "json")


def render(report: VerifyReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document(report), indent=2) + "\n"
    if fmt == "text":
        return _text(report)
    raise ValueError(f"unknown verify format {fmt!r} (one of {', '.join(FORMATS)})")


def ordered(report: VerifyReport) -> list[TargetRun]:
    """Static remote-ok targets that failed first, then other disagreements, then the rest; by label within."""

    def rank(t: TargetRun) -> tuple[int, str]:
        if t.remote_ok_failed:
            return (0, t.label)
        return ({DISAGREE: 1, NOT_COMPARABLE: 2, AGREE: 3}[t.agreement], t.label)

    return sorted(report.targets, key=rank)


def _target(t: TargetRun) -> dict[str, Any]:
    return {
        "label": t.label,
        "kind": t.kind,
        "test": t.is_test,
        "static_verdict": t.static_verdict,
        "already_tagged": t.already_tagged,
        "static_reasons": list(t.static_reasons),
        "command": t.command,
        "outcome": t.outcome,
        "agreement": t.agreement,
        "remote_ok_failed": t.remote_ok_failed,
        "exit_code": t.exit_code,
        "ambient_tools_called": list(t.ambient_tools_called),
        "error_lines": list(t.error_lines),
        "note": t.note,
        "seconds": t.seconds,
    }


def document(report: VerifyReport) -> dict[str, Any]:
    return {
        "version": 1,
        "root": report.root,
        "bazel": report.bazel,
        "sandbox": report.sandbox,
        "flags": list(report.flags),
        "path_tools": list(report.path_tools),
        "missing_profile_tools": list(report.missing_tools),
        "tripwires": list(report.tripwires),
        "summary": report.summary(),
        "ok": report.ok,
        "could_not_verify": report.could_not_verify,
        "problem": list(report.problem),
        "notes": list(report.notes),
        "sandbox_defeats": list(report.sandbox_defeats),
        "seconds": report.seconds,
        "targets": [_target(t) for t in ordered(report)],
    }


def _text(report: VerifyReport) -> str:
    out: list[str] = []
    summary = report.summary()
    out.append(f"hermetic-scan verify: {report.root}")
    out.append(
        f"  bazel {report.bazel}; sandbox: {report.sandbox or 'unknown (no action ran)'}; "
        f"action PATH: {len(report.path_tools)} profile tools"
        + (f"; tripwires: {', '.join(report.tripwires)}" if report.tripwires else "")
    )
    if report.missing_tools:
        out.append(
            f"  profile tools not found on this host (absent from the action PATH): {', '.join(report.missing_tools)}"
        )
    for note in report.notes:
        out.append(f"  note: {note}")
    if report.sandbox_defeats:
        out.append(
            "  .bazelrc lines that run actions outside the sandbox (verify adds flags that put them back; "
            "a build under them alone proves nothing):"
        )
        out += [f"    {line}" for line in report.sandbox_defeats]
    out.append("")
    failed = report.remote_ok_failed
    if failed:
        out.append(
            f"STATIC remote-ok BUT FAILED IN THE STRICT SANDBOX ({len(failed)}): the static model missed something"
        )
    if report.problem:
        out.append("COULD NOT VERIFY: Bazel did not run.")
        out += [f"  {line}" for line in report.problem]
    elif report.not_verified:
        out.append(
            f"COULD NOT VERIFY {len(report.not_verified)} of {len(report.targets)} targets: Bazel itself failed "
            "(its messages are under each target)."
        )
    if not failed and not report.could_not_verify:
        out.append("No static remote-ok target failed in the strict sandbox.")
    out.append("")
    width = max((len(t.label) for t in report.targets), default=10)
    current = None
    titles = {
        0: "remote-ok, failed",
        DISAGREE: "other disagreements",
        NOT_COMPARABLE: "not comparable",
        AGREE: "agreements",
    }
    for t in ordered(report):
        group = 0 if t.remote_ok_failed else t.agreement
        if group != current:
            current = group
            out.append(f"== {titles[group]}")
        tools = f"  [called ambient: {', '.join(t.ambient_tools_called)}]" if t.ambient_tools_called else ""
        note = f"  ({t.note})" if t.note else ""
        out.append(
            f"{t.label:<{width}}  static {t.static_verdict:<14} dynamic {t.outcome:<7}  {t.agreement}{tools}{note}"
        )
        for line in t.error_lines:
            out.append(f"    | {line}")
    out.append("")
    out.append(
        f"{summary['targets']} targets: {summary[AGREE]} agree, {summary[DISAGREE]} disagree, "
        f"{summary[NOT_COMPARABLE]} not comparable; {summary['remote_ok_failed']} static remote-ok failed "
        f"({report.seconds:.1f}s)"
    )
    return "\n".join(out) + "\n"
