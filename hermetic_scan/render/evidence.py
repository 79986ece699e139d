"""Rollout evidence as text, JSON (version 1) or Markdown: pure functions of an EvidenceReport."""

from __future__ import annotations

import json
from typing import Any

from hermetic_scan.bazel.execlog import CLASSES
from hermetic_scan.crosscheck.evidence import CLASS_TITLES, EvidenceReport, Flag, SpawnEntry, TargetEvidence

FORMATS = ("text", "json", "markdown")
SHORT = {
    "remote_execution": "remote",
    "remote_cache_hit": "rcache",
    "disk_cache_hit": "dcache",
    "local": "local",
    "worker": "worker",
    "internal": "internal",
}


def render(report: EvidenceReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document(report), indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "text":
        return _text(report)
    raise ValueError(f"unknown evidence format {fmt!r} (one of {', '.join(FORMATS)})")


# --------------------------------------------------------------------------------------------------
# JSON


def _flag(f: Flag) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": f.severity,
        "target": f.target,
        "message": f.message,
        "why": list(f.why),
        "spawns": list(f.spawns),
    }


def _target(t: TargetEvidence, flags: list[Flag]) -> dict[str, Any]:
    return {
        "label": t.label,
        "kind": t.kind,
        "verdict": t.verdict,
        "already_tagged": t.already_tagged,
        "spawns": t.total,
        "counts": t.counts,
        "executed_remotely": t.executed_remotely,
        "remotable": t.remotable,
        "failed": t.failed,
        "fallbacks": t.fallbacks,
        "flags": sorted({f.id for f in flags if f.target == t.label}),
    }


def _spawn(e: SpawnEntry) -> dict[str, Any]:
    s = e.spawn
    return {
        "index": s.index,
        "mnemonic": s.mnemonic,
        "runner": s.runner,
        "class": s.klass,
        "remotable": s.remotable,
        "failed": s.failed,
        "target": e.attribution.label,
        "attribution": e.attribution.how,
        "unattributed_because": e.attribution.reason,
        "fallback": e.fallback,
        "fallback_of": e.fallback_of,
        "outputs": list(s.outputs),
    }


def document(report: EvidenceReport) -> dict[str, Any]:
    console = report.console
    summary = console.summary if console else None
    return {
        "version": 1,
        "root": report.root,
        "bazel_version": report.bazel_version,
        "exec_log": report.exec_log,
        "log_format": report.log_format,
        "build_log": report.build_log,
        "verdict": report.verdict_line(),
        "ok": report.ok,
        "blockers": report.blockers(),
        "proven": report.proven,
        "remote_in_effect": report.remote_in_effect,
        "totals": {
            **report.totals,
            "spawns": len(report.spawns),
            "failed": report.failed,
            "fallbacks": report.fallbacks,
            "unattributed": len(report.unattributed),
        },
        "console": None
        if console is None
        else {
            "summary": summary.line if summary else None,
            "processes": summary.processes if summary else None,
            "runners": summary.runners if summary else {},
            "classes": summary.classes() if summary else {},
            "fallback_enabled": console.fallback_enabled,
            "capabilities_failed": console.capabilities_failed,
            "remote_failures": console.remote_failures,
        },
        "selected": report.selected,
        "patterns": [
            {
                "pattern": p.pattern,
                "targets": p.targets,
                "counts": p.counts,
                "executed_remotely": p.executed_remotely_targets,
                "failed": p.failed,
                "fallbacks": p.fallbacks,
            }
            for p in report.patterns
        ],
        "targets": [_target(t, report.flags) for t in report.targets],
        "flags": [_flag(f) for f in report.flags],
        "checks": [
            {"id": c.id, "status": c.status, "message": c.message, "where": c.where} for c in report.checks
        ],
        "spawns": [_spawn(e) for e in report.spawns],
        "notes": report.notes,
    }


# --------------------------------------------------------------------------------------------------
# Text


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(k, 0)} {CLASS_TITLES[k]}" for k in CLASSES)


def _header(report: EvidenceReport) -> list[str]:
    lines = [f"execution log {report.exec_log} ({report.log_format}, {len(report.spawns)} spawns)"]
    if report.build_log:
        lines.append(f"build log {report.build_log}")
    return lines


