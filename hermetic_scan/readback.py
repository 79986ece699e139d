"""The files a report quotes, read again from disk when a renderer asks for one.

A scan of a large workspace finds something in most of its BUILD files. Keeping each of those files
in memory to the end, and sending them from every shard to the parent, cost more memory than any
other single thing at 20,000 files (docs/performance.md). Renderers read little of them: the JSON
report only the spans of fixes, SARIF and baselines the line of each finding. So a scan keeps a
reference to each file (where it was read from, and the SHA-256 of the bytes it analyzed) and the
file is read again when a renderer asks. Bytes that no longer hash to that digest (the file changed
since the scan) are never used: the source is then missing, as for a file the scan could not read.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hermetic_scan.source import SourceFile
from hermetic_scan.workspace import read_file

# Files read back that stay read: renderers go through findings in path order.
RECENT = 8


@dataclass(frozen=True, slots=True)
class FileRef:
    # Where the file was read, as text: a cached result holds a reference per file with a finding
    # (36,000 on the 20,000-file workspace), and unpickling a `Path` costs 25 us, 0.9 s in all.
    origin: str
    digest: bytes

    @staticmethod
    def of(source: SourceFile) -> FileRef | None:
        if source.origin is None:
            return None
        return FileRef(str(source.origin), hashlib.sha256(source.data).digest())


class ReadBack(Mapping[str, SourceFile]):
    """Display path -> source, for the files of a report: each one is either held (text that is on
    no disk, and files a caller holds on purpose) or referred to and read again on demand, never
    both."""

    def __init__(self) -> None:
        self.refs: dict[str, FileRef] = {}
        self.held: dict[str, SourceFile] = {}
        self._recent: OrderedDict[str, SourceFile | None] = OrderedDict()

    def add(self, source: SourceFile, hold: bool = False) -> None:
        ref = None if hold else FileRef.of(source)
        if ref is None:
            self.held[source.path] = source
            self.refs.pop(source.path, None)
        elif source.path not in self.held:
            self.refs[source.path] = ref

    def refer(self, path: str, ref: FileRef) -> None:
        if path not in self.held:
            self.refs[path] = ref

    def update(self, other: ReadBack) -> None:
        for path, source in other.held.items():
            self.held[path] = source
            self.refs.pop(path, None)
        for path, ref in other.refs.items():
            self.refer(path, ref)

    def __getitem__(self, path: str) -> SourceFile:
        if path in self.held:
            return self.held[path]
        if path not in self._recent:
            self._recent[path] = self._read(path, self.refs[path])
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        found = self._recent[path]
        if found is None:
            raise KeyError(path)
        return found

    @staticmethod
    def _read(path: str, ref: FileRef) -> SourceFile | None:
        try:
            origin = Path(ref.origin)
            data = read_file(origin)
        except OSError:
            return None
        if hashlib.sha256(data).digest() != ref.digest:
            return None
        return SourceFile(path, data, origin=origin)

    def __contains__(self, path: object) -> bool:
        return path in self.held or path in self.refs

    def __iter__(self) -> Iterator[str]:
        yield from self.held
        yield from self.refs

    def __len__(self) -> int:
        return len(self.held) + len(self.refs)

    def __getstate__(self) -> dict[str, Any]:
        return {"refs": self.refs, "held": self.held}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.refs, self.held, self._recent = state["refs"], state["held"], OrderedDict()
