"""Fingerprints that survive unrelated edits: no line numbers, only what the finding is about.

A fingerprint hashes the rule, the path, the target label, the normalised text of the flagged
source and of its line, and the occurrence index among identical findings in the same file (so a
second identical hazard in a file is new, while moving the first one keeps its fingerprint).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.source import SourceFile


def _normalised(text: str) -> str:
    return " ".join(text.split())


def fingerprints(diagnostics: list[Diagnostic], sources: Mapping[str, SourceFile]) -> dict[int, str]:
    """Fingerprint per diagnostic, keyed by id(diagnostic). A finding anchored at a target's line
    (`Diagnostic.origin`) has the fingerprint of the finding it was anchored from."""
    originals = list({id(d.origin or d): d.origin or d for d in diagnostics}.values())
    prints = _fingerprints(originals, sources)
    return {id(d): prints[id(d.origin or d)] for d in diagnostics}


def _fingerprints(diagnostics: list[Diagnostic], sources: Mapping[str, SourceFile]) -> dict[int, str]:
    seen: Counter[str] = Counter()
    out: dict[int, str] = {}
    for d in diagnostics:
        source = sources.get(d.span.path)
        flagged = line = ""
        if source is not None and d.span.start_line < source.line_count():
            flagged = source.data[d.span.start_byte : d.span.end_byte].decode("utf-8", errors="replace")
            line = source.line_text(d.span.start_line)
        base = "\x1f".join((d.rule, d.span.path, d.target or "", _normalised(flagged), _normalised(line)))
        digest = hashlib.sha256(base.encode("utf-8")).hexdigest()[:32]
        index = seen[digest]
        seen[digest] += 1
        out[id(d)] = f"{digest}:{index}"
    return out
