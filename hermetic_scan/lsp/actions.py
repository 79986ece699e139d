"""Quick fixes and hover text, computed from an engine Result (the server only transports them)."""

from __future__ import annotations

import re
from pathlib import Path

from lsprotocol import types as lsp
from tree_sitter import Node

from hermetic_scan import fix, shell
from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.engine import Result
from hermetic_scan.inventory import Inventory, TargetVerdict
from hermetic_scan.lsp import convert
from hermetic_scan.model.actions import ActionModel
from hermetic_scan.source import SourceFile


def suggested_mnemonic(function_name: str) -> str:
    """`_tofu_validate_impl` -> `TofuValidate`."""
    name = re.sub(r"(_impl|_implementation)$", "", function_name.strip("_"))
    return "".join(part.capitalize() for part in name.split("_") if part) or "Action"


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
        actions.append(_suppress(uri, source, d.rule, d.span.start_line, lsp_diagnostic))
        if d.rule == "missing-mnemonic":
            action = _mnemonic(uri, source, result, d, lsp_diagnostic)
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


def _suppress(
    uri: str, source: SourceFile, rule: str, line: int, diagnostic: lsp.Diagnostic
) -> lsp.CodeAction:
    text = source.line_text(line)
    end = convert.utf16_column(text, len(text))
    existing = "# hermetic-scan: disable="
    if existing in text:
        insert = f",{rule}"
        index = text.index(existing) + len(existing)
        while index < len(text) and (text[index].isalnum() or text[index] in "-,"):
            index += 1
        at = lsp.Position(line=line, character=convert.utf16_column(text, index))
    else:
        insert = f"  # hermetic-scan: disable={rule}"
        at = lsp.Position(line=line, character=end)
    edit = lsp.TextEdit(range=lsp.Range(start=at, end=at), new_text=insert)
    return lsp.CodeAction(
        title=f"Suppress {rule} on this line",
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
    )


def _enclosing_function(node: Node) -> Node | None:
    scope = node.parent
    while scope is not None and scope.type != "function_definition":
        scope = scope.parent
    return scope


def _mnemonic(
    uri: str,
    source: SourceFile,
    result: Result,
    d: Diagnostic,
    diagnostic: lsp.Diagnostic,
) -> lsp.CodeAction | None:
    action = next(
        (
            a
            for a in result.require_model().all_actions()
            if a.module.source is source and a.node.start_byte <= d.span.start_byte < a.node.end_byte
        ),
        None,
    )
    if action is None:
        return None
    args = action.node.child_by_field_name("arguments")
    if args is None:
        return None
    function = _enclosing_function(action.node)
    name = action.module.text(function.child_by_field_name("name")) if function is not None else "action"
    mnemonic = suggested_mnemonic(name)
    first = next((a for a in args.named_children if a.type != "comment"), None)
    if first is not None and first.start_point[0] != args.start_point[0]:
        indent = source.line_text(first.start_point[0])[: first.start_point[1]]
        line_start = source._line_starts[first.start_point[0]]
        at = convert.byte_range(source, line_start, line_start).start
        new_text = f'{indent}mnemonic = "{mnemonic}",\n'
    else:
        at = convert.byte_range(source, args.start_byte + 1, args.start_byte + 1).start
        new_text = f'mnemonic = "{mnemonic}", '
    return lsp.CodeAction(
        title=f'Add mnemonic = "{mnemonic}" (review the name)',
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=False,
        edit=lsp.WorkspaceEdit(
            changes={uri: [lsp.TextEdit(range=lsp.Range(start=at, end=at), new_text=new_text)]}
        ),
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
            lsp.TextEdit(range=convert.byte_range(source, e.start, e.end), new_text=e.text) for e in edits
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
