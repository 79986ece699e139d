"""Inventory as a terminal summary: counts, the targets that cannot run remotely (or cannot be
decided) with their reasons, .bazelrc findings, worker-image requirements and the rc lines to add.
Remote-ok targets are counted, not listed; `--format json|html|markdown|csv` give every target."""

from __future__ import annotations

from pathlib import PurePath

from hermetic_scan.inventory import Inventory, TargetVerdict

MAX_LISTED = 50


def _line(t: TargetVerdict) -> str:
    rules = sorted({d.rule for d in t.reasons})
    parts = [", ".join(rules)] if rules else []
    parts += t.unknown_because
    if t.already_tagged:
        parts.append("already tagged")
    if t.kept_local:
        parts.append("kept local by " + "; ".join(t.kept_local))
    if t.suggested_tags:
        parts.append("suggested tag " + " ".join(t.suggested_tags))
    return f"  {t.label} ({t.info.kind}): {'; '.join(parts) or '-'}"


def render(inventory: Inventory) -> str:
    s = inventory.summary()
    name = PurePath(inventory.root).name or inventory.root
    lines = [
        f"Remote execution inventory of {name} (Bazel {inventory.bazel_version or 'version unknown'})",
        f"{sum(s.values())} targets: {s['remote-ok']} remote-ok, {s['no-remote-exec']} no-remote-exec, "
        f"{s['unknown']} unknown",
    ]
    for verdict in ("no-remote-exec", "unknown"):
        targets = [t for t in inventory.verdicts if t.verdict == verdict]
        if not targets:
            continue
        lines += ["", f"{verdict}:"]
        lines += [_line(t) for t in targets[:MAX_LISTED]]
        if len(targets) > MAX_LISTED:
            lines.append(f"  ... and {len(targets) - MAX_LISTED} more (--format html shows every target)")
    causes = inventory.unknown_causes()
    if causes:
        lines += ["", "Unknown, by cause:"]
        lines += [
            f"  {n} target{'s' if n != 1 else ''}: {cause} -> {resolve}" for cause, n, resolve in causes
        ]
    if inventory.rc_findings:
        lines += ["", ".bazelrc findings:"]
        lines += [
            f"  {d.span.path}:{d.span.start_line + 1}: {d.severity.value}: {d.message} [{d.rule}]"
            for d in inventory.rc_findings
        ]
    if inventory.worker_requirements:
        lines += ["", "Worker image requirements (programs taken from the host):"]
        lines += [
            f"  {tool}: {len(labels)} target{'s' if len(labels) != 1 else ''}"
            for tool, labels in inventory.worker_requirements
        ]
    if inventory.bazelrc_suggestions:
        lines += ["", "Suggested .bazelrc lines:"]
        lines += [f"  {line}" for line in inventory.bazelrc_suggestions]
    lines += ["", "Every target: --format html -o inventory.html (or json, markdown, csv)."]
    return "\n".join(lines) + "\n"
