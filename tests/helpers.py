"""Small helpers to build throwaway workspaces in tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hermetic_scan", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )
