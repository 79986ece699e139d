"""Source files and text whose characters remember where they came from.

`MappedText` is how a shell finding inside a Starlark string concatenation, a `.format()` call or a
template lands on the right line of the right file: every character carries the byte offset it was
read from, or None when it stands for a value we cannot see (an opaque hole).
"""

from __future__ import annotations

import bisect
import itertools
import operator
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan.diagnostics import Span

# Tokens standing for values the evaluator cannot see, inside shell text. The shell analysis
# treats a command word containing one as a declared (or at least not ambient) program.
DECLARED_TOKEN = "__hs_declared__"
OPAQUE_TOKEN = "__hs_opaque__"


@dataclass(eq=False)
class SourceFile:
    path: str  # relative to the workspace root, forward slashes
    data: bytes
    # Byte offset of each line's start, 8 bytes a line (a list of ints costs about 36: every finding's
    # file is kept to the end of a scan, and every .bzl file in each shard).
    _line_starts: array[int] = field(default_factory=lambda: array("q"), repr=False)
    # (start byte, end byte) -> the decoded string literal there (strings.decode_literal_once): the
    # literals of a macro's body are decoded at every call of the macro otherwise.
    literals: dict[tuple[int, int], MappedText] = field(default_factory=dict, repr=False)
    # The file it was read from, for a report to read it again (`readback.ReadBack`); None for text
    # that is on no disk (a generated file, an editor's unsaved buffer).
    origin: Path | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Start of line i+1 = (lengths of lines 0..i) + (i + 1) newlines; in C, without a loop per line.
        lines = self.data.split(b"\n")
        self._line_starts = array("q", [0])
        self._line_starts.extend(
            map(operator.add, itertools.accumulate(map(len, lines)), range(1, len(lines)))
        )

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    def line_of(self, byte: int) -> int:
        """0-based line of a byte offset (`position(byte)[0]`, without computing the column)."""
        return bisect.bisect_right(self._line_starts, byte) - 1

    def position(self, byte: int) -> tuple[int, int]:
        line = self.line_of(byte)
        start = self._line_starts[line]
        col = len(self.data[start:byte].decode("utf-8", errors="replace"))
        return line, col

    def span(self, start_byte: int, end_byte: int) -> Span:
        sl, sc = self.position(start_byte)
        el, ec = self.position(max(start_byte, end_byte))
        return Span(self.path, sl, sc, el, ec, start_byte, end_byte)

    def line_start(self, line: int) -> int:
        return self._line_starts[line]

    def line_text(self, line: int) -> str:
        start = self._line_starts[line]
        end = self._line_starts[line + 1] if line + 1 < len(self._line_starts) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace").rstrip("\r\n")

    def line_count(self) -> int:
        return len(self._line_starts)


@dataclass(unsafe_hash=True, slots=True)  # not frozen: see Value; nothing mutates it
class MappedText:
    """Text plus, per character, the byte offset in `source` it came from (None for opaque holes)."""

    text: str
    # A `range` for a run of characters read in order from the source (most string literals and every
    # file): an int per character would cost more memory than the syntax trees.
    offsets: Offsets
    source: SourceFile | None
    anchor: int = 0  # fallback byte offset when a character has no origin

    @staticmethod
    def empty(source: SourceFile | None = None, anchor: int = 0) -> MappedText:
        return MappedText("", (), source, anchor)

    @staticmethod
    def opaque(token: str, source: SourceFile | None, anchor: int) -> MappedText:
        return MappedText(token, (None,) * len(token), source, anchor)

    @staticmethod
    def from_file(source: SourceFile) -> MappedText:
        cached = _FILE_TEXTS.get(id(source))
        if cached is not None and cached.source is source:
            return cached
        text = source.text
        if source.data.isascii():
            result = MappedText(text, range(len(text)), source, 0)
            _FILE_TEXTS[id(source)] = result
            return result
        offsets: list[int | None] = []
        pos = 0
        for ch in text:
            offsets.append(pos)
            pos += len(ch.encode("utf-8", errors="surrogatepass"))
        result = MappedText(text, tuple(offsets), source, 0)
        _FILE_TEXTS[id(source)] = result
        return result

    def __add__(self, other: MappedText) -> MappedText:
        source = self.source or other.source
        if self.source is not None and other.source is not None and self.source is not other.source:
            # Pieces from two files: keep positions of the first, the rest become holes.
            return MappedText(
                self.text + other.text,
                join_offsets([self.offsets, (None,) * len(other.text)]),
                source,
                self.anchor,
            )
        anchor = self.anchor if self.source is not None else other.anchor
        return MappedText(self.text + other.text, join_offsets([self.offsets, other.offsets]), source, anchor)

    @staticmethod
    def join(pieces: list[MappedText], source: SourceFile | None, anchor: int) -> MappedText:
        """`empty(source, anchor) + pieces[0] + pieces[1] + ...`, in one pass."""
        out = MappedText.empty(source, anchor)
        if all(p.source is None or p.source is source for p in pieces) and source is not None:
            offsets = join_offsets([piece.offsets for piece in pieces])
            return MappedText("".join(p.text for p in pieces), offsets, source, anchor)
        for piece in pieces:
            out = out + piece
        return out

    def slice(self, start: int, end: int) -> MappedText:
        return MappedText(self.text[start:end], self.offsets[start:end], self.source, self.anchor)

    def origin(self, index: int) -> int:
        """Byte offset of the character at `index`, or of the nearest earlier one with an origin."""
        for i in range(min(index, len(self.offsets) - 1), -1, -1):
            off = self.offsets[i]
            if off is not None:
                return off
        for off in self.offsets[index:]:
            if off is not None:
                return off
        return self.anchor

    def span(self, start: int, end: int) -> Span | None:
        if self.source is None:
            return None
        start_byte = self.origin(start)
        last = self.origin(max(start, end - 1))
        end_byte = last + 1 if last >= start_byte else start_byte
        return self.source.span(start_byte, end_byte)

    def replace_all(self, old: str, new: MappedText) -> MappedText:
        if not old or old not in self.text:
            return self
        out = MappedText.empty(self.source, self.anchor)
        pos = 0
        while True:
            i = self.text.find(old, pos)
            if i == -1:
                break
            out = out + self.slice(pos, i) + _reanchor(new, self.origin(i), self.source)
            pos = i + len(old)
        return out + self.slice(pos, len(self.text))


Offsets = tuple[int | None, ...] | range


def join_offsets(parts: list[Offsets]) -> Offsets:
    """The offsets of texts put end to end: one range when they continue each other."""
    runs = [p for p in parts if len(p)]
    if not runs:
        return ()
    if len(runs) == 1:
        return runs[0]
    if (
        all(isinstance(p, range) and p.step == 1 for p in runs)
        and all(
            a.stop == b.start  # type: ignore[union-attr]
            for a, b in zip(runs, runs[1:], strict=False)
        )
    ):
        return range(runs[0].start, runs[-1].stop)  # type: ignore[union-attr]
    return tuple(itertools.chain.from_iterable(runs))


# One MappedText per source file (scripts shared by many targets); checked against the source itself.
_FILE_TEXTS: dict[int, MappedText] = {}


def _reanchor(value: MappedText, anchor: int, source: SourceFile | None) -> MappedText:
    """A value pasted into other text: its characters map to the paste point when foreign."""
    if value.source is source:
        return value
    return MappedText(value.text, (anchor,) * len(value.text), source, anchor)
