"""SARIF 2.1.0: one run, the rule registry as tool.driver.rules, stable partial fingerprints.

https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hermetic_scan import __version__
from hermetic_scan.diagnostics import Fix
from hermetic_scan.engine import Result
from hermetic_scan.fingerprint import fingerprints
from hermetic_scan.render.json_text import dumps
from hermetic_scan.rules import all_rules, rule_doc
from hermetic_scan.source import SourceFile

INFORMATION_URI = "https://github.com/hermetic-scan/hermetic-scan"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def help_uri(rule_id: str) -> str:
    return f"{INFORMATION_URI}/blob/main/docs/rules.md#{rule_id}"


def _rule_descriptor(meta: Any) -> dict[str, Any]:
    doc = rule_doc(meta.id)
    body = doc.partition("\n")[2].strip()
    what = body.split("## ", 2)[1].partition("\n")[2].strip() if "## " in body else meta.summary
    return {
        "id": meta.id,
        "name": "".join(part.capitalize() for part in meta.id.split("-")),
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": body, "markdown": body},
        "helpUri": help_uri(meta.id),
        "defaultConfiguration": {"level": LEVEL[meta.severity.value]},
        "properties": {"blocking": meta.blocking},
    }


def document(result: Result) -> dict[str, Any]:
    metas = all_rules()
    index = {meta.id: i for i, meta in enumerate(metas)}
    prints = fingerprints(result.diagnostics, result.sources)
    results = []
    for d in result.diagnostics:
        entry: dict[str, Any] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": LEVEL[d.severity.value],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.span.path, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": d.span.start_line + 1,
                            "startColumn": d.span.start_col + 1,
                            "endLine": d.span.end_line + 1,
                            "endColumn": d.span.end_col + 1,
                        },
                    }
                }
            ],
            "partialFingerprints": {"hermeticScan/v1": prints[id(d)]},
        }
        if d.related:
            entry["relatedLocations"] = [
                {
                    "id": index,
                    "message": {"text": "where the hazard is"},
                    "physicalLocation": {
                        "artifactLocation": {"uri": span.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": span.start_line + 1, "startColumn": span.start_col + 1},
                    },
                }
                for index, span in enumerate(d.related)
            ]
        fix = _fix(d.fix, result.sources) if d.fix is not None else None
        if fix is not None:
            entry["fixes"] = [fix]
        if d.target:
            entry["properties"] = {"target": d.target}
        results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hermetic-scan",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(meta) for meta in metas],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": result.root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(result: Result) -> str:
    return dumps(document(result), expand=4)


def _fix(fix: Fix, sources: Mapping[str, SourceFile]) -> dict[str, Any] | None:
    """A SARIF fix: the rule's edits as replacements in one artifact (SARIF 2.1.0 §3.55)."""
    source = sources.get(fix.path)
    if source is None:
        return None
    replacements = []
    for edit in fix.edits:
        span = source.span(edit.start_byte, edit.end_byte)
        replacements.append(
            {
                "deletedRegion": {
                    "startLine": span.start_line + 1,
                    "startColumn": span.start_col + 1,
                    "endLine": span.end_line + 1,
                    "endColumn": span.end_col + 1,
                },
                "insertedContent": {"text": edit.text},
            }
        )
    return {
        "description": {"text": f"{fix.title} ({fix.applicability.value})"},
        "artifactChanges": [
            {"artifactLocation": {"uri": fix.path, "uriBaseId": "%SRCROOT%"}, "replacements": replacements}
        ],
    }
