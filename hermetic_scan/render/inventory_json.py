"""Inventory as JSON, schema version 1 (docs/json-schema.md, schemas/inventory.schema.json)."""

from __future__ import annotations

from typing import Any

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.inventory import Inventory, TargetVerdict
from hermetic_scan.render.json_text import dumps


def _finding(d: Diagnostic) -> dict[str, Any]:
    return {"rule": d.rule, "path": d.span.path, "line": d.span.start_line + 1, "message": d.message}


def target_entry(t: TargetVerdict) -> dict[str, Any]:
    info = t.info
    return {
        "label": t.label,
        "kind": info.kind,
        "path": info.path,
        "line": info.line,
        "generator": info.generator,
        "verdict": t.verdict,
        "reasons": [_finding(d) for d in t.reasons],
        "caveats": [_finding(d) for d in t.caveats],
        "unknown_because": t.unknown_because,
        "tags": list(info.tags),
        "already_tagged": t.already_tagged,
        "suggested_tags": t.suggested_tags,
        "actions": t.actions,
        "provenance": t.provenance,
    }


def document(inventory: Inventory) -> dict[str, Any]:
    return {
        "version": 1,
        "root": inventory.root,
        "bazel_version": inventory.bazel_version,
        "targets": [target_entry(t) for t in inventory.targets],
        "bazelrc_suggestions": inventory.bazelrc_suggestions,
        "worker_requirements": [{"tool": tool, "targets": labels} for tool, labels in inventory.worker_requirements],
        "fetch_hazards": [_finding(d) for d in inventory.fetch_hazards],
        "summary": inventory.summary(),
    }


def render(inventory: Inventory) -> str:
    return dumps(document(inventory), expand=2)
