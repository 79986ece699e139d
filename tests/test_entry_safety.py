"""The entry points: interrupted runs exit 130 quietly; the analyzed directory's modules never load."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import run_cli, write_tree

from hermetic_scan.engine import _guarded as guarded_rule
from hermetic_scan.guard import guarded

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'


def test_python_m_does_not_import_modules_from_the_current_directory(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": "", "a/BUILD.bazel": HAZARD})
    for name in ("tomllib", "argparse", "json", "tree_sitter", "hermetic_scan_shadow"):
        (root / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    out = run_cli("check", ".", cwd=root)
    assert out.returncode == 1, out.stderr
    assert "a/BUILD.bazel:1" in out.stdout
    assert not marker.exists(), f"analyzed code was executed: {marker.read_text()}"


def test_sigint_exits_130_without_a_traceback(tmp_path: Path) -> None:
    # About 15 s of work alone (a 7 MB BUILD file, under the 8 MiB limit): still running when the
    # signal comes, however loaded the machine is (with 40,000 rules it once finished first).
    many = "".join(HAZARD.replace('"g"', f'"g{i}"').replace('["o"]', f'["o{i}"]') for i in range(100000))
    root = write_tree(tmp_path, {"MODULE.bazel": "", "p/BUILD.bazel": many})
    process = subprocess.Popen(
        [sys.executable, "-m", "hermetic_scan", "check", "--jobs", "1", "--no-cache", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # A shell starts background jobs with SIGINT ignored, and children inherit that: Python then
        # installs no KeyboardInterrupt handler and the run rightly ignores Ctrl-C. A terminal's
        # Ctrl-C reaches a process with the default disposition, which is what is tested here.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(1.5)
    assert process.poll() is None, "the scan should still be running"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip() == "hermetic-scan: interrupted"


def test_an_interrupt_wrapped_by_a_c_extension_still_stops_the_scan() -> None:
    def interrupted_in_a_callback() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise SystemError("returned a result with an exception set") from interrupt

    problems: list[tuple[str, str]] = []
    with pytest.raises(KeyboardInterrupt):
        guarded(problems, "BUILD.bazel", None, interrupted_in_a_callback)
    assert problems == [], "the interrupt is not an internal error of the file"


def test_an_interrupt_inside_a_rule_is_not_an_internal_error() -> None:
    def rule_interrupted_in_a_query_predicate(*_: object) -> list[object]:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise SystemError("returned a result with an exception set") from interrupt

    with pytest.raises(KeyboardInterrupt):
        list(guarded_rule("ambient-tool", rule_interrupted_in_a_query_predicate, None))