def _text(report: EvidenceReport) -> str:
    out = _header(report)
    out += ["", report.verdict_line() + (": " + ", ".join(report.proven) if report.proven else "")]
    blockers = report.blockers()
    out += ["proof: countable" if not blockers else "proof: not countable: " + "; ".join(blockers), ""]
    out.append(
        f"whole build: {_counts(report.totals)}; {report.failed} failed, {report.fallbacks} fell back to local, "
        f"{len(report.unattributed)} unattributed"
    )
    summary = report.console.summary if report.console else None
    if summary is not None:
        out.append(f"build log:   {summary.line}")
    for p in report.patterns:
        out.append(
            f"{p.pattern}: {len(p.targets)} target(s); {_counts(p.counts)}; executed remotely: "
            f"{', '.join(p.executed_remotely_targets) or 'none'}"
        )
    active = [t for t in report.targets if t.total]
    if active:
        width = max(len(t.label) for t in active)
        out += [
            "",
            f"{'target':{width}}  {'verdict':15} "
            + " ".join(f"{SHORT[k]:>8}" for k in CLASSES)
            + f" {'failed':>6} {'fellback':>8}  flags",
        ]
        for t in active:
            flags = ",".join(sorted({f.id for f in report.flags if f.target == t.label})) or "-"
            verdict = t.verdict + ("*" if t.already_tagged else "")
            out.append(
                f"{t.label:{width}}  {verdict:15} "
                + " ".join(f"{t.counts[k]:>8}" for k in CLASSES)
                + f" {t.failed:>6} {t.fallbacks:>8}  {flags}"
            )
        if any(t.already_tagged for t in active):
            out.append("(* already tagged)")
    silent = len(report.targets) - len(active)
    if silent:
        out.append(f"{silent} inventory target(s) have no spawn in this log")
    if report.flags:
        out += ["", "flags:"]
        out += [f"  {f.severity}: {f.target or '(build)'}: {f.message} [{f.id}]" for f in report.flags]
    if report.checks:
        out += ["", "checks:"]
        out += [
            f"  {c.status}: {c.message}{f' ({c.where})' if c.where and c.where not in c.message else ''} [{c.id}]"
            for c in report.checks
        ]
    if report.unattributed:
        out += ["", "unattributed spawns:"]
        out += [
            f"  #{e.spawn.index} {e.spawn.mnemonic or '?'} ({e.spawn.runner or '?'}): {e.attribution.reason}"
            for e in report.unattributed
        ]
    if report.notes:
        out += ["", "notes:"]
        out += [f"  - {n}" for n in report.notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------
# Markdown

ICON = {"error": "⛔", "warning": "⚠️", "info": "ℹ️", "pass": "✅", "fail": "⛔"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(report: EvidenceReport) -> str:
    mark = "✅" if report.ok else ("⚠️" if report.proven else "⛔")
    out = [
        "# Remote execution evidence",
        "",
        f"**{mark} {report.verdict_line()}**"
        + (": " + ", ".join(f"`{lb}`" for lb in report.proven) if report.proven else ""),
        "",
        "Proof: countable."
        if report.ok
        else "Proof: not countable: " + _cell("; ".join(report.blockers())) + ".",
        "",
        f"Execution log `{report.exec_log}` ({report.log_format}, {len(report.spawns)} spawns)"
        + (f" · build log `{report.build_log}`" if report.build_log else ""),
        "",
        "| scope | " + " | ".join(CLASS_TITLES[k] for k in CLASSES) + " | failed | fell back |",
        "|---|" + "---:|" * (len(CLASSES) + 2),
        "| whole build (execution log) | "
        + " | ".join(str(report.totals[k]) for k in CLASSES)
        + f" | {report.failed} | {report.fallbacks} |",
    ]
    summary = report.console.summary if report.console else None
    if summary is not None:
        classes = summary.classes()
        out.append("| whole build (console) | " + " | ".join(str(classes[k]) for k in CLASSES) + " | | |")
    for p in report.patterns:
        out.append(
            f"| `{_cell(p.pattern)}` ({len(p.targets)} targets) | "
            + " | ".join(str(p.counts[k]) for k in CLASSES)
            + f" | {p.failed} | {p.fallbacks} |"
        )
    active = [t for t in report.targets if t.total]
    out += ["", "## Targets", ""]
    if active:
        out += [
            "| target | verdict | "
            + " | ".join(CLASS_TITLES[k] for k in CLASSES)
            + " | failed | fell back | flags |",
            "|---|---|" + "---:|" * (len(CLASSES) + 2) + "---|",
        ]
        for t in active:
            flags = (
                ", ".join(f"`{i}`" for i in sorted({f.id for f in report.flags if f.target == t.label}))
                or "—"
            )
            verdict = t.verdict + (" (tagged)" if t.already_tagged else "")
            out.append(
                f"| `{t.label}` | {verdict} | "
                + " | ".join(str(t.counts[k]) for k in CLASSES)
                + f" | {t.failed} | {t.fallbacks} | {flags} |"
            )
    else:
        out.append("No spawn of the log belongs to an inventory target.")
    if len(report.targets) > len(active):
        out += ["", f"{len(report.targets) - len(active)} inventory target(s) have no spawn in this log."]
    out += ["", "## Flags", ""]
    out += [
        f"- {ICON[f.severity]} **{f.id}** {f'`{f.target}`' if f.target else '(build)'}: {_cell(f.message)}"
        for f in report.flags
    ] or ["None."]
    out += ["", "## Checks", ""]
    out += [
        f"- {ICON.get(c.status, 'ℹ️')} **{c.id}**: {_cell(c.message)}"
        + (f" (`{c.where}`)" if c.where and c.where not in c.message else "")
        for c in report.checks
    ] or ["None."]
    if report.unattributed:
        out += ["", "## Unattributed spawns", ""]
        out += [
            f"- #{e.spawn.index} `{e.spawn.mnemonic or '?'}` ({e.spawn.runner or '?'}): {_cell(e.attribution.reason or '')}"
            for e in report.unattributed
        ]
    if report.notes:
        out += ["", "## Notes", ""]
        out += [f"- {_cell(n)}" for n in report.notes]
    return "\n".join(out) + "\n"
