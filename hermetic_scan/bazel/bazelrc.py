"""Parse .bazelrc files: `command[:config] option...` lines, continuations, import/try-import.

https://bazel.build/run/bazelrc
"""

from __future__ import annotations

import shlex
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
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)

    def has_flag(self, *names: str) -> bool:
        for option in self.options:
            if option.name in {f"--{n}" for n in names} and option.value in (None, "true", "1", "yes"):
                return True
        return False


def load_bazelrc(root: Path, names: list[str], reader: Callable[[Path], bytes] = read_file) -> RcFiles:
    rc = RcFiles()
    seen: set[Path] = set()
    for name in names:
        _load(root, root / name, rc, seen, required=True, reader=reader)
    return rc


def _load(
    root: Path,
    path: Path,
    rc: RcFiles,
    seen: set[Path],
    required: bool,
    reader: Callable[[Path], bytes] = read_file,
) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    try:
        display = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return  # outside the workspace (e.g. a user rc): not ours to report on
    try:
        data = reader(path)
    except OSError as error:
        if required or path.exists():
            rc.problems.append((display, error.strerror or str(error)))
        return
    source = SourceFile(display, data)
    rc.files.append(source)
    for start, line in _logical_lines(source.data):
        _parse_line(root, source, start, line, rc, seen, reader)


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
        lexer = shlex.shlex(line, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
    except ValueError:
        words = line.split()
    if not words:
        return
    head = words[0]
    if head in ("import", "try-import") and len(words) > 1:
        target = words[1].replace("%workspace%", str(root))
        _load(root, Path(target), rc, seen, required=head == "import", reader=reader)
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
    for word in options:
        probe = word.encode("utf-8")
        index = encoded.find(probe.split(b"=")[0], cursor)
        if index == -1:
            index = cursor
        value_end = encoded.find(probe.split(b"=", 1)[-1], index) if b"=" in probe else -1
        cursor = max(index + len(probe), value_end + len(probe.split(b"=", 1)[-1]) if value_end != -1 else 0)
        span = source.span(start + index, start + min(index + len(probe), len(encoded)))
        rc.options.append(RcOption(source, command, config or None, word, span))
