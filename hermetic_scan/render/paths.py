"""Where a finding's path is shown from: the reader's current directory, not the workspace root.

Findings carry workspace-relative paths (stable for baselines and fingerprints). A person reading text
output, and GitHub resolving `::error file=...` annotations, start from the directory the command ran
in, which is often a repository root above the Bazel workspace (a monorepo with the workspace in a
subdirectory), or a package below it.
"""

from __future__ import annotations

import os
from pathlib import Path


class FromCwd:
    """Workspace-relative paths as seen from `cwd`; unchanged when `cwd` is None or for the
    `external/NAME/...` paths of external repositories, which name no file under the workspace.
    The root and cwd are resolved once, and each path once: a report names the same few hundred
    files thousands of times, and resolving is a system call per path component."""

    def __init__(self, root: Path, cwd: Path | None) -> None:
        self.root = root.resolve() if cwd is not None else root
        self.cwd = cwd.resolve() if cwd is not None else None
        self.shown: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        shown = self.shown.get(path)
        if shown is None:
            shown = self.shown[path] = self._show(path)
        return shown

    def _show(self, path: str) -> str:
        if self.cwd is None or path.startswith("external/"):
            return path
        absolute = self.root / path
        try:
            return os.path.relpath(absolute, self.cwd).replace(os.sep, "/")
        except ValueError:  # another drive (Windows): the absolute path is the only honest answer
            return absolute.as_posix()
