"""Find the workspace root, its repositories, packages and the files of each kind.

A directory below the root holding its own MODULE.bazel / WORKSPACE / REPO.bazel is a separate
repository: it is scanned, but its labels never mix with the outer repository's. Its targets are
labelled `@NAME//...` with its module or workspace name (its directory's name when it declares none);
when another nested repository has the same name, or the main repository does, NAME is that name and
its path, `~` for `/` (`@other_module~examples~bzlmod~other_module//pkg:lib`), so that every target
has a label of its own (docs/architecture.md, "Nested repositories").
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan import reads
from hermetic_scan.labels import Label

BOUNDARY_FILES = ("MODULE.bazel", "REPO.bazel", "WORKSPACE.bazel", "WORKSPACE")
BUILD_FILES = ("BUILD.bazel", "BUILD")
MAX_FILE_BYTES = 8 * 1024 * 1024
SMALL_FILE_BYTES = 1024 * 1024  # .bazelversion, .bazelignore: a few lines each


@dataclass
class FileProblem:
    path: str  # relative to the workspace root
    message: str


@dataclass
class Repository:
    # "" for the main repository; a nested one's label name (its `apparent` name, or that and its
    # path when another repository has the same name); an external one's name as labels write it
    name: str
    root: Path
    prefix: str  # path of root relative to the workspace root ("" for the main repository)
    build_files: list[str] = field(default_factory=list)  # repository-relative
    bzl_files: list[str] = field(default_factory=list)
    other_starlark: list[str] = field(default_factory=list)  # WORKSPACE, MODULE.bazel, REPO.bazel
    packages: set[str] = field(default_factory=set)
    module_name: str | None = None
    repo_name: str | None = None  # module(repo_name = ...): how the module refers to itself
    external: bool = False
    apparent: str = ""  # a nested repository's module/workspace name (or directory's): what labels write

    def display(self, rel: str) -> str:
        """A repository-relative path as shown in findings (relative to the workspace root)."""
        if self.external:
            return f"external/{self.name}/{rel}" if rel else f"external/{self.name}"
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def label(self, package: str, name: str) -> Label:
        return Label(self.name, package, name)


@dataclass(frozen=True)
class LoadSite:
    """A load() of another repository in a file a scan may not read: where its label starts (the
    opening quote, 0-based), the label and the symbols it takes. The language server analyzes the
    open files alone and gives the sites of the others (`Workspace.load_sites`), so that a repository
    loaded from several files is reported where `check` reports it."""

    path: str  # display path
    line: int
    column: int
    label: str
    repository: str  # the label's, as the loader names it in "repository @... is not available"
    native: bool  # every symbol it takes is a native rule kept in a ruleset: no problem for the loader


@dataclass
class Workspace:
    root: Path
    main: Repository
    nested: list[Repository] = field(default_factory=list)
    bazelrc: list[str] = field(default_factory=list)  # rc files at the root (workspace-relative)
    problems: list[FileProblem] = field(default_factory=list)
    extra_repos: dict[str, Path] = field(default_factory=dict)  # --repo NAME=PATH
    external_dirs: list[Path] = field(default_factory=list)  # --external DIR
    knowledge_files: list[Path] = field(default_factory=list)  # the team's rulesets (docs/knowledge.md)
    # Editor buffers that replace the files on disk (absolute path -> contents), and parse trees
    # kept between analyses of the same contents (the language server sets both).
    overlays: dict[Path, bytes] = field(default_factory=dict)
    parse_cache: dict[tuple[Path, int], object] | None = None
    load_sites: list[LoadSite] | None = None  # of the files the language server's analysis does not read
    _roots: tuple[object, list[str]] | None = field(default=None, repr=False)

    def read(self, path: Path) -> bytes:
        overlay = self.overlays.get(path)
        if overlay is None and self.overlays:
            overlay = self.overlays.get(path.resolve())
        if overlay is not None:
            reads.note_unverifiable()  # an editor's buffer: no later run can read it again
            if len(overlay) > MAX_FILE_BYTES:
                raise OSError(
                    errno.EFBIG,
                    f"buffer is {len(overlay) / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 2**20} MiB limit; skipped",
                )
            return overlay
        try:
            real = os.path.realpath(path)
        except (UnicodeEncodeError, ValueError) as error:
            # A name decoded from an escape (`\ud800`) or holding a NUL names no file on disk.
            raise OSError(
                errno.ENOENT, f"not a file name the system can open ({type(error).__name__})"
            ) from error
        reads.note_resolved(str(path), real)
        if not any(real == top or real.startswith(top + os.sep) for top in self.allowed_roots()):
            raise OSError(
                errno.EACCES,
                "resolves outside the workspace and the declared external repositories; not read",
            )
        return read_file(Path(real))

    def allowed_roots(self) -> list[str]:
        """Where files may be read from: the workspace and the roots given with --repo and
        --external (resolved). A symbolic link, `..` in a label or a repository named `..` that
        leads anywhere else is refused (issue 16)."""
        key = (tuple(self.extra_repos.values()), tuple(self.external_dirs))
        if self._roots is None or self._roots[0] != key:
            tops = [self.root, *self.extra_repos.values(), *self.external_dirs]
            self._roots = (key, [os.path.realpath(top) for top in tops])
        return self._roots[1]

    @property
    def repositories(self) -> list[Repository]:
        return [self.main, *self.nested]


def find_root(start: Path) -> Path:
    start = start.resolve()
    here = start if start.is_dir() else start.parent
    for candidate in (here, *here.parents):
        if any((candidate / name).is_file() for name in BOUNDARY_FILES):
            return candidate
    return here


def read_bazelignore(root: Path) -> list[str]:
    text = read_small_text(root / ".bazelignore")
    if text is None:
        return []
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(line.strip("/"))
    return entries


def discover(root: Path, exclude: Iterable[str] = ()) -> Workspace:
    main = Repository("", root, "")
    workspace = Workspace(root, main)
    patterns = list(exclude)
    ignored = {entry for entry in read_bazelignore(root)}
    workspace.bazelrc = [name for name in (".bazelrc",) if (root / name).is_file()]
    _walk(workspace, main, str(root), "", ignored, patterns, set())
    for repo in workspace.repositories:
        repo.module_name = _module_name(repo)
        repo.repo_name = _repo_name(repo)
        if repo is not main and not repo.name:
            repo.name = repo.apparent = repo.module_name or repo.root.name
    _disambiguate(workspace)
    return workspace


# What a path component may keep in a label name: the characters of Bazel repository names but `~`
# and `+`, which then only separate the parts.
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def _disambiguate(workspace: Workspace) -> None:
    """Give the nested repositories that share a name, or have the main repository's, label names of
    their own: the name and the path (`other_module~examples~bzlmod~other_module`). All of them, not
    all but the first, so a label does not depend on which one was found first; the result is a valid
    Bazel repository name (schemas, patterns and readers of `@NAME//` keep working) that no module or
    workspace name can be (those have no `~`)."""
    main = workspace.main
    counts = Counter(repo.apparent for repo in workspace.nested)
    shared = {name for name, count in counts.items() if count > 1} | (
        {main.module_name, main.repo_name} & set(counts)
    )
    if not shared:
        return
    used = {repo.name for repo in workspace.nested if repo.apparent not in shared}
    for repo in workspace.nested:
        if repo.apparent not in shared:
            continue
        base = "~".join([repo.apparent, *(_UNSAFE_IN_NAME.sub("_", part) for part in repo.prefix.split("/"))])
        name, count = base, 1
        while name in used:  # two paths the same once their odd characters are replaced
            count += 1
            name = f"{base}~{count}"
        used.add(name)
        repo.name = name


def _walk(
    workspace: Workspace,
    repo: Repository,
    directory: str,  # a str, not a Path: thousands of directories, and Path objects cost more than the walk
    rel: str,
    ignored: set[str],
    patterns: list[str],
    seen: set[tuple[int, int]],
    may_be_repository: bool = False,
) -> None:
    try:
        info = os.stat(directory)
    except OSError as error:
        workspace.problems.append(FileProblem(repo.display(rel), _describe(error)))
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return  # a symlink cycle back to a directory already being scanned
    seen = seen | {key}
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as error:
        workspace.problems.append(FileProblem(repo.display(rel), _describe(error)))
        return
    files = {entry.name for entry in entries if _is_file(entry)}
    if may_be_repository and any(name in files for name in BOUNDARY_FILES):
        repo = Repository("", Path(directory), repo.display(rel))
        workspace.nested.append(repo)
        rel, ignored = "", set()
    if any(name in files for name in BUILD_FILES):
        repo.packages.add(rel)
    for entry in entries:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name == ".git" or (not rel and entry.name.startswith("bazel-")):
            continue
        shown = repo.display(child_rel)
        if child_rel in ignored or (patterns and any(fnmatch.fnmatch(shown, p) for p in patterns)):
            continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.name in files
        except OSError as error:
            workspace.problems.append(FileProblem(shown, _describe(error)))
            continue
        if not is_dir and not is_file and entry.is_symlink():
            try:
                os.stat(entry.path)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    workspace.problems.append(FileProblem(shown, "symbolic link loop; skipped"))
                continue  # dangling link: nothing to read
        if is_dir and entry.is_symlink():
            problem = _directory_link_problem(workspace, entry.path, directory)
            if problem:
                workspace.problems.append(FileProblem(shown, problem))
            continue
        if is_dir:
            _walk(workspace, repo, entry.path, child_rel, ignored, patterns, seen, entry.name != "BUILD")
        elif is_file:
            if entry.name in BUILD_FILES:
                if entry.name == "BUILD" and "BUILD.bazel" in files:
                    continue  # Bazel prefers BUILD.bazel
                repo.build_files.append(child_rel)
            elif entry.name.endswith(".bzl"):
                repo.bzl_files.append(child_rel)
            elif entry.name in BOUNDARY_FILES and not rel:
                repo.other_starlark.append(child_rel)


def _directory_link_problem(workspace: Workspace, link: str, parent: str) -> str | None:
    """Why a symbolic link to a directory is reported, or None when it is skipped silently. No such
    link is walked: one leaving the workspace could lead anywhere (`/`, `..`) and is reported like a
    file resolving outside it; one to an ancestor is a loop (Bazel fails on it too: "infinite symlink
    expansion"); one to another directory of the workspace is skipped without a finding, because
    that directory is scanned at its own path, so each BUILD file is analyzed once and a chain of
    such links cannot multiply the walk (Bazel would see a second package with the same BUILD file
    and the same hazards)."""
    real = os.path.realpath(link)
    top = os.path.realpath(workspace.root)
    if real != top and not real.startswith(top + os.sep):
        return "directory symbolic link resolves outside the workspace; not followed"
    here = os.path.realpath(parent)
    if here == real or here.startswith(real + os.sep):
        return "symbolic link loop; skipped"
    return None


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _module_name(repo: Repository) -> str | None:
    for name, pattern in (
        ("MODULE.bazel", r"module\s*\([^)]*?\bname\s*=\s*[\"']([^\"']+)[\"']"),
        ("WORKSPACE.bazel", r"workspace\s*\(\s*name\s*=\s*[\"']([^\"']+)[\"']"),
        ("WORKSPACE", r"workspace\s*\(\s*name\s*=\s*[\"']([^\"']+)[\"']"),
    ):
        text = read_small_text(repo.root / name, MAX_FILE_BYTES)
        if text is None:
            continue
        match = re.search(pattern, text, re.S)
        if match:
            return match.group(1)
    return None


def _repo_name(repo: Repository) -> str | None:
    text = read_small_text(repo.root / "MODULE.bazel", MAX_FILE_BYTES)
    if text is None:
        return None
    match = re.search(r"module\s*\([^)]*?\brepo_name\s*=\s*[\"']([^\"']+)[\"']", text, re.S)
    return match.group(1) if match else None


def _describe(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop; skipped"
    if isinstance(error, PermissionError):
        return "permission denied; skipped"
    return f"cannot read: {error.strerror or error}"


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a file for analysis; raises OSError with a message fit for an io-error finding.

    Only regular files are read: a FIFO, device or socket where a file is expected (`BUILD` ->
    /dev/zero, a `.bazelversion` FIFO) is refused at once instead of blocking or filling memory. It
    is opened without blocking and checked on the open descriptor, so a swap after a check is no way
    around it; at most `limit` bytes are ever read. What it read, or the error it met, is noted for
    the cache (`reads`)."""
    try:
        data = _read_regular(path, limit)
    except OSError as error:
        missing = error.errno == errno.ENOENT
        reads.note_outcome(str(path), reads.ABSENT if missing else reads.failure(error.errno or 0, limit))
        raise
    reads.note_content(str(path), data)
    return data


def _read_regular(path: Path, limit: int) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or socket); skipped")
        if info.st_size > limit:
            raise OSError(errno.EFBIG, _too_big(info.st_size, limit))
        # Ask for the size fstat gives, plus one byte to see a file that grew since: asking for
        # `limit + 1` makes CPython allocate that much and shrink it, which leaves every file read
        # in a memory mapping of its own, and Linux allows 65,530 (vm.max_map_count): a scan holding
        # 100,000 files failed with MemoryError.
        wanted = info.st_size + 1
        data = handle.read(wanted)
        if len(data) == wanted:
            parts = [data]
            while sum(map(len, parts)) <= limit and (more := handle.read(READ_PIECE)):
                parts.append(more)
            data = b"".join(parts)
        if len(data) > limit:
            raise OSError(errno.EFBIG, _too_big(len(data), limit))
        return data


# What a file that grew after it was measured is read by, up to the limit.
READ_PIECE = 1 << 16


def _too_big(size: int, limit: int) -> str:
    shown = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit} bytes"
    return f"file is {size / 1e6:.1f} MB, over the {shown} limit; skipped"


def is_file(path: Path | str) -> bool:
    """Whether path is a regular file (through links), noted for the cache (`reads`): the key names
    only the files a scan finds by walking (BUILD, .bzl, boundary and rc files), not a script a
    label names, which a later commit can add."""
    found = os.path.isfile(path)
    reads.note_probe(str(path), found)
    return found


def read_small_text(path: Path, limit: int = SMALL_FILE_BYTES) -> str | None:
    """A small configuration file (.bazelversion, .bazelignore, MODULE.bazel's name) as text; None
    when it is missing, not a regular file, unreadable or larger than `limit`."""
    try:
        return read_file(path, limit).decode("utf-8", errors="replace")
    except OSError:
        return None
