"""`--changed-since REV`: findings in changed files, and findings of targets whose BUILD file changed.

The scan still resolves every file, so a changed BUILD file re-evaluates its targets even when the
hazard sits in a .bzl file that did not change.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hermetic_scan.diagnostics import Diagnostic
from hermetic_scan.engine import Result, narrow


class GitError(Exception):
    pass


def changed_files(root: Path, revision: str) -> set[str]:
    """Paths relative to `root` changed between `revision` and the working tree (untracked included)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise GitError(f"cannot run git: {error}") from error
        if done.returncode != 0:
            # One line: outside a repository `git diff` follows its complaint with its whole usage text.
            said = next((line.strip() for line in done.stderr.splitlines() if line.strip()), "failed")
            raise GitError(f"git {' '.join(args)}: {said}")
        return done.stdout

    # The value is the user's: it must never become an option of git (`--output=FILE` truncates
    # FILE). It is resolved to a commit first, after --end-of-options, and only that id reaches diff.
    if not revision or revision.startswith("-"):
        raise GitError(f"--changed-since: {revision!r} is not a git revision")
    try:
        commit = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}").strip()
    except GitError as error:
        raise GitError(
            f"--changed-since: {revision!r} is not a commit of this git repository ({error})"
        ) from error
    diff = git("diff", "--name-only", "--relative", "--end-of-options", commit, "--")
    untracked = git("ls-files", "--others", "--exclude-standard")
    return {line.strip() for line in (diff + untracked).splitlines() if line.strip()}


def select(result: Result, changed: set[str]) -> list[Diagnostic]:
    """The findings of the changed files, and of the targets changed BUILD files define, shown at
    their lines (as `check FILE...` does)."""
    return narrow(result.diagnostics, result.targets(), changed.__contains__)
