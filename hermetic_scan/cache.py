"""The analysis cache: a scan's result, kept with the log of what the scan read.

An entry is found by a key and trusted by its log. The key is the SHA-256 of: the cache format, the
tool's version and a digest of its own code, the effective options (every field of `options.Options`
that can change a report; `jobs` cannot: a scan in shards is byte-identical to one in one process)
and the *listing* of the workspace tree and of every `--external`/`--repo` directory: each directory
name in walk order, the name of each file the scan finds by walking (BUILD, .bzl, repository boundary
and rc files: `named_in_key`), the target of each symbolic link and the kind of anything that is not
a regular file, but no file's contents. A new, deleted or renamed BUILD or .bzl file, a new
directory, a retargeted link or a renamed package changes the key. Other files' names are not in it:
the scan never lists them (`glob` is not evaluated), it only reads some or looks for them by name,
and those are in the log. The walk is the scanner's own (it does not follow symbolic links to
directories, skips `.git` and the root's `bazel-*` links).

The log (`reads.ReadLog`) is what the scan that computed the result read: each file's path with the
SHA-256 of the bytes it got, or the error it met, where each path it asked for resolved to, and
whether each file it looked for by name (a script a label names) was there. An entry answers only if
all of that still holds. So an edit to a file the scan never read, or a new file it never looked for
(a .go or .py source, a README: most commits), leaves the entry valid, and an edit to any file it
read (a BUILD or .bzl file, two loads away or not, a script a rule runs, the .bazelrc) does not. A
key can have several entries (an edit, then its undoing), each named by the digest of its log; the
newest are tried first.

Checking the log must not read every file again: each tree has an index in `index/` (path -> size,
modification and change times, inode, device, digest, when it was read): a file whose signature is
unchanged, and whose last change was over 2 s before it was read, keeps its digest without being
read. The change time (ctime) cannot be set back by a user, so an edit that restores the size and
modification time is still seen. A file outside the trees' walk (reached through a link) is read and
hashed.

An entry is one file `<key[:2]>/<key>-<log digest>.pickle` in two parts (`ENTRY_FORMAT`): its log,
with its length and SHA-256, then the SHA-256 and pickle of the rest (the pickled `Result`, without
the model: a cached result carries no syntax trees, and the records). A lookup reads the logs alone
until one holds; only then is the rest read and checked. It is written to a temporary file in the
same directory and renamed over the entry, so two runs at once each see either no entry or a whole
one. A read that finds a wrong header, a digest that does not match, a truncated file or a payload
that does not unpickle is a miss: the scan runs and the entry is written again. A scan whose log
cannot be checked later (an editor's buffer stood in for a file, a file changed while it was read
twice) is not stored. The cache directory is the user's own (as for any local cache, whoever can
write it can make a scan return what they wrote there).

Scope: the whole result of one scan, and beside it the parts a later scan can reuse when only BUILD
and .bzl files changed (`reusable`, from the entry closest to the files now): each package's record,
found by following what packages depend on backwards from the files that changed (`still_valid`),
and the record of the analysis of the .bzl files, which a scan whose changes it did not read takes
instead of analyzing every rule, and instead of parsing every .bzl file (engine.BzlRecord,
model.Preparation). A change to any other file the scan read runs the whole scan.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import hashlib
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from hermetic_scan import __version__, parse, reads
from hermetic_scan.model.evaluate import EVERY_NAME
from hermetic_scan.model.host_toolchains import may_configure_hosts
from hermetic_scan.model.modules import LOADS, PLACED, TEXT, analysis_shape, definitions, name_digests
from hermetic_scan.workspace import BOUNDARY_FILES, BUILD_FILES, MAX_FILE_BYTES, read_file

# The header of the other files the cache writes (each tree's index), and of entries until 7.
FORMAT = b"hermetic-scan-cache 6\n"
# The header of an entry (`Entry`). Bump when an entry changes shape (2: Inventory.rc_findings;
# 3: entries keep the log of what the scan read; 4: and its packages' records; 5: and the record of
# the .bzl files' analysis; 6: the records keep their targets' index, `check` keeps no inventory;
# 7: the log and the rest are two parts, each with its digest, so that a lookup checks a log without
# reading, hashing and unpickling the result and the records, 140 MB at 20,000 files; 8: the log
# keeps the statements' digest of each .bzl file parsed; 9: the records keep the names read), so older
# entries are misses.
ENTRY_FORMAT = b"hermetic-scan-entry 9\n"
# Entries kept per cache directory: older ones (by modification time) are removed after a write.
MAX_ENTRIES = 64
# And their bytes, at most: an entry holds every package's record, 140 MB on a 20,000-file workspace,
# so 64 of them would fill 9 GB of a developer's disk. The newest entry is kept whatever its size.
MAX_BYTES = 2 * 2**30
# Regular files whose names are in the key (`named_in_key`), besides every .bzl file.
KEY_NAMES = frozenset({*BUILD_FILES, *BOUNDARY_FILES, ".bazelrc", ".bazelversion", ".bazelignore"})
# Entries of one key whose logs are checked before a lookup gives up (the newest first).
MAX_CANDIDATES = 8
# Options fields that cannot change what a scan reports.
NOT_IN_KEY = {"jobs", "cache_dir", "stream", "keep_model"}


def default_dir() -> Path:
    """$XDG_CACHE_HOME/hermetic-scan, else ~/.cache/hermetic-scan (XDG Base Directory specification:
    https://specifications.freedesktop.org/basedir-spec/latest/ ; a relative XDG_CACHE_HOME is ignored)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "hermetic-scan"


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(str(_canonical(v)) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def options_digest(options: object) -> str:
    """The part of the key that comes from the options object (a dataclass)."""
    fields = _canonical(options)
    assert isinstance(fields, dict)
    kept = {name: v for name, v in fields.items() if name not in NOT_IN_KEY}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


# A file's signature: what changes when its contents may have (size, times, inode, device).
Signature = tuple[int, int, int, int, int]
# Index of one tree: path -> (signature, content digest, when the contents were read, in ns).
TreeIndex = dict[str, tuple[Signature, bytes, int]]
# A digest taken this close (ns) to the file's last change is not reused: the file may have been
# written again within the same timestamp tick (the "racy" case of git's index).
RACY_NS = 2_000_000_000


@dataclass
class _Tree:
    top: str
    real_top: str
    previous: TreeIndex  # the index read from the cache
    index: TreeIndex  # what it becomes: digests reused or taken in this run
    files: set[str] = field(default_factory=set)  # every regular file of the walk, relative to top
    # Their signatures, taken when first asked for: only the files in a log are (a stat of each of
    # googleapis's 9,300 files was a tenth of a warm run).
    signatures: dict[str, Signature | None] = field(default_factory=dict)

    def signature(self, rel: str) -> Signature | None:
        """A regular file's signature now; None when it is not one of the walk or is gone. Taken
        after the walk began, like every digest the run takes (`Survey.started`), so a change
        since then is never trusted by the next run (`RACY_NS`)."""
        if rel not in self.files:
            return None
        if rel not in self.signatures:
            try:
                stat = os.stat(os.path.join(self.top, rel))
            except OSError:
                self.signatures[rel] = None
            else:
                self.signatures[rel] = (
                    stat.st_size,
                    stat.st_mtime_ns,
                    stat.st_ctime_ns,
                    stat.st_ino,
                    stat.st_dev,
                )
        return self.signatures[rel]


def _feed_listing(digest: hashlib._Hash, tree: _Tree) -> None:
    """Every file and directory name under the tree's top in a fixed order, with each link's target
    and the kind of whatever is not a regular file; each regular file's signature goes to the tree."""
    seen: set[tuple[int, int]] = set()

    def walk(directory: str, rel: str) -> None:
        try:
            info = os.stat(directory)
        except OSError as error:
            digest.update(f"D!{rel}\0{error.errno}\0".encode())
            return
        key = (info.st_dev, info.st_ino)
        if key in seen:
            digest.update(f"L{rel}\0".encode())
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            digest.update(f"D!{rel}\0{error.errno}\0".encode())
            return
        digest.update(f"D{rel}\0".encode())
        for entry in entries:
            child = f"{rel}/{entry.name}" if rel else entry.name
            if entry.name == ".git" or (not rel and entry.name.startswith("bazel-")):
                continue
            try:
                is_dir = entry.is_dir()
                link = _readlink(entry.path) if entry.is_symlink() else None
                # A regular file, not a link, is known as one from the directory itself: no stat.
                plain = link is None and entry.is_file(follow_symlinks=False)
                stat = entry.stat() if not is_dir and not plain else None
            except OSError as error:
                digest.update(f"X{child}\0{error.errno}\0".encode())
                continue
            if is_dir and link is not None:
                # The scan walks no directory link (workspace._directory_link_problem): its text is
                # what it reads of it. Following one to `/` would hash the whole machine.
                digest.update(f"S{child}\0{link}\0".encode())
                continue
            if is_dir:
                walk(entry.path, child)
                continue
            if stat is not None and not S_ISREG(stat.st_mode):
                # A FIFO or a device (a link to /dev/zero) is never read by the scan.
                digest.update(f"N{child}\0{stat.st_mode}\0{stat.st_rdev}\0".encode())
                continue
            if link is not None or named_in_key(entry.name):
                digest.update(f"F{child}\0{link or ''}\0".encode())
            tree.files.add(child)

    walk(tree.top, "")
    seen.clear()


def named_in_key(name: str) -> bool:
    """Whether a regular file's name is part of the key: the files the scan finds by walking (BUILD,
    .bzl, repository boundary and rc files). Any other file counts only if a scan read it or looked
    for it (`reads.ReadLog`), so adding a source file (`main.go`) keeps the key."""
    return name in KEY_NAMES or name.endswith(".bzl")


@dataclass
class Survey:
    """One run's look at the trees: the key, and what tells whether a file still reads the same."""

    key: str
    trees: list[_Tree]
    cache_dir: Path | None
    started: int  # when the walk began (ns): index entries the scan adds are as old as that
    # The logs of the entries of the key read so far (None: not to be trusted): a lookup that misses
    # reads every entry's, and the search for records to reuse that follows compares them (`reusable`).
    logs: dict[Path, reads.ReadLog | None] = field(default_factory=dict, repr=False)

    def outcome_now(self, path: str, recorded: bytes) -> bytes | None:
        """What reading `path` would give now, in the terms `recorded` is in (`reads.ReadLog.files`);
        None when it cannot be told."""
        failed = reads.parse_failure(recorded)
        if failed is None and recorded != reads.ABSENT:
            known = self._indexed_digest(path)
            if known is not None:
                return known
        limit = failed[1] if failed is not None else MAX_FILE_BYTES
        try:
            data = read_file(Path(path), limit)
        except OSError as error:
            if error.errno == errno.ENOENT:
                return reads.ABSENT
            return reads.failure(error.errno or 0, limit)
        return hashlib.sha256(data).digest()

    def _indexed_digest(self, path: str) -> bytes | None:
        """The digest of a file of the walk from its index entry, or read and recorded there."""
        place = self._place(path)
        if place is None:
            return None
        tree, rel, signature = place
        known = tree.index.get(rel) or tree.previous.get(rel)
        changed = max(signature[1], signature[2])
        if (
            isinstance(known, tuple)
            and len(known) == 3
            and known[0] == signature
            and isinstance(known[1], bytes)
            and isinstance(known[2], int)
            and changed + RACY_NS < known[2]
        ):
            tree.index[rel] = known
            return known[1]
        read_at = time.time_ns()
        try:
            data = read_file(Path(path))
        except OSError:
            return None
        content = hashlib.sha256(data).digest()
        tree.index[rel] = (signature, content, read_at)
        return content

    def _place(self, path: str) -> tuple[_Tree, str, Signature] | None:
        """The tree, relative path and signature of a regular file the walk saw at `path`."""
        for tree in self.trees:
            for top in (tree.top, tree.real_top):
                if path.startswith(top + os.sep):
                    rel = path[len(top) + 1 :]
                    signature = tree.signature(rel)
                    if signature is not None:
                        return tree, rel, signature
        return None

    def _walked(self, path: str) -> bool:
        """Whether path is a regular file the walk reached from a tree's real top: then it resolves
        to itself (the walk follows no directory link, and a link in the tree is in the key), and it
        is a file, without asking the system again (a realpath is a stat per component: 3.4 of a
        warm run's 10 profiled seconds on the 20,000-file workspace)."""
        for tree in self.trees:
            if path.startswith(tree.real_top + os.sep) and path[len(tree.real_top) + 1 :] in tree.files:
                return True
        return False

    def learn(self, log: reads.ReadLog) -> None:
        """Index the digests the scan took of the files it read, as of the walk: a later run checks
        them without reading them again. A file written after the walk has another signature (its
        change time moved), so the next run does not trust the entry."""
        for path, outcome in log.files.items():
            if len(outcome) != reads.DIGEST_BYTES:  # ABSENT or a failure
                continue
            place = self._place(path)
            if place is not None:
                tree, rel, signature = place
                tree.index[rel] = (signature, outcome, self.started)

    def still_valid(self, log: reads.ReadLog) -> bool:
        """Whether every file in the log reads the same now, every path resolves the same and every
        path looked for is (or is not) a file as it was."""
        if not self._resolved_and_probed(log):
            return False
        return all(self.outcome_now(path, recorded) == recorded for path, recorded in log.files.items())

    def _resolved_and_probed(self, log: reads.ReadLog) -> bool:
        for path, real in log.resolved.items():
            if real == path and self._walked(path):
                continue
            try:
                if os.path.realpath(path) != real:
                    return False
            except (OSError, ValueError):
                return False
        for path, exists in log.probes.items():
            if not (exists and self._walked(path)) and os.path.isfile(path) != exists:
                return False
        return True

    def changed_files(self, log: reads.ReadLog) -> set[str] | None:
        """The files of the log that no longer read the same; None when a path resolves otherwise or
        a file looked for came or went."""
        if not self._resolved_and_probed(log):
            return None
        return {path for path, recorded in log.files.items() if self.outcome_now(path, recorded) != recorded}

    def save_index(self) -> None:
        """Write each tree's index back when this run added to it (or found entries gone)."""
        if self.cache_dir is None:
            return
        for tree in self.trees:
            kept = {rel: known for rel, known in tree.previous.items() if rel in tree.files}
            kept.update(tree.index)
            if kept != tree.previous:
                _write(_index_path(self.cache_dir, Path(tree.top)), kept)


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError as error:
        return f"!{error.errno}"


def _index_path(cache_dir: Path, top: Path) -> Path:
    return cache_dir / "index" / f"{hashlib.sha256(str(top).encode()).hexdigest()}.pickle"


@functools.cache
def _tool_digest() -> str:
    """A digest of the tool's own code, queries and data: a checkout whose code changed (a developer's,
    or one installed from a branch) must not read results of the code before, whatever the version says."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for top in (package, package.parent / "queries"):
        for path in sorted(top.rglob("*")) if top.is_dir() else []:
            if path.suffix in (".py", ".scm", ".toml", ".json") and path.is_file():
                digest.update(str(path.relative_to(top)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def survey(root: Path, options: object, extra_dirs: list[Path], cache_dir: Path | None = None) -> Survey:
    """The key of a scan of root with these options, and the trees' signatures to check a log
    against. With cache_dir, each tree's index is read from it (`Survey.save_index` writes it back)."""
    started = time.time_ns()
    digest = hashlib.sha256(FORMAT + __version__.encode() + b"\0" + _tool_digest().encode())
    digest.update(options_digest(options).encode())
    trees = []
    for top in [root, *extra_dirs]:
        digest.update(f"\0ROOT{top}\0".encode())
        previous: TreeIndex = {}
        if cache_dir is not None:
            loaded = _read(_index_path(cache_dir, top), dict)
            previous = loaded if isinstance(loaded, dict) else {}
        tree = _Tree(str(top), os.path.realpath(top), previous, {})
        _feed_listing(digest, tree)
        trees.append(tree)
    return Survey(digest.hexdigest(), trees, cache_dir, started)


@dataclass
class Entry:
    """What the cache stores under a key: the log of the scan and its result, pickled apart so that
    a log that no longer holds costs no unpickling of the result; and, pickled apart too, the records
    of its packages (engine.PackageEdges: what each depends on, and the record of its part of the
    scan that a later scan can reuse): `reusable`; and, pickled apart, the record of the analysis of
    the .bzl files (engine.BzlRecord), which a later scan whose changes it did not read reuses."""

    log: reads.ReadLog
    result: bytes
    packages: bytes = b""
    bzl: bytes = b""


@dataclass
class Carried:
    """What a scan takes from an entry whose log no longer holds only because BUILD or .bzl files
    changed: the records of the packages that reach none of the files that changed (and the edges of
    those that were not recorded), the record of the .bzl files' analysis when it read none of them,
    and the part of the log that still holds (the reads those packages and that analysis made, which
    the scan will not make again)."""

    records: dict[str, object]
    log: reads.ReadLog
    bzl: object | None = None
    # Real paths of the .bzl files that the packages to evaluate again loaded when the entry was
    # made: what they will most likely load now (`model.prepare_recorded` reads them before forking).
    loads: frozenset[str] = frozenset()


def _log_of(survey: Survey, path: Path) -> reads.ReadLog | None:
    """The log of an entry of the survey's key, read once a run; None when it cannot be trusted."""
    if path not in survey.logs:
        survey.logs[path] = _read_log(path)
    return survey.logs[path]


def lookup(survey: Survey, expected: type) -> object | None:
    """The stored result of a scan with the survey's key whose log still holds, newest first."""
    for path in _candidates(survey):
        log = _log_of(survey, path)
        if log is None or not survey.still_valid(log):
            continue
        entry = _read_entry(path)
        if entry is None:
            continue
        try:
            value = pickle.loads(entry.result)
        except Exception:  # a payload of an older layout of the classes: a miss, never a crash
            continue
        if isinstance(value, expected):
            _used(path)
            return value
    return None


def _used(path: Path) -> None:
    """Mark an entry that answered as recent: pruning keeps, and lookups try first, the entries used
    last, not only those written last."""
    try:
        os.utime(path)
    except OSError:
        pass  # a cache that cannot be written is still read


def reusable(survey: Survey) -> Carried | None:
    """From the entry of the survey's key closest to the files now, among those whose log still
    holds but for BUILD and .bzl files: the records of the packages that the changes do not reach
    (`still_valid`), and the record of the .bzl files' analysis when none of them changed (`Carried`).
    None when there is none: a change to anything else (a script, the .bazelrc, a file looked for)
    runs the whole scan.

    A .bzl file whose statements are as they were (`quiet_edits`: a comment added or changed between
    them, text after the last) counts as unchanged for the records; it is read again, and the
    suppression comments in it are the new ones. For another .bzl edit, a package is evaluated again
    only if it read a top-level name of the file whose statement changed (`NameChanges`).

    The closest is the newest where no .bzl file changed (its record of the .bzl analysis holds);
    failing that, the one with the fewest files changed. After an edit to a .bzl file is undone, the
    entry made before the edit is taken, not the newest one, which would analyze every rule again."""
    best: tuple[tuple[bool, int], Path, set[str], dict[str, bytes]] | None = None
    now: dict[str, _Reading | None] = {}
    for path in _candidates(survey):
        log = _log_of(survey, path)
        changed = survey.changed_files(log) if log is not None else None
        if log is None or changed is None or not all(_starlark(p) for p in changed):
            continue
        quiet = quiet_edits(log, changed, now)
        loud = changed - quiet.keys()
        distance = (any(p.endswith(".bzl") for p in loud), len(loud))
        if best is None or distance < best[0]:
            best = (distance, path, changed, quiet)
        if not distance[0]:
            break  # the newest entry whose .bzl files all hold: most often the newest of all
    survey.logs.clear()
    entry = _read_entry(best[1]) if best is not None else None
    if best is None or entry is None or not entry.packages:
        return None
    changed, quiet = best[2], best[3]
    try:
        records = pickle.loads(entry.packages)
    except Exception:  # an older layout: no reuse, never a crash
        return None
    if not isinstance(records, dict):
        return None
    loud = changed - quiet.keys()
    bzl = _unpickled_bzl(entry.bzl)
    renamed = NameChanges.between(
        bzl, {p: r for p in loud if p.endswith(".bzl") and (r := now.get(p)) is not None}
    )
    valid = still_valid(records, loud, renamed)
    kept = {build: r for build, r in records.items() if build in valid}
    loads = frozenset(
        path
        for build, r in records.items()
        if build not in valid
        for path in getattr(r, "depends", ())
        if isinstance(path, str) and path.endswith(".bzl")
    )
    # A file that changed is read again by the scan that takes the records and noted as it reads
    # then. The .bzl files compared here are noted as they were compared: a quiet one may not be
    # read again (an external file no package evaluated again loads), and a scan that reads other
    # bytes of any of them (an edit meanwhile) is not stored.
    compared = {p: r.content for p, r in now.items() if r is not None and p in changed}
    still = reads.ReadLog(
        {p: o for p, o in entry.log.files.items() if p not in changed} | compared,
        dict(entry.log.resolved),
        dict(entry.log.probes),
        {p: d for p, d in entry.log.statements.items() if p not in loud},
    )
    return Carried(kept, still, _bzl_carried(bzl, loud, renamed, now), loads)


@dataclass(frozen=True)
class _Reading:
    """A .bzl file as it reads now: its contents' digest, its statements' and its names', what of it
    decides which of its globals the analysis reads (`modules.analysis_shape`), and whether it may
    configure a toolchain from the fetching machine."""

    content: bytes
    statements: bytes | None
    names: dict[str, bytes]
    shape: tuple[frozenset[str], frozenset[str]]
    configures: bool


def _reading(path: str, now: dict[str, _Reading | None]) -> _Reading | None:
    if path not in now:
        try:
            data = read_file(Path(path))
        except OSError:
            now[path] = None
        else:
            parsed = parse.parse_starlark(data)
            found = definitions(parsed, data)
            now[path] = _Reading(
                hashlib.sha256(data).digest(),
                parse.statements_digest(parsed, data),
                name_digests(found, data),
                analysis_shape(found, data),
                may_configure_hosts(data),
            )
    return now[path]


def quiet_edits(log: reads.ReadLog, changed: set[str], now: dict[str, _Reading | None]) -> dict[str, bytes]:
    """The .bzl files among `changed` whose statements are the ones the log's scan parsed
    (`parse.statements_digest`: only comments, blank lines or text after the last statement differ),
    each with the digest of its contents now. Every changed .bzl file is read into `now` once, for
    every entry compared, and for `NameChanges`."""
    quiet = {}
    for path in changed:
        if not path.endswith(".bzl"):
            continue
        read = _reading(path, now)
        recorded = log.statements.get(path)
        if read is not None and recorded is not None and read.statements == recorded:
            quiet[path] = read.content
    return quiet


@dataclass
class NameChanges:
    """For each .bzl file edited, its top-level names as the record of the .bzl files' preparation
    has them (`modules.name_digests`) and as they read now."""

    before: dict[str, dict[str, bytes]]
    after: dict[str, dict[str, bytes]]

    @staticmethod
    def between(bzl: object | None, now: dict[str, _Reading]) -> NameChanges:
        preparation = getattr(bzl, "preparation", None)
        recorded = getattr(preparation, "names", None)
        before = {
            p: names for p in now if isinstance(recorded, dict) and isinstance(names := recorded.get(p), dict)
        }
        return NameChanges(before, {p: now[p].names for p in before})

    def knows(self, path: str) -> bool:
        return path in self.before

    def touched(self, path: str, names: frozenset[str], placed: bool = True) -> bool:
        """Whether a package that read `names` of the file at `path` (`EVERY_NAME`: all of it) read
        one the edit changed; or, unless its record holds a place in the file (`placed`), one whose
        text the edit changed: a statement that only moved evaluates the same. A name no statement
        defines reads as the load statements do."""
        if EVERY_NAME in names:
            return True
        part = PLACED if placed else TEXT
        before, after = self.before[path], self.after[path]
        loads_before, loads_after = before.get(LOADS, b""), after.get(LOADS, b"")
        return any(
            before.get(name, loads_before)[part] != after.get(name, loads_after)[part] for name in names
        )


def _unpickled_bzl(stored: bytes) -> object | None:
    """The record of the .bzl files' analysis stored in an entry; None when there is none or it does
    not unpickle."""
    if not stored:
        return None
    try:
        return pickle.loads(stored)
    except Exception:  # an older layout: analyzed again, never a crash
        return None


def _bzl_carried(
    record: object | None, changed: set[str], renamed: NameChanges, now: dict[str, _Reading | None]
) -> object | None:
    """The record of the .bzl files' analysis, when it holds: it read none of the files that changed
    but .bzl files (`depends`), and of each .bzl file edited, it read no name whose statement the
    edit changed or moved, nor what decides which names it reads; then with the edited files' names
    as they are now and their module-scope findings left to make again (`BzlRecord.restudy`). None
    when it does not hold."""
    depends = getattr(record, "depends", None)
    if record is None or not isinstance(depends, frozenset):
        return None
    edited = {path for path in changed if path.endswith(".bzl")}
    if depends & (changed - edited):
        return None
    if not edited:
        return record
    read = getattr(record, "reads", None)
    preparation = getattr(record, "preparation", None)
    shapes, displays = getattr(preparation, "shapes", None), getattr(preparation, "displays", None)
    configuring = getattr(preparation, "configuring", None)
    if not (isinstance(read, dict) and isinstance(shapes, dict) and isinstance(displays, dict)):
        return None
    if not isinstance(configuring, frozenset):
        return None
    for path in edited:
        reading = now.get(path)
        if reading is None or not renamed.knows(path) or path not in displays or path in configuring:
            return None
        if reading.configures or shapes.get(path) != reading.shape:
            return None
        if renamed.touched(path, read.get(path, frozenset()) | {LOADS}):
            return None
    restudy = frozenset(displays[path] for path in edited)
    names = {**getattr(preparation, "names", {}), **{path: renamed.after[path] for path in edited}}
    module_found = {p: found for p, found in getattr(record, "module_found", {}).items() if p not in restudy}
    return dataclasses.replace(
        record,  # type: ignore[type-var]
        preparation=dataclasses.replace(preparation, names=names),  # type: ignore[type-var]
        module_found=module_found,
        restudy=getattr(record, "restudy", frozenset()) | restudy,
    )


def still_valid(
    packages: dict[str, object], changed: set[str], renamed: NameChanges | None = None
) -> set[str]:
    """The packages (by BUILD file) whose edges reach no change: no file of their own (`depends`)
    changed, nor one of a package they name (`names`), transitively. With `renamed`, a .bzl file of
    theirs whose edit changed none of the names they read (`reads`) is no change to them. A package
    naming one that has no edges reaches what is not known, and is not valid either."""
    edges = {
        build: (depends, names, package)
        for build, package in packages.items()
        if isinstance(depends := getattr(package, "depends", None), frozenset)
        and isinstance(names := getattr(package, "names", None), frozenset)
    }
    named_by: dict[str, list[str]] = {}
    for build, (_, names, _) in edges.items():
        for name in names:
            named_by.setdefault(name, []).append(build)
    stale = [b for b, (depends, _, package) in edges.items() if _reached(depends & changed, package, renamed)]
    stale += [name for name in named_by if name not in edges]
    reached = set(stale)
    while stale:
        for build in named_by.get(stale.pop(), ()):
            if build not in reached:
                reached.add(build)
                stale.append(build)
    return edges.keys() - reached


def _reached(hit: frozenset[str], package: object, renamed: NameChanges | None) -> bool:
    """Whether the changed files `hit` among a package's own (`PackageEdges`) change what it read
    (`still_valid`)."""
    if not hit:
        return False
    read = getattr(package, "reads", None)
    placed = getattr(package, "placed", None)
    if renamed is None or not isinstance(read, Mapping):
        return True
    return any(
        not renamed.knows(path)
        or renamed.touched(
            path, read.get(path, frozenset()), not isinstance(placed, frozenset) or path in placed
        )
        for path in hit
    )


def _starlark(path: str) -> bool:
    name = os.path.basename(path)
    return name in BUILD_FILES or name.endswith(".bzl")


def remember(
    survey: Survey,
    log: reads.ReadLog,
    value: object,
    packages: dict[str, object] | None = None,
    bzl: object | None = None,
) -> None:
    """Store a result with the log of the scan that computed it (and the records of its packages
    and of its .bzl files' analysis), unless the log cannot be checked."""
    if survey.cache_dir is None or not log.complete:
        return
    survey.learn(log)
    try:
        result = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        records = pickle.dumps(packages, protocol=pickle.HIGHEST_PROTOCOL) if packages else b""
        analysis = pickle.dumps(bzl, protocol=pickle.HIGHEST_PROTOCOL) if bzl is not None else b""
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    store(survey.cache_dir, f"{survey.key}-{log.digest()[:32]}", Entry(log, result, records, analysis))


def _candidates(survey: Survey) -> list[Path]:
    """The entries of the survey's key, newest first, at most MAX_CANDIDATES."""
    if survey.cache_dir is None:
        return []
    try:
        found = list((survey.cache_dir / survey.key[:2]).glob(f"{survey.key}-*.pickle"))
    except OSError:
        return []
    found.sort(key=_modified, reverse=True)
    return found[:MAX_CANDIDATES]


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _entry(cache_dir: Path, entry_key: str) -> Path:
    return cache_dir / entry_key[:2] / f"{entry_key}.pickle"


def load(cache_dir: Path, entry_key: str, expected: type) -> object | None:
    """The cached object for entry_key, or None when there is none or it cannot be trusted."""
    path = _entry(cache_dir, entry_key)
    if expected is Entry:
        return _read_entry(path)
    return _read(path, expected)


def store(cache_dir: Path, entry_key: str, value: object) -> None:
    """Write the entry atomically, then prune old entries; a cache that cannot be written is skipped."""
    path = _entry(cache_dir, entry_key)
    if _write_entry(path, value) if isinstance(value, Entry) else _write(path, value):
        prune(cache_dir)


def _write_entry(path: Path, entry: Entry) -> bool:
    """An entry in two parts (`ENTRY_FORMAT`): the length, digest and pickle of its log, then the
    digest and pickle of the rest (`_replace_with`)."""
    try:
        log = pickle.dumps(entry.log, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return False

    def write(out: BinaryIO) -> None:
        out.write(ENTRY_FORMAT)
        out.write(len(log).to_bytes(8, "big"))
        out.write(hashlib.sha256(log).digest())
        out.write(log)
        _digested_pickle(out, (entry.result, entry.packages, entry.bzl))

    return _replace_with(path, write)


def _read_log(path: Path) -> reads.ReadLog | None:
    """The log of the entry at path, the rest not read (`ENTRY_FORMAT`); None when it cannot be trusted."""
    try:
        with path.open("rb") as source:
            return _log_part(source)
    except OSError:
        return None


def _read_entry(path: Path) -> Entry | None:
    """The entry at path, or None when either part is missing, truncated, does not match its digest or
    does not unpickle to what it should."""
    try:
        with path.open("rb") as source:
            log = _log_part(source)
            digest, rest = source.read(32), source.read()
    except OSError:
        return None
    if log is None or hashlib.sha256(rest).digest() != digest:
        return None
    try:
        result, packages, bzl = pickle.loads(rest)
    except Exception:  # an older layout, or not the three parts: a miss, never a crash
        return None
    if not all(isinstance(part, bytes) for part in (result, packages, bzl)):
        return None
    return Entry(log, result, packages, bzl)


def _log_part(source: BinaryIO) -> reads.ReadLog | None:
    """Read an entry's header and log from the start of `source`, leaving it at the rest."""
    head = source.read(len(ENTRY_FORMAT) + 8 + 32)
    if len(head) < len(ENTRY_FORMAT) + 40 or head[: len(ENTRY_FORMAT)] != ENTRY_FORMAT:
        return None
    size = int.from_bytes(head[len(ENTRY_FORMAT) : len(ENTRY_FORMAT) + 8], "big")
    data = source.read(size)
    if len(data) != size or hashlib.sha256(data).digest() != head[len(ENTRY_FORMAT) + 8 :]:
        return None
    try:
        log = pickle.loads(data)
    except Exception:  # a log of an older layout of the classes: a miss, never a crash
        return None
    return log if isinstance(log, reads.ReadLog) else None


def _read(path: Path, expected: type) -> object | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(FORMAT)
    if len(blob) < head + 32 or blob[:head] != FORMAT:
        return None
    payload = memoryview(blob)[head + 32 :]  # not a copy of the entry
    if hashlib.sha256(payload).digest() != blob[head : head + 32]:
        return None
    try:
        value = pickle.loads(payload)
    except Exception:  # a payload of an older layout of the classes: a miss, never a crash
        return None
    return value if isinstance(value, expected) else None


class _HashingWriter:
    """A file's `write` that digests what it writes."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        return self.out.write(data)


def _write(path: Path, value: object) -> bool:
    """Header, digest and pickle of `value` (`_replace_with`)."""

    def write(out: BinaryIO) -> None:
        out.write(FORMAT)
        _digested_pickle(out, value)

    return _replace_with(path, write)


def _digested_pickle(out: BinaryIO, value: object) -> None:
    """The SHA-256 of the pickle of `value`, then the pickle. Pickled into the file, not into memory
    first: an entry is 140 MB at 20,000 files."""
    at = out.tell()
    out.write(bytes(32))  # the digest, once the pickle is written
    hashing = _HashingWriter(out)
    pickle.Pickler(hashing, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    out.seek(at)
    out.write(hashing.digest.digest())


def _replace_with(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Write a temporary file beside path with `write` and rename it over path: a reader sees the old
    file or the new one whole. False when it could not be written or pickled (the cache is skipped)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return False
    return True


def prune(cache_dir: Path, keep: int = MAX_ENTRIES, budget: int = MAX_BYTES) -> None:
    """Remove all but the most recently written or used entries, at most `keep` of them and `budget`
    bytes together (the newest is kept whatever its size), and temporary files left for an hour (by
    a run that was killed while writing; younger ones may be another run's write in progress)."""
    entries: list[tuple[float, int, Path]] = []
    stale: list[Path] = []
    now = time.time()
    try:
        for sub in cache_dir.iterdir():
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for path in sub.iterdir():
                try:
                    status = path.stat()
                except OSError:
                    continue
                if not path.name.startswith(".tmp-"):
                    entries.append((status.st_mtime, status.st_size, path))
                elif status.st_mtime < now - 3600:
                    stale.append(path)
    except OSError:
        return
    held = 0
    for count, (_modified, size, path) in enumerate(sorted(entries, reverse=True)):
        held += size
        if count and (count >= keep or held > budget):
            stale.append(path)
    for path in stale:
        try:
            path.unlink()
        except OSError:
            continue
