"""Bazel labels as pure functions: parse, print, relate to packages.

https://bazel.build/concepts/labels
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


class LabelError(ValueError):
    pass


@dataclass(
    order=True, unsafe_hash=True, slots=True
)  # not frozen: its __init__ would cost five times as much; nothing mutates it
class Label:
    repo: str  # "" is the main repository
    package: str
    name: str
    canonical: bool = False  # written with @@

    def __str__(self) -> str:
        return _render(self.repo, self.package, self.name, self.canonical)

    def __reduce__(self) -> tuple[type[Label], tuple[str, str, str, bool]]:
        # Shards send tens of thousands of labels: a tuple pickles several times faster than the
        # generic dataclass state.
        return Label, (self.repo, self.package, self.name, self.canonical)

    @property
    def path(self) -> str:
        """Path of the named file relative to its repository root."""
        return f"{self.package}/{self.name}" if self.package else self.name


@lru_cache(maxsize=65536)
def _render(repo: str, package: str, name: str, canonical: bool) -> str:
    head = "" if not repo else ("@@" if canonical else "@") + repo
    return f"{head}//{package}:{name}"


def parse_label(text: str, repo: str = "", package: str = "") -> Label:
    """Parse `text` as written in a file of `package` in repository `repo`."""
    raw = text.strip()
    if not raw:
        raise LabelError("empty label")
    canonical = False
    if raw.startswith("@"):
        canonical = raw.startswith("@@")
        body = raw[2:] if canonical else raw[1:]
        repo_name, sep, rest = body.partition("//")
        if not sep:
            # "@repo" is shorthand for "@repo//:repo"
            repo_name, rest = body, ":" + body
            if ":" in body:
                raise LabelError(f"label {text!r} has a repository but no package")
        repo = repo_name
        if not rest.startswith(":") and not rest.startswith("/"):
            rest = rest
        pkg, _, name = rest.partition(":")
        if not name:
            name = pkg.rsplit("/", 1)[-1]
        return _checked(Label(repo, pkg, name, canonical), text)
    if raw.startswith("//"):
        pkg, colon, name = raw[2:].partition(":")
        if not colon:
            name = pkg.rsplit("/", 1)[-1]
        return _checked(Label(repo, pkg, name), text)
    name = raw[1:] if raw.startswith(":") else raw
    return _checked(Label(repo, package, name), text)


def _checked(label: Label, text: str) -> Label:
    for part in label.package.split("/"):
        if part in ("..", "."):
            raise LabelError(f"label {text!r} climbs out of its repository")
    for part in label.name.split("/"):
        if part in ("..",):
            raise LabelError(f"label {text!r} climbs out of its package")
    if not label.name:
        raise LabelError(f"label {text!r} has no target name")
    return label
