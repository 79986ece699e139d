"""One spelling in code, messages and docs: "analyze" (issue: the house)."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT

BRITISH = re.compile(r"\b(?:re-)?analys(?:e|ed|ing)\b", re.IGNORECASE)
TEXT = (".py", ".md", ".toml", ".scm", ".bzl", ".bazel", ".sh", ".tpl", ".json", ".yml", ".yaml")


def test_analyze_is_spelled_one_way() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    found = []
    for name in tracked.stdout.split():
        if not name.endswith(TEXT) or name == "tests/test_spelling.py":
            continue
        path = ROOT / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if BRITISH.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
