"""Where a finding's path is shown from: the reader's current directory, not the workspace root.

Findings carry workspace-relative paths (stable for baselines and fingerprints). A person reading text
output, and GitHub resolving `::error file=...` annotations, start from the directory the command ran
in, which is often a repository root above the Bazel workspace (a monorepo with the workspace in a
subdirectory), or a package below it.
"""

from __future__ import annotations

import os
from pathlib import Path


def from_cwd(root: Path, path: str, cwd: Path | None) -> str:
    """`path` (workspace-relative) as seen from `cwd`; unchanged when `cwd` is None or for the
    `external/NAME/...` paths of external repositories, which name no file under the workspace."""
    if cwd is None or path.startswith("external/"):
        return path
    absolute = root.resolve() / path
    try:
        return os.path.relpath(absolute, cwd.resolve()).replace(os.sep, "/")
    except ValueError:  # another drive (Windows): the absolute path is the only honest answer
        return absolute.as_posix()
