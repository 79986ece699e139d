"""Hangs and silent passes (issue 16): only regular files are read, small files have size caps, the
.bazelrc tokenizer is linear, unreadable rc imports are reported, every path given is scanned."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

from hermetic_scan.options import read_bazelversion
from hermetic_scan.runner import scan

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'


def _found(root: Path) -> set[tuple[str, int, str]]:
    return {(d.span.path, d.span.start_line + 1, d.rule) for d in scan(root).diagnostics}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {"MODULE.bazel": 'module(name = "w")\n', "ok/BUILD.bazel": HAZARD})


@pytest.mark.parametrize("name", [".bazelversion", ".bazelignore", "sub/BUILD.bazel", "sub/defs.bzl"])
def test_a_fifo_where_a_file_is_expected_never_blocks(workspace: Path, name: str) -> None:
    (workspace / name).parent.mkdir(exist_ok=True)
    os.mkfifo(workspace / name)  # nobody ever writes to it: reading it would block forever
    out = run_cli("check", "--no-cache", str(workspace))
    assert out.returncode == 1, out.stderr
    assert "ok/BUILD.bazel:1:" in out.stdout


def test_a_fifo_module_file_never_blocks(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"WORKSPACE": "", "ok/BUILD.bazel": HAZARD, "nested/BUILD.bazel": ""})
    os.mkfifo(root / "nested" / "MODULE.bazel")
    os.mkfifo(root / "ok" / "x.bzl")
    out = run_cli("check", "--no-cache", str(root))
    assert out.returncode == 1, out.stderr
    assert "ok/BUILD.bazel:1:" in out.stdout


def test_bazelversion_pointing_at_dev_zero(workspace: Path) -> None:
    (workspace / ".bazelversion").symlink_to("/dev/zero")
    assert read_bazelversion(workspace) is None
    (workspace / ".bazelversion").unlink()
    (workspace / ".bazelversion").write_text("7.1.0\n" + "#" * 100_000)
    assert read_bazelversion(workspace) is None, "over the size cap"
    (workspace / ".bazelversion").write_text("7.1.0\n")
    assert read_bazelversion(workspace) == "7.1.0"


def test_build_file_linked_to_a_device_is_not_read(workspace: Path) -> None:
    (workspace / "dev").mkdir()
    (workspace / "dev" / "defs.bzl").symlink_to("/dev/zero")
    (workspace / "dev" / "BUILD.bazel").write_text('load(":defs.bzl", "x")\n')
    out = run_cli("check", "--no-cache", str(workspace))
    assert out.returncode == 1, out.stderr
    assert "ok/BUILD.bazel:1:" in out.stdout


def test_missing_and_unreadable_rc_imports_are_reported(workspace: Path) -> None:
    os.mkfifo(workspace / "fifo.rc")
    (workspace / ".bazelrc").write_text(
        "import %workspace%/missing.rc\n"
        "try-import %workspace%/optional.rc\n"
        "import %workspace%/fifo.rc\n"
        "build --jobs=4\n"
    )
    found = _found(workspace)
    assert (".bazelrc", 1, "io-error") in found
    assert (".bazelrc", 2, "io-error") not in found, "try-import of a missing file is silent, as in Bazel"
    assert (".bazelrc", 3, "io-error") in found
    message = next(
        d.message for d in scan(workspace).diagnostics if d.span.start_line == 0 and d.rule == "io-error"
    )
    assert message.startswith("import %workspace%/missing.rc: cannot read it:")


def test_bazelrc_with_a_huge_line_is_read_in_linear_time(workspace: Path) -> None:
    line = "build " + " ".join(f"--copt=-DX{i}" for i in range(80_000)) + "\n"  # about 1 MB
    (workspace / ".bazelrc").write_text(line)
    started = time.monotonic()
    model = scan(workspace).require_model()
    assert len(model.rc.options) == 80_000
    assert model.rc.options[-1].span.start_col == len(line) - len(" --copt=-DX79999\n") + 1
    assert time.monotonic() - started < 30, "quadratic: a 1 MB line took minutes"


def test_check_scans_every_path_given(workspace: Path) -> None:
    write_tree(workspace, {"other/BUILD.bazel": HAZARD, "third/BUILD.bazel": HAZARD})
    out = run_cli("check", "--no-cache", str(workspace / "ok"), str(workspace / "other"))
    assert "ok/BUILD.bazel:1:" in out.stdout and "other/BUILD.bazel:1:" in out.stdout
    assert "third/" not in out.stdout
