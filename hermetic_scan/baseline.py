"""Baselines: accept today's findings, report only new ones.

The file records fingerprints (see fingerprint.py), so a finding that moves keeps matching, while a new
instance of the same rule in the same file does not.
"""

from __future__ import annotations

import json
from pathlib import Path

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.fingerprint import fingerprints
from hermetic_scan.source import SourceFile


class BaselineError(Exception):
    pass


def write_baseline(diagnostics: list[Diagnostic], sources: dict[str, SourceFile]) -> str:
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
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BaselineError(f"{path}: cannot read baseline: {error}") from error
    if (
        not isinstance(data, dict)
        or data.get("version") != 1
        or not isinstance(data.get("fingerprints"), dict)
    ):
        raise BaselineError(f"{path}: not a hermetic-scan baseline (version 1)")
    return set(data["fingerprints"])


def split(
    diagnostics: list[Diagnostic], sources: dict[str, SourceFile], known: set[str]
) -> tuple[list[Diagnostic], int]:
    """(new findings, number of baselined ones)."""
    prints = fingerprints(diagnostics, sources)
    new = [d for d in diagnostics if prints[id(d)] not in known]
    return new, len(diagnostics) - len(new)
