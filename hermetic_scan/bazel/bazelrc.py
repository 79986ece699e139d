"""Parse .bazelrc files: `command[:config] option...` lines, continuations, import/try-import.

https://bazel.build/run/bazelrc
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan.diagnostics import Span
from hermetic_scan.source import SourceFile
from hermetic_scan.workspace import read_file


@dataclass(frozen=True)
class RcOption:
    source: SourceFile
    command: str  # build, test, common, ...
    config: str | None
    text: str  # the option as written, e.g. --remote_executor=${X}
    span: Span

    @property
    def name(self) -> str:
        return self.text.split("=", 1)[0]

    @property
    def value(self) -> str | None:
        return self.text.split("=", 1)[1] if "=" in self.text else None


@dataclass
class RcFiles:
    files: list[SourceFile] = field(default_factory=list)
    options: list[RcOption] = field(default_factory=list)
    # rc files and `import` targets that could not be read (io-error findings): (where, message)
    problems: list[tuple[Span, str]] = field(default_factory=list)

    def has_flag(self, *names: str) -> bool:
        for option in self.options:
            if option.name in {f"--{n}" for n in names} and option.value in (None, "true", "1", "yes"):
                return True
        return False


def load_bazelrc(root: Path, names: list[str], reader: Callable[[Path], bytes] = read_file) -> RcFiles:
    rc = RcFiles()
    seen: set[Path] = set()
    for name in names:
        problem = _load(root, root / name, rc, seen, reader=reader)
        if problem is not None:
            rc.problems.append((Span(name, 0, 0, 0, 0), f"cannot read this rc file: {problem}"))
    return rc


def _load(
    root: Path,
    path: Path,
    rc: RcFiles,
    seen: set[Path],
    reader: Callable[[Path], bytes] = read_file,
) -> str | None:
    """Read one rc file and what it imports; returns why it could not be read, or None."""
    try:
        resolved = path.resolve()
    except ValueError:  # a NUL byte in an import's path (found by bench/fuzz.py)
        return "not a valid path (it holds a NUL byte)"
    if resolved in seen:
        return None
    seen.add(resolved)
    try:
        display = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return None  # outside the workspace (e.g. a user rc): never read, not ours to report on
    try:
        data = reader(path)
    except OSError as error:
        return error.strerror or str(error)
    source = SourceFile(display, data, origin=path)
    rc.files.append(source)
    for start, line in _logical_lines(source.data):
        _parse_line(root, source, start, line, rc, seen, reader)
    return None


def _logical_lines(data: bytes) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pending = ""
    pending_start = 0
    offset = 0
    for raw in data.split(b"\n"):
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not pending:
            pending_start = offset
        if text.endswith("\\"):
            pending += text[:-1] + " "
        else:
            out.append((pending_start, pending + text))
            pending = ""
        offset += len(raw) + 1
    if pending:
        out.append((pending_start, pending))
    return out


_PLAIN = re.compile(r"[^ \t\r\n#'\"\\]+")
_DOUBLE_QUOTED = re.compile(r'(?:[^"\\]|\\.)*"', re.S)


def _words(line: str) -> list[str]:
    """Split a line as a POSIX shell would (what shlex did, in linear time: shlex took seconds per
    megabyte): whitespace separates words, quotes group, backslash escapes, `#` ends the line.
    Raises ValueError on an unclosed quote or a trailing backslash."""
    words: list[str] = []
    token: list[str] = []
    in_word = False
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        plain = _PLAIN.match(line, i)
        if plain is not None:
            token.append(plain.group())
            in_word = True
            i = plain.end()
            continue
        if ch in " \t\r\n" or ch == "#":
            if in_word:
                words.append("".join(token))
                token, in_word = [], False
            if ch == "#":
                return words
            i += 1
        elif ch == "'":
            end = line.find("'", i + 1)
            if end == -1:
                raise ValueError("no closing quotation")
            token.append(line[i + 1 : end])
            in_word, i = True, end + 1
        elif ch == '"':
            quoted = _DOUBLE_QUOTED.match(line, i + 1)
            if quoted is None:
                raise ValueError("no closing quotation")
            body = quoted.group()[:-1]
            # Inside double quotes a backslash escapes only `"` and itself.
            token.append(re.sub(r'\\(["\\])', r"\1", body))
            in_word, i = True, quoted.end()
        else:  # a backslash: the next character is taken as it is
            if i + 1 >= n:
                raise ValueError("no escaped character")
            token.append(line[i + 1])
            in_word, i = True, i + 2
    if in_word:
        words.append("".join(token))
    return words


def _parse_line(
    root: Path,
    source: SourceFile,
    start: int,
    line: str,
    rc: RcFiles,
    seen: set[Path],
    reader: Callable[[Path], bytes],
) -> None:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return
    try:
        words = _words(line)
    except ValueError:
        words = line.split()
    if not words:
        return
    head = words[0]
    if head in ("import", "try-import") and len(words) > 1:
        target = Path(words[1].replace("%workspace%", str(root)))
        problem = _load(root, target, rc, seen, reader=reader)
        # Bazel stops on an `import` it cannot read; `try-import` of a missing file is silent
        # (https://bazel.build/run/bazelrc#imports). An existing file that cannot be read is reported.
        if problem is not None and (head == "import" or os.path.lexists(target)):
            end = start + len(line.encode("utf-8"))
            rc.problems.append((source.span(start, end), f"{head} {words[1]}: cannot read it: {problem}"))
        return
    command, _, config = head.partition(":")
    cursor = 0
    encoded = line.encode("utf-8")
    options: list[str] = []
    for word in words[1:]:
        # `--flag value` is the same option as `--flag=value`.
        if options and options[-1].startswith("--") and "=" not in options[-1] and not word.startswith("-"):
            options[-1] = f"{options[-1]}={word}"
        else:
            options.append(word)
    columns = _Columns(source)
    for word in options:
        probe = word.encode("utf-8")
        index = encoded.find(probe.split(b"=")[0], cursor)
        if index == -1:
            index = cursor
        value_end = encoded.find(probe.split(b"=", 1)[-1], index) if b"=" in probe else -1
        cursor = max(index + len(probe), value_end + len(probe.split(b"=", 1)[-1]) if value_end != -1 else 0)
        span = columns.span(start + index, start + min(index + len(probe), len(encoded)))
        rc.options.append(RcOption(source, command, config or None, word, span))


class _Columns:
    """Spans of the options of one line, left to right, in time linear in the line's length:
    `SourceFile.span` decodes from the start of the line for every column, which made a 2 MB line of
    options take minutes. Columns are counted on from the previous option instead."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.line = -1
        self.byte = 0
        self.column = 0

    def position(self, byte: int) -> tuple[int, int]:
        line = self.source.line_of(byte)
        if line != self.line or byte < self.byte:
            self.line, self.byte, self.column = line, self.source.line_start(line), 0
        chunk = self.source.data[self.byte : byte]
        self.column += len(chunk.decode("utf-8", errors="replace"))
        self.byte = byte
        return line, self.column

    def span(self, start: int, end: int) -> Span:
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(self.source.path, start_line, start_column, end_line, end_column, start, end)
