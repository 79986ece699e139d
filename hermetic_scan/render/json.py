"""JSON output, schema version 1 (docs/json-schema.md, hermetic_scan/schemas/check.schema.json)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hermetic_scan import __version__
from hermetic_scan.diagnostics import Diagnostic, Fix, Span
from hermetic_scan.engine import Result
from hermetic_scan.render.json_text import dumps
from hermetic_scan.source import SourceFile


def finding(d: Diagnostic, sources: Mapping[str, SourceFile] | None = None) -> dict[str, Any]:
    fix = _fix(d.fix, sources) if d.fix is not None and sources is not None else None
    return {
        "rule": d.rule,
        "severity": d.severity.value,
        "path": d.span.path,
        "line": d.span.start_line + 1,
        "column": d.span.start_col + 1,
        "end_line": d.span.end_line + 1,
        "end_column": d.span.end_col + 1,
        "message": d.message,
        "target": d.target,
        **({"related": [_place(span) for span in d.related]} if d.related else {}),
        **({"fix": fix} if fix else {}),
    }


def _fix(fix: Fix, sources: Mapping[str, SourceFile]) -> dict[str, Any] | None:
    source = sources.get(fix.path)
    if source is None:
        return None
    edits = []
    for edit in fix.edits:
        span = source.span(edit.start_byte, edit.end_byte)
        edits.append(
            {
                "line": span.start_line + 1,
                "column": span.start_col + 1,
                "end_line": span.end_line + 1,
                "end_column": span.end_col + 1,
                "text": edit.text,
            }
        )
    return {"title": fix.title, "applicability": fix.applicability.value, "path": fix.path, "edits": edits}


def _place(span: Span) -> dict[str, Any]:
    return {"path": span.path, "line": span.start_line + 1, "column": span.start_col + 1}


def render(result: Result) -> str:
    counts = result.counts()
    document = {
        "version": 1,
        "tool": {"name": "hermetic-scan", "version": __version__},
        "root": str(result.root),
        "findings": [finding(d, result.sources) for d in result.diagnostics],
        "summary": {
            "findings": len(result.diagnostics),
            "error": counts["error"],
            "warning": counts["warning"],
            "info": counts["info"],
            "files_scanned": result.files_scanned,
            "targets": result.targets_scanned,
            "baselined": result.baselined,
        },
    }
    return dumps(document, expand=2)
