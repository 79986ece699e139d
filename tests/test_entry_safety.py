"""The entry points: interrupted runs exit 130 quietly; the analysed directory's modules never load."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT
from helpers import run_cli, write_tree

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'


def test_python_m_does_not_import_modules_from_the_current_directory(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": "", "a/BUILD.bazel": HAZARD})
    for name in ("tomllib", "argparse", "json", "tree_sitter", "hermetic_scan_shadow"):
        (root / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    out = run_cli("check", ".", cwd=root)
    assert out.returncode == 1, out.stderr
    assert "a/BUILD.bazel:1" in out.stdout
    assert not marker.exists(), f"analysed code was executed: {marker.read_text()}"


def test_sigint_exits_130_without_a_traceback(tmp_path: Path) -> None:
    many = "".join(HAZARD.replace('"g"', f'"g{i}"').replace('["o"]', f'["o{i}"]') for i in range(40000))
    root = write_tree(tmp_path, {"MODULE.bazel": "", "p/BUILD.bazel": many})
    process = subprocess.Popen(
        [sys.executable, "-m", "hermetic_scan", "check", "--jobs", "1", "--no-cache", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    time.sleep(1.5)
    assert process.poll() is None, "the scan should still be running"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.strip() == "hermetic-scan: interrupted"
