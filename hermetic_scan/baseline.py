"""Baselines: accept today's findings, report only new ones.

The file records fingerprints (see fingerprint.py), so a finding that moves keeps matching, while a new
instance of the same rule in the same file does not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.fingerprint import fingerprints
from hermetic_scan.shape import ShapeError, expect_object, json_document, member, mismatch
from hermetic_scan.source import SourceFile


class BaselineError(Exception):
    pass


def write_baseline(diagnostics: list[Diagnostic], sources: Mapping[str, SourceFile]) -> str:
    prints = fingerprints(diagnostics, sources)
    entries = {
        prints[id(d)]: {"rule": d.rule, "path": d.span.path, "message": d.message} for d in diagnostics
    }
    return (
        json.dumps(
            {"version": 1, "tool": "hermetic-scan", "fingerprints": dict(sorted(entries.items()))}, indent=2
        )
        + "\n"
    )


def read_baseline(path: Path) -> set[str]:
    """The fingerprints of a baseline file; BaselineError naming the file and the field otherwise."""
    try:
        data = json_document(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, invalid JSON, ShapeError
        raise BaselineError(f"{path}: cannot read baseline: {error}") from error
    try:
        return _fingerprints(data)
    except ShapeError as error:
        raise BaselineError(f"{path}: not a hermetic-scan baseline (version 1): {error}") from None


def _fingerprints(data: object) -> set[str]:
    document = expect_object(data, "top level")
    if document.get("version") != 1:
        raise mismatch("version", "1", document.get("version"))
    fingerprints = expect_object(document.get("fingerprints"), "fingerprints")
    for fingerprint, entry in fingerprints.items():
        expect_object(entry, member("fingerprints", fingerprint))
    return set(fingerprints)


def split(
    diagnostics: list[Diagnostic], sources: Mapping[str, SourceFile], known: set[str]
) -> tuple[list[Diagnostic], int]:
    """(new findings, number of baselined ones)."""
    prints = fingerprints(diagnostics, sources)
    new = [d for d in diagnostics if prints[id(d)] not in known]
    return new, len(diagnostics) - len(new)
