"""What a scan read from disk: each file's path with the SHA-256 of the bytes it got (or the error
it met), where each path it asked for resolved to, and whether each path it looked for was a file. The cache (cache.py) keeps a result with this
log and answers from it later only when every file in the log still reads the same: an edit to a file
the scan never read (a .go source, a README) leaves the result valid.

Every read of a file under analysis goes through `workspace.read_file`, and every look for one that
the cache's key does not cover (a script a label names) through `workspace.is_file`; they note it
here while a log is being kept (`recording`); nothing is noted otherwise, so a scan without the cache pays nothing.
A forked shard keeps a log of its own (`start_over`) and sends it back with its output (shards.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# What a path read as when it did not exist (ENOENT): the content digest of no file.
ABSENT = b""
DIGEST_BYTES = 32


@dataclass
class ReadLog:
    # path -> SHA-256 of the bytes read, ABSENT, or `failure(errno, limit)` for another error
    files: dict[str, bytes] = field(default_factory=dict)
    # path asked for -> the real path it resolved to (Workspace.read refuses what leaves the roots)
    resolved: dict[str, str] = field(default_factory=dict)
    # path -> whether it was a file when the scan asked (`workspace.is_file`: a script a label names)
    probes: dict[str, bool] = field(default_factory=dict)
    # path -> `parse.statements_digest` of a Starlark file parsed: an edit that keeps it (a comment)
    # leaves what the scan recorded of the file valid (`cache.reusable`). Derived from the bytes in
    # `files`, so not part of `digest`.
    statements: dict[str, bytes] = field(default_factory=dict)
    # False once the scan read something no later run can check the same way: an editor's buffer
    # instead of the file, or one file read twice with different contents (edited during the scan).
    complete: bool = True

    def note(self, path: str, outcome: bytes) -> None:
        known = self.files.setdefault(path, outcome)
        if known != outcome:
            self.complete = False

    def merge(self, other: ReadLog) -> None:
        for path, outcome in other.files.items():
            self.note(path, outcome)
        for path, real in other.resolved.items():
            if self.resolved.setdefault(path, real) != real:
                self.complete = False
        for path, exists in other.probes.items():
            note_probe_in(self, path, exists)
        for path, digest in other.statements.items():
            self.statements.setdefault(path, digest)
        self.complete = self.complete and other.complete

    def digest(self) -> str:
        """One digest of the whole log, to name a cache entry by what it was computed from."""
        out = hashlib.sha256()
        for path, outcome in sorted(self.files.items()):
            out.update(path.encode("utf-8", "surrogateescape") + b"\0" + outcome + b"\0")
        for path, real in sorted(self.resolved.items()):
            out.update(f"{path}\0{real}\0".encode("utf-8", "surrogateescape"))
        for path, exists in sorted(self.probes.items()):
            out.update(f"{path}\0{exists:d}\0".encode("utf-8", "surrogateescape"))
        return out.hexdigest()


def failure(error_number: int, limit: int) -> bytes:
    """The outcome of a read that failed: the error and the size limit it was read with (a file too
    large for one limit is read under another). Never 32 bytes long, the length of a digest."""
    return f"!{error_number}:{limit}".encode()


def parse_failure(outcome: bytes) -> tuple[int, int] | None:
    if len(outcome) == DIGEST_BYTES or outcome == ABSENT:
        return None
    number, _, limit = outcome[1:].decode().partition(":")
    return int(number), int(limit)


_log: ReadLog | None = None


@contextmanager
def recording() -> Iterator[ReadLog]:
    """Note every file read until the block ends, in the log it yields."""
    global _log
    outer, _log = _log, ReadLog()
    try:
        yield _log
    finally:
        _log = outer


def start_over() -> None:
    """In a forked shard: a log of its own reads only (the parent's are in the parent's log)."""
    global _log
    if _log is not None:
        _log = ReadLog()


def current() -> ReadLog | None:
    return _log


def note_content(path: str, data: bytes) -> None:
    if _log is not None:
        _log.note(path, hashlib.sha256(data).digest())


def note_outcome(path: str, outcome: bytes) -> None:
    if _log is not None:
        _log.note(path, outcome)


def note_statements(path: str, digest: bytes) -> None:
    if _log is not None:
        _log.statements.setdefault(path, digest)


def resolved(path: str) -> str | None:
    """Where the log has `path` resolve to, while a log is kept."""
    return _log.resolved.get(path) if _log is not None else None


def note_resolved(path: str, real: str) -> None:
    if _log is not None and _log.resolved.setdefault(path, real) != real:
        _log.complete = False


def note_probe(path: str, exists: bool) -> None:
    if _log is not None:
        note_probe_in(_log, path, exists)


def note_probe_in(log: ReadLog, path: str, exists: bool) -> None:
    if log.probes.setdefault(path, exists) != exists:
        log.complete = False


def note_unverifiable() -> None:
    if _log is not None:
        _log.complete = False
