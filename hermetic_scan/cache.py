"""The analysis cache: a scan's result, keyed by the content of every file it could read.

A key is the SHA-256 of: the cache format, the tool's version and a digest of its own code, the effective options (every field of
`options.Options` that can change a report; `jobs` cannot: a scan in shards is byte-identical to one
in one process) and the contents of the workspace tree and of every `--external`/`--repo` directory
(each file's path, size and SHA-256, in walk order; files over `workspace.MAX_FILE_BYTES`, which the
scan never reads, by path, size and modification time). Reading every file again on each run would
cost more than a scan of a small workspace, so each tree has an index in `index/` (path -> size,
modification and change times, inode, device, digest, when it was read): a file whose signature is
unchanged, and whose last change was over 2 s before it was read, keeps its digest without being
read. The change time (ctime) cannot be set back by a user, so an edit that restores the size and
modification time is still seen. The walk is the scanner's own (it follows
symbolic links to directories, skips `.git` and the root's `bazel-*` links), so any change a scan
could see (an edit, a new or deleted file a glob might match, a renamed package) changes the key.

An entry is one file `<key[:2]>/<key>.pickle` under the cache directory: a header, the SHA-256 of
the payload and the payload (the pickled `Result`, without the model: a cached result carries no
syntax trees). It is written to a temporary file in the same directory and renamed over the entry,
so two runs at once each see either no entry or a whole one. A read that finds a wrong header, a
digest that does not match, a truncated file or a payload that does not unpickle to a `Result` is a
miss: the scan runs and the entry is written again. The cache directory is the user's own (as for
any local cache, whoever can write it can make a scan return what they wrote there).

Scope: the whole result of one scan. Unchanged workspaces are answered from the cache; a change to
any file re-runs the whole scan (see docs/performance.md for why per-package entries are not there yet).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import pickle
import tempfile
import time
from pathlib import Path
from stat import S_ISREG

from hermetic_scan import __version__
from hermetic_scan.workspace import MAX_FILE_BYTES

# Bump when a cached Result changes shape (2: Inventory.rc_findings), so older entries are misses.
FORMAT = b"hermetic-scan-cache 2\n"
# Entries kept per cache directory: older ones (by modification time) are removed after a write.
MAX_ENTRIES = 64
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


def _feed_tree(digest: hashlib._Hash, top: str, previous: TreeIndex, index: TreeIndex) -> None:
    """Every file and directory name under top, with each file's size and contents digest, in a fixed
    order. A file whose signature is the one in `previous`, recorded well after its last change, has
    the digest recorded there; any other file is read and hashed. `index` receives every file's record."""
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
                stat = entry.stat() if not is_dir else None
            except OSError as error:
                digest.update(f"X{child}\0{error.errno}\0".encode())
                continue
            if is_dir and entry.is_symlink():
                # The scan walks no directory link (workspace._directory_link_problem): its text is
                # what it reads of it. Following one to `/` would hash the whole machine.
                digest.update(f"S{child}\0{_readlink(entry.path)}\0".encode())
                continue
            if is_dir:
                walk(entry.path, child)
                continue
            assert stat is not None
            if not S_ISREG(stat.st_mode):
                # A FIFO or a device (a link to /dev/zero) is never read by the scan; reading it here
                # would block or never end.
                digest.update(f"N{child}\0{stat.st_mode}\0{stat.st_rdev}\0".encode())
                continue
            if stat.st_size > MAX_FILE_BYTES:
                digest.update(f"B{child}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
                continue
            signature = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)
            known = previous.get(child)
            changed = max(stat.st_mtime_ns, stat.st_ctime_ns)
            if (
                isinstance(known, tuple)
                and len(known) == 3
                and known[0] == signature
                and isinstance(known[1], bytes)
                and isinstance(known[2], int)
                and changed + RACY_NS < known[2]
            ):
                index[child] = known
                digest.update(f"F{child}\0{stat.st_size}\0".encode() + known[1])
                continue
            read_at = time.time_ns()
            try:
                with open(entry.path, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                digest.update(f"F!{child}\0{error.errno}\0".encode())
                continue
            content = hashlib.sha256(data).digest()
            index[child] = (signature, content, read_at)
            digest.update(f"F{child}\0{len(data)}\0".encode() + content)

    walk(top, "")
    seen.clear()


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


def key(root: Path, options: object, extra_dirs: list[Path], cache_dir: Path | None = None) -> str:
    """The cache key of a scan of root with these options. With cache_dir, the content digests of files
    whose signature did not change since the last run are taken from its index of each tree (and the
    index is written back), so an unchanged workspace is not read again."""
    digest = hashlib.sha256(FORMAT + __version__.encode() + b"\0" + _tool_digest().encode())
    digest.update(options_digest(options).encode())
    for top in [root, *extra_dirs]:
        digest.update(f"\0ROOT{top}\0".encode())
        previous: TreeIndex = {}
        if cache_dir is not None:
            loaded = _read(_index_path(cache_dir, top), dict)
            previous = loaded if isinstance(loaded, dict) else {}
        index: TreeIndex = {}
        _feed_tree(digest, str(top), previous, index)
        if cache_dir is not None and index != previous:
            _write(_index_path(cache_dir, top), index)
    return digest.hexdigest()


def _entry(cache_dir: Path, entry_key: str) -> Path:
    return cache_dir / entry_key[:2] / f"{entry_key}.pickle"


def load(cache_dir: Path, entry_key: str, expected: type) -> object | None:
    """The cached object for entry_key, or None when there is none or it cannot be trusted."""
    return _read(_entry(cache_dir, entry_key), expected)


def store(cache_dir: Path, entry_key: str, value: object) -> None:
    """Write the entry atomically, then prune old entries; a cache that cannot be written is skipped."""
    if _write(_entry(cache_dir, entry_key), value):
        prune(cache_dir)


def _read(path: Path, expected: type) -> object | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(FORMAT)
    if len(blob) < head + 32 or blob[:head] != FORMAT:
        return None
    payload = blob[head + 32 :]
    if hashlib.sha256(payload).digest() != blob[head : head + 32]:
        return None
    try:
        value = pickle.loads(payload)
    except Exception:  # a payload of an older layout of the classes: a miss, never a crash
        return None
    return value if isinstance(value, expected) else None


def _write(path: Path, value: object) -> bool:
    """Write header, digest and payload to a temporary file beside path and rename it over path."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(FORMAT)
                out.write(hashlib.sha256(payload).digest())
                out.write(payload)
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


def prune(cache_dir: Path, keep: int = MAX_ENTRIES) -> None:
    """Remove all but the `keep` most recently written entries, and temporary files left for an hour
    (by a run that was killed while writing; younger ones may be another run's write in progress)."""
    entries: list[tuple[float, Path]] = []
    stale: list[Path] = []
    now = time.time()
    try:
        for sub in cache_dir.iterdir():
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for path in sub.iterdir():
                try:
                    modified = path.stat().st_mtime
                except OSError:
                    continue
                if not path.name.startswith(".tmp-"):
                    entries.append((modified, path))
                elif modified < now - 3600:
                    stale.append(path)
    except OSError:
        return
    stale += [p for _, p in sorted(entries, reverse=True)[keep:]]
    for path in stale:
        try:
            path.unlink()
        except OSError:
            continue
