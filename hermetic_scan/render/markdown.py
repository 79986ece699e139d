"""Inventory as Markdown: for a PR comment or a rollout document.

Everything that comes from the analyzed workspace (labels, paths, messages, tool names, rc lines) is
escaped: HTML such as `<script>` shows as text, and a `|` cannot split a table cell. GitHub's Markdown
keeps `\\|` inside code spans as a pipe (https://github.github.com/gfm/#tables-extension-).
"""

from __future__ import annotations

import re
from html import escape
from pathlib import PurePath

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.inventory import Inventory, TargetVerdict

ICON = {"remote-ok": "✅ remote-ok", "no-remote-exec": "⛔ no-remote-exec", "unknown": "❔ unknown"}
PROVENANCE = {
    "source": "source",
    "knowledge": "knowledge (rule source not available)",
    "aquery": "aquery (Bazel's action graph)",
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def text(value: str) -> str:
    """Plain text from the workspace, safe in a paragraph or a table cell."""
    flat = " ".join(value.split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escape(flat, quote=False))


def code(value: str) -> str:
    """A code span; `<code>` with escaped content when the value holds a backtick or HTML, so no raw
    markup from the workspace reaches the document, even for readers that do not render it."""
    flat = " ".join(value.split())
    if not flat or any(c in flat for c in "`<>&"):
        return f"<code>{text(flat)}</code>"
    return "`" + flat.replace("|", "\\|") + "`"


def _where(d: Diagnostic) -> str:
    return f"{code(d.rule)} {text(d.span.path)}:{d.span.start_line + 1}"


def _why(t: TargetVerdict) -> str:
    parts = [_where(d) for d in t.reasons]
    parts += [text(u) for u in t.unknown_because]
    if t.already_tagged:
        parts.append("already tagged")
    parts += [f"kept local by {text(k)}" for k in t.kept_local]
    return "<br>".join(parts) or "—"


def _findings(title: str, findings: list[Diagnostic]) -> list[str]:
    if not findings:
        return []
    lines = ["", f"## {title}", ""]
    for d in findings:
        lines.append(f"- {d.severity.value}: {_where(d)}: {text(d.message)}")
    return lines


def _causes(inventory: Inventory) -> list[str]:
    causes = inventory.unknown_causes()
    if not causes:
        return []
    lines = ["", "## Unknown, by cause", "", "| Targets | Cause | To resolve |", "|---:|---|---|"]
    lines += [f"| {n} | {text(cause)} | {text(resolve)} |" for cause, n, resolve in causes]
    return lines


def render(inventory: Inventory) -> str:
    summary = inventory.summary()
    lines = [
        "# Remote execution inventory",
        "",
        f"Workspace {code(PurePath(inventory.root).name or inventory.root)} · "
        f"Bazel {text(inventory.bazel_version or 'version unknown')}",
        "",
        "| remote-ok | no-remote-exec | unknown |",
        "|---:|---:|---:|",
        f"| {summary['remote-ok']} | {summary['no-remote-exec']} | {summary['unknown']} |",
        "",
        "Verdict source: *source* (analyzed from the workspace), *knowledge* (the rule's source was not "
        "available; the verdict comes from what hermetic-scan knows of that rule), *aquery* (Bazel's "
        "action graph, `--aquery`).",
        *_causes(inventory),
        "",
        "## Targets",
        "",
        "| Target | Kind | Verdict | Verdict source | Why | Caveats | Suggested tags |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in inventory.verdicts:
        caveats = ", ".join(sorted({code(d.rule) for d in t.caveats})) or "—"
        tags = ", ".join(code(tag) for tag in t.suggested_tags) or "—"
        lines.append(
            f"| {code(t.label)} | {text(t.info.kind)} | {ICON[t.verdict]} | "
            f"{text(PROVENANCE.get(t.provenance, t.provenance))} | {_why(t)} | {caveats} | {tags} |"
        )
    lines += _findings(".bazelrc findings", inventory.rc_findings)
    lines += _findings("Repository rule findings", inventory.fetch_hazards)
    lines += ["", "## Worker requirements", ""]
    if inventory.worker_requirements:
        lines += [
            "Programs actions and tests take from the host: provide them in the worker image or declare them.",
            "",
        ]
        for tool, labels in inventory.worker_requirements:
            lines.append(f"- {code(tool)}: {', '.join(code(label) for label in labels)}")
    else:
        lines.append("None found.")
    lines += ["", "## Suggested .bazelrc lines", ""]
    if inventory.bazelrc_suggestions:
        fence = "~~~~" if any("```" in line for line in inventory.bazelrc_suggestions) else "```"
        lines += [fence, *inventory.bazelrc_suggestions, fence]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"
