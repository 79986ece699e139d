"""Quick fixes and hover text, computed from an engine Result (the server only transports them)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from hermetic_scan import fix, shell, suppressions
from hermetic_scan.diagnostics import Applicability, Fix
from hermetic_scan.engine import Result
from hermetic_scan.inventory import Inventory, TargetVerdict
from hermetic_scan.lsp import convert
from hermetic_scan.model.actions import ActionModel
from hermetic_scan.source import SourceFile


def _uri(root: Path, rel: str) -> str:
    return (root / rel).resolve().as_uri()


def code_actions(
    result: Result, params: lsp.CodeActionParams, rel: str | None, root: Path | None
) -> list[lsp.CodeAction]:
    if rel is None or root is None:
        return []
    sources = result.require_model().sources()
    source = sources.get(rel)
    if source is None:
        return []
    uri = params.text_document.uri
    actions: list[lsp.CodeAction] = []
    wanted = {(d.code, d.range.start.line) for d in params.context.diagnostics}
    start_line, end_line = params.range.start.line, params.range.end.line
    relevant = [
        d
        for d in result.diagnostics
        if d.span.path == rel
        and (start_line <= d.span.start_line <= end_line or (d.rule, d.span.start_line) in wanted)
    ]
    for d in relevant:
        lsp_diagnostic = convert.diagnostic(d, source)
        fixes = [suppressions.suppress_fix(source, d.rule, d.span.start_line)]
        if d.fix is not None:
            fixes.insert(0, d.fix)
        for proposed in fixes:
            target_uri = uri if proposed.path == rel else _uri(root, proposed.path)
            action = _quick_fix(target_uri, proposed, lsp_diagnostic, sources)
            if action is not None:
                actions.append(action)
    for verdict in result.inventory.targets:
        if not verdict.suggested_tags or verdict.attached.target.build.display_path != rel:
            continue
        node = verdict.attached.target.top_node
        first, _ = source.position(node.start_byte)
        last, _ = source.position(node.end_byte)
        if last < start_line or first > end_line:
            continue
        action = _add_tag(root, verdict, result.inventory, relevant, sources)
        if action is not None:
            actions.append(action)
    return actions


def _quick_fix(
    uri: str, fix: Fix, diagnostic: lsp.Diagnostic, sources: dict[str, SourceFile]
) -> lsp.CodeAction | None:
    source = sources.get(fix.path)
    if source is None:
        return None
    edits = [
        lsp.TextEdit(range=convert.byte_range(source, e.start_byte, e.end_byte), new_text=e.text)
        for e in fix.edits
    ]
    return lsp.CodeAction(
        title=fix.title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=fix.applicability is Applicability.SAFE,
        edit=lsp.WorkspaceEdit(changes={uri: edits}),
    )


def _add_tag(
    root: Path, verdict: TargetVerdict, inventory: Inventory, relevant: list, sources: dict[str, SourceFile]
) -> lsp.CodeAction | None:
    single = Inventory(inventory.root, inventory.bazel_version, [verdict])
    plan = fix.plan(single, root)
    if not plan.edits:
        return None
    changes: dict[str, list[lsp.TextEdit]] = {}
    for path, edits in plan.edits.items():
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        source = sources.get(rel) or SourceFile(rel, path.read_bytes())
        changes[_uri(root, rel)] = [
            lsp.TextEdit(range=convert.byte_range(source, e.start_byte, e.end_byte), new_text=e.text)
            for e in edits
        ]
    owners = {f"target:{verdict.label}"} | ({verdict.attached.rule.key} if verdict.attached.rule else set())
    resolved = [convert.diagnostic(d, sources.get(d.span.path)) for d in relevant if d.owners & owners]
    return lsp.CodeAction(
        title=f"Add {verdict.suggested_tags[0]} tag to {verdict.label}",
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=resolved or None,
        is_preferred=True,
        edit=lsp.WorkspaceEdit(changes=changes),
    )


def hover_text(result: Result, rel: str, position: lsp.Position) -> str | None:
    source = result.require_model().sources().get(rel)
    if source is None:
        return None
    offset = convert.to_byte(source, position)
    for verdict in result.inventory.targets:
        target = verdict.attached.target
        if (
            target.build.display_path == rel
            and target.top_node.start_byte <= offset < target.top_node.end_byte
        ):
            return _target_hover(verdict)
    for action in result.require_model().all_actions():
        if action.module.source is source and action.node.start_byte <= offset < action.node.end_byte:
            return _action_hover(action)
    return None


def _target_hover(verdict: TargetVerdict) -> str:
    lines = [f"**{verdict.label}** ({verdict.attached.target.kind}): `{verdict.verdict}`"]
    if verdict.already_tagged:
        lines.append("already tagged to run locally")
    for d in verdict.reasons:
        lines.append(f"- reason: `{d.rule}` {d.span.path}:{d.span.start_line + 1}: {d.message}")
    for reason in verdict.unknown_because:
        lines.append(f"- unknown: {reason}")
    for d in verdict.caveats:
        lines.append(f"- caveat: `{d.rule}` {d.span.path}:{d.span.start_line + 1}")
    if verdict.actions:
        lines.append("actions: " + ", ".join(f"`{a['mnemonic'] or '?'}`" for a in verdict.actions))
    if verdict.suggested_tags:
        lines.append("suggested tags: " + ", ".join(f"`{t}`" for t in verdict.suggested_tags))
    return "\n\n".join(lines)


def _action_hover(action: ActionModel) -> str:
    lines = [f"**ctx.actions.{action.kind}**"]
    if action.mnemonic_source == "literal":
        lines.append(f"mnemonic: `{action.mnemonic}` (literal)")
    elif action.mnemonic_source == "dynamic":
        lines.append("mnemonic: computed at analysis time")
    else:
        lines.append("mnemonic: none, so Bazel calls it `Action`")
    lines.append(f"use_default_shell_env: {action.shell_env}")
    if action.env is not None:
        keys = [k.text.text for k, *_ in action.env.items if hasattr(k, "text")]
        lines.append("env: " + ", ".join(f"`{k}`" for k in keys))
    if action.execution_requirements:
        lines.append("execution requirements: " + ", ".join(sorted(action.execution_requirements)))
    if action.executable:
        lines.append(
            f"executable: {action.executable}"
            + (f" (`{action.executable_name}`)" if action.executable_name else "")
        )
    commands = sorted(
        {
            c.name
            for site in action.sites
            if site.is_shell
            for c in shell.analyze(site.text.text).commands
            if not c.dynamic
        }
    )
    if commands:
        lines.append("commands: " + ", ".join(f"`{c}`" for c in commands))
    return "\n\n".join(lines)
