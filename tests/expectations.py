"""Inline expectations in corpus workspaces: `# expect: rule-id[(severity)], ...` and `# ok: rule-id`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

EXPECT = re.compile(
    r"#\s*expect:\s*(?P<rules>[a-z0-9-]+(?:\([a-z]+\))?(?:\s*,\s*[a-z0-9-]+(?:\([a-z]+\))?)*)"
)
OK = re.compile(r"#\s*ok:\s*[a-z0-9-]+")
RULE = re.compile(r"(?P<rule>[a-z0-9-]+)(?:\((?P<severity>[a-z]+)\))?")
TEXT_SUFFIXES = {
    "",
    ".bzl",
    ".bazel",
    ".sh",
    ".tpl",
    ".bazelrc",
    ".py",
    ".rb",
    ".txt",
    ".tf",
    ".toml",
    ".json",
}


@dataclass(frozen=True, order=True)
class Expected:
    path: str
    line: int  # 1-based
    rule: str
    severity: str | None = None


def collect(root: Path) -> tuple[set[Expected], int]:
    """All expectations under a workspace, and how many `# ok:` negatives it declares."""
    expected: set[Expected] = set()
    negatives = 0
    for path in sorted(root.rglob("*")):
        if (
            not path.is_file()
            or path.is_symlink()
            or (path.suffix not in TEXT_SUFFIXES and not path.name.endswith(".sh.tpl"))
        ):
            continue
        rel = path.relative_to(root).as_posix()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(lines, start=1):
            negatives += len(OK.findall(line))
            match = EXPECT.search(line)
            if not match:
                continue
            before = line[: match.start()].strip()
            target_line = number + 1 if before == "" else number
            for item in match.group("rules").split(","):
                rule = RULE.fullmatch(item.strip())
                assert rule is not None, f"{rel}:{number}: bad expectation {item!r}"
                expected.add(Expected(rel, target_line, rule.group("rule"), rule.group("severity")))
    return expected, negatives
