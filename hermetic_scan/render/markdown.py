"""Inventory as Markdown: for a PR comment or a rollout document."""

from __future__ import annotations

from hermetic_scan.inventory import Inventory, TargetVerdict

ICON = {"remote-ok": "✅ remote-ok", "no-remote-exec": "⛔ no-remote-exec", "unknown": "❔ unknown"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _why(t: TargetVerdict) -> str:
    parts = [f"`{d.rule}` {d.span.path}:{d.span.start_line + 1}" for d in t.reasons]
    parts += t.unknown_because
    if t.already_tagged:
        parts.append("already tagged")
    return "<br>".join(_cell(p) for p in parts) or "—"


def render(inventory: Inventory) -> str:
    summary = inventory.summary()
    lines = [
        "# Remote execution inventory",
        "",
        f"Workspace `{inventory.root}` · Bazel {inventory.bazel_version or 'version unknown'}",
        "",
        "| remote-ok | no-remote-exec | unknown |",
        "|---:|---:|---:|",
        f"| {summary['remote-ok']} | {summary['no-remote-exec']} | {summary['unknown']} |",
        "",
        "## Targets",
        "",
        "| Target | Kind | Verdict | Why | Caveats | Suggested tags |",
        "|---|---|---|---|---|---|",
    ]
    for t in inventory.verdicts:
        caveats = ", ".join(sorted({f"`{d.rule}`" for d in t.caveats})) or "—"
        tags = ", ".join(f"`{tag}`" for tag in t.suggested_tags) or "—"
        lines.append(f"| `{t.label}` | {t.info.kind} | {ICON[t.verdict]} | {_why(t)} | {caveats} | {tags} |")
    lines += ["", "## Worker requirements", ""]
    if inventory.worker_requirements:
        lines += [
            "Programs actions and tests take from the host: provide them in the worker image or declare them.",
            "",
        ]
        for tool, labels in inventory.worker_requirements:
            lines.append(f"- `{tool}`: {', '.join(f'`{label}`' for label in labels)}")
    else:
        lines.append("None found.")
    lines += ["", "## Suggested .bazelrc lines", ""]
    if inventory.bazelrc_suggestions:
        lines += ["```", *inventory.bazelrc_suggestions, "```"]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"
