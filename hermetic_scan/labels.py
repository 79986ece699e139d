"""Bazel labels and target patterns as pure functions: parse, print, normalize, match.

https://bazel.build/concepts/labels
https://bazel.build/run/build#specifying-build-targets (target patterns)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


class LabelError(ValueError):
    pass


class PatternError(ValueError):
    """A target pattern this module cannot read."""


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


def repository_of(text: str) -> str:
    """The repository a label text names (`@rules_oci//oci:defs.bzl` -> `rules_oci`), "" for a label
    of the current repository; no validation (load() labels are checked where they are resolved)."""
    return text.lstrip("@").split("//", 1)[0] if text.startswith("@") else ""


def normalize_label(text: str) -> str | None:
    """`@@//app:build`, `@//app:build` and `//app:build` are the same main-repository label: the form
    the model prints, or None when `text` is not a label."""
    raw = text.strip().rstrip(":")
    if raw.startswith("@@//"):
        raw = raw[2:]
    elif raw.startswith("@//"):
        raw = raw[1:]
    try:
        return str(parse_label(raw))
    except LabelError:
        return None


# Target patterns (`//pkg/...`, `//pkg:all`, `-//pkg:x`): what `--targets` accepts.


@dataclass(frozen=True)
class Pattern:
    text: str
    repo: str
    package: str
    recursive: bool  # //pkg/...
    name: str | None  # None: every target of the package (:all, :*, :all-targets)
    negative: bool

    def matches(self, label: Label) -> bool:
        if label.repo != self.repo:
            return False
        if self.recursive:
            return (
                not self.package
                or label.package == self.package
                or label.package.startswith(self.package + "/")
            )
        if label.package != self.package:
            return False
        return self.name is None or label.name == self.name


def parse_pattern(text: str) -> Pattern:
    raw = text.strip()
    negative = raw.startswith("-")
    if negative:
        raw = raw[1:]
    repo = ""
    body = raw
    if raw.startswith("@"):
        head, sep, rest = raw.lstrip("@").partition("//")
        if not sep:
            raise PatternError(f"--targets {text!r}: expected @repo//package:name")
        repo, body = head, "//" + rest
    if not body.startswith("//"):
        raise PatternError(f"--targets {text!r}: use an absolute pattern such as //app:build or //app/...")
    body = body[2:]
    if body == "..." or body.endswith("/..."):
        package = body[:-4] if body.endswith("/...") else ""
        return Pattern(text, repo, package, True, None, negative)
    if body.endswith("/...:all") or body.endswith("/...:*") or body == "...:all":
        package = body.rsplit("/...", 1)[0] if "/..." in body else ""
        return Pattern(text, repo, package, True, None, negative)
    package, colon, name = body.partition(":")
    if not colon:
        name = package.rsplit("/", 1)[-1]
    if not name:
        raise PatternError(f"--targets {text!r}: empty target name")
    if ".." in package.split("/"):
        raise PatternError(f"--targets {text!r}: a package cannot contain '..'")
    return Pattern(
        text, repo, package, False, None if name in ("all", "*", "all-targets") else name, negative
    )


def select(patterns: list[Pattern], labels: list[Label]) -> list[Label]:
    """Bazel's order: patterns apply left to right, `-pattern` removes."""
    chosen: list[Label] = []
    for pattern in patterns:
        matched = [label for label in labels if pattern.matches(label)]
        if pattern.negative:
            chosen = [label for label in chosen if label not in matched]
        else:
            chosen += [label for label in matched if label not in chosen]
    return chosen
