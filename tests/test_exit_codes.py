"""Exit status: 0 clean, 1 findings, 2 usage or input error, 3 internal error, 130 interrupted; one
file's failure is an internal-error finding and the scan goes on (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from helpers import run_cli, write_tree

from hermetic_scan import cli
from hermetic_scan.model.actions import ShellSite
from hermetic_scan.rules import ambient_tool
from hermetic_scan.rules.base import Check, Context
from hermetic_scan.runner import scan

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'


def _found(root: Path) -> set[tuple[str, int, str]]:
    return {(d.span.path, d.span.start_line + 1, d.rule) for d in scan(root).diagnostics}


def test_help_and_readme_state_the_exit_codes() -> None:
    out = run_cli("--help")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ("0", "1", "2", "3", "130"):
        assert f"\n  {code} " in out.stdout, f"--help states exit status {code}"
        assert f"| {code} |" in readme, f"README states exit status {code}"


def test_exit_0_clean_1_findings_2_usage(tmp_path: Path) -> None:
    clean = write_tree(tmp_path / "clean", {"MODULE.bazel": "", "a/BUILD.bazel": ""})
    assert run_cli("check", str(clean)).returncode == 0
    assert run_cli("check", str(CORPUS / "opentofu")).returncode == 1
    assert run_cli("check", "--no-such-flag", str(clean)).returncode == 2
    assert run_cli("check", str(tmp_path / "missing")).returncode == 2
    (clean / ".hermetic-scan.toml").write_text("fail-on = 3\n")
    assert run_cli("check", str(clean)).returncode == 2


def test_exit_3_on_an_internal_error_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path, {"MODULE.bazel": "", "a/BUILD.bazel": HAZARD})

    def broken(*args: object, **kwargs: object) -> None:
        raise AssertionError("an invariant of the tool broke")

    monkeypatch.setattr(cli, "scan", broken)
    assert cli.main(["check", str(root)]) == 3
    err = capsys.readouterr().err
    assert "internal error (AssertionError: an invariant of the tool broke)" in err
    assert "Traceback" not in err


def test_a_rule_failing_on_one_file_is_a_finding_and_the_scan_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(
        tmp_path, {"MODULE.bazel": "", "a/BUILD.bazel": HAZARD, "b/BUILD.bazel": HAZARD.replace('"g"', '"h"')}
    )
    original = ambient_tool.check_site

    def flaky(site: ShellSite, ctx: Context) -> Check:
        if site.text.source is not None and site.text.source.path == "b/BUILD.bazel":
            raise KeyError("boom")
        yield from original(site, ctx)

    monkeypatch.setattr(ambient_tool, "check_site", flaky)
    found = _found(root)
    assert ("a/BUILD.bazel", 1, "ambient-tool") in found
    assert ("b/BUILD.bazel", 1, "internal-error") in found
    message = next(d.message for d in scan(root).diagnostics if d.rule == "internal-error")
    assert "(KeyError)" in message and "ambient-tool" in message


@pytest.mark.parametrize(
    "expression",
    ["[" * 3000 + "]" * 3000, "f(" * 3000 + ")" * 3000, " + ".join(['"a"'] * 3000), "-" * 3000 + "1"],
    ids=["brackets", "calls", "concatenation", "unary"],
)
def test_deep_nesting_is_too_complex_for_that_file_only(tmp_path: Path, expression: str) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "deep/BUILD.bazel": f"x = {expression}\n",
            "ok/BUILD.bazel": HAZARD,
        },
    )
    out = run_cli("check", str(root))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "deep/BUILD.bazel:1:1: error: too deeply nested to analyze" in out.stdout
    assert "ok/BUILD.bazel:1:" in out.stdout


def test_string_escapes_never_crash_and_output_never_fails_to_encode(tmp_path: Path) -> None:
    command = r"curl a`b\UFFFFFFFF \ud800 \x00 \0 \U0001F600 > $@"
    root = write_tree(
        tmp_path,
        {"MODULE.bazel": "", "a/BUILD.bazel": f'genrule(name = "g", outs = ["o"], cmd = "{command}")\n'},
    )
    for form in ("text", "json", "sarif", "github"):
        out = subprocess.run(
            [sys.executable, "-m", "hermetic_scan", "check", "--format", form, str(root)],
            capture_output=True,
            cwd=ROOT,
            timeout=120,
            env={**os.environ, "PYTHONIOENCODING": "ascii"},
        )
        assert out.returncode == 1, out.stderr
        assert b"Traceback" not in out.stderr
        assert b"while analyzing this file" not in out.stdout
        assert b"network-access" in out.stdout, "the command is still analyzed"


def test_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        out = subprocess.run(
            [sys.executable, "-m", "hermetic_scan", "check", str(CORPUS / "opentofu")],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    assert out.returncode == 2
    assert out.stderr.strip() == "hermetic-scan: input/output error: No space left on device"


def test_closed_pipe_is_a_clear_error() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "hermetic_scan", "explain", "--markdown"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader went away before reading anything
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert b"broken pipe" in err and b"Traceback" not in err


def test_report_files_honour_the_umask(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            "sh",
            "-c",
            f"umask 022 && exec {sys.executable} -m hermetic_scan inventory -o {report} {CORPUS / 'opentofu'}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert report.stat().st_mode & 0o777 == 0o644
