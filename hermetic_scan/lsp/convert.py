"""Positions between the engine (0-based lines, code-point columns, bytes) and LSP (UTF-16 units)."""

from __future__ import annotations

from lsprotocol import types as lsp

from hermetic_scan.diagnostics import Diagnostic, Severity, Span
from hermetic_scan.source import SourceFile

SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
DOCS = "https://github.com/hermetic-scan/hermetic-scan/blob/main/docs/rules.md"


def utf16_column(line_text: str, code_points: int) -> int:
    return len(line_text[:code_points].encode("utf-16-le")) // 2


def code_points(line_text: str, utf16: int) -> int:
    units = 0
    for index, ch in enumerate(line_text):
        if units >= utf16:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def position(source: SourceFile | None, line: int, column: int) -> lsp.Position:
    if source is None or line >= source.line_count():
        return lsp.Position(line=line, character=column)
    return lsp.Position(line=line, character=utf16_column(source.line_text(line), column))


def span_range(span: Span, source: SourceFile | None) -> lsp.Range:
    return lsp.Range(
        start=position(source, span.start_line, span.start_col),
        end=position(source, span.end_line, span.end_col),
    )


def byte_range(source: SourceFile, start: int, end: int) -> lsp.Range:
    return span_range(source.span(start, end), source)


def diagnostic(d: Diagnostic, source: SourceFile | None) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=span_range(d.span, source),
        message=d.message,
        severity=SEVERITY[d.severity],
        code=d.rule,
        code_description=lsp.CodeDescription(href=f"{DOCS}#{d.rule}"),
        source="hermetic-scan",
        data={"target": d.target, "owners": sorted(d.owners)},
    )


def to_byte(source: SourceFile, pos: lsp.Position) -> int:
    line = min(pos.line, source.line_count() - 1)
    text = source.line_text(line)
    prefix = text[: code_points(text, pos.character)]
    return source._line_starts[line] + len(prefix.encode("utf-8"))
