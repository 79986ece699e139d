"""`fix --write` never corrupts, never leaves the workspace, and twice is once (issue 16)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import run_cli, write_tree

from hermetic_scan import fix
from hermetic_scan.options import Options
from hermetic_scan.runner import scan

HAZARD_CMD = 'cmd = "terraform fmt > $@"'
DEFS = 'def fmt(name):\n    native.genrule(\n        name = name,\n        outs = [name + ".out"],\n        cmd = "terraform fmt > $@",\n    )\n'
DIRECT = 'genrule(\n    name = "direct",\n    outs = ["d"],\n    cmd = "terraform fmt > $@",\n)\n'


def _workspace(root: Path, build: str | bytes) -> Path:
    return write_tree(
        root, {"MODULE.bazel": 'module(name = "m")\n', "pkg/defs.bzl": DEFS, "pkg/BUILD.bazel": build}
    )


def _fix_twice(root: Path) -> tuple[bytes, bytes, subprocess.CompletedProcess[str]]:
    build = root / "pkg" / "BUILD.bazel"
    first = run_cli("fix", "--write", str(root))
    once = build.read_bytes()
    run_cli("fix", "--write", str(root))
    return once, build.read_bytes(), first


def test_macro_in_a_comprehension_is_left_for_a_human(tmp_path: Path) -> None:
    """Offsets of the .bzl's genrule call were applied to the BUILD file, corrupting it."""
    build = 'load(":defs.bzl", "fmt")\n\n[fmt(name = n) for n in ["a", "b"]]\n\n' + DIRECT
    root = _workspace(tmp_path, build)
    once, twice, out = _fix_twice(root)
    assert out.returncode == 0, out.stderr
    assert once == twice
    assert once.decode() == build.replace(
        HAZARD_CMD + ",\n)", HAZARD_CMD + ',\n    tags = ["no-remote-exec"],\n)'
    )
    assert "//pkg:a: fix by hand at pkg/BUILD.bazel:3" in out.stderr
    assert (root / "pkg" / "defs.bzl").read_text() == DEFS


@pytest.mark.parametrize(
    "build",
    [
        '[genrule(name = n, outs = [n], cmd = "terraform fmt > $@") for n in ["a", "b"]]\n',
        'load(":defs.bzl", "fmt")\n\n[fmt(name = n) for n in ["a"]]\n',
        'load(":defs.bzl", "fmt")\n\nfmt(name = "a") if True else None\n',
    ],
    ids=["rule-in-comprehension", "macro-in-comprehension", "conditional-expression"],
)
def test_calls_that_cannot_be_edited_get_a_note_and_no_edit(tmp_path: Path, build: str) -> None:
    root = _workspace(tmp_path, build)
    once, twice, out = _fix_twice(root)
    assert out.returncode == 0, out.stderr
    assert once == twice == build.encode()
    assert "fix by hand at pkg/BUILD.bazel:" in out.stderr


@pytest.mark.parametrize(
    "tags",
    [
        'select({"//conditions:default": ["manual"]})',
        '["manual"] + select({"//conditions:default": []})',
        'select({"//conditions:default": []}) + ["manual"]',
    ],
)
def test_fixing_twice_equals_fixing_once_on_computed_tags(tmp_path: Path, tags: str) -> None:
    build = DIRECT.replace(HAZARD_CMD + ",", f"{HAZARD_CMD},\n    tags = {tags},")
    root = _workspace(tmp_path, build)
    once, twice, out = _fix_twice(root)
    assert out.returncode == 0, out.stderr
    assert once != build.encode(), "the first run adds the tag"
    assert once == twice
    assert once.count(b'"no-remote-exec"') == 1


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    build = ('load(":defs.bzl", "fmt")\n\n' + DIRECT).replace("\n", "\r\n").encode()
    root = _workspace(tmp_path, build)
    once, twice, out = _fix_twice(root)
    assert out.returncode == 0, out.stderr
    assert once == twice
    assert b'tags = ["no-remote-exec"],\r\n' in once
    assert once.count(b"\n") == once.count(b"\r\n"), "no bare LF added to a CRLF file"


def test_owner_and_mode_are_kept(tmp_path: Path) -> None:
    root = _workspace(tmp_path, DIRECT)
    build = root / "pkg" / "BUILD.bazel"
    if os.getuid() == 0:
        os.chown(build, 4321, 4321)
    build.chmod(0o604)
    before = build.stat()
    assert run_cli("fix", "--write", str(root)).returncode == 0
    after = build.stat()
    assert b"no-remote-exec" in build.read_bytes()
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)


def test_hard_linked_file_is_reported_not_split(tmp_path: Path) -> None:
    root = _workspace(tmp_path, DIRECT)
    write_tree(root, {"other/BUILD.bazel": DIRECT})
    build = root / "pkg" / "BUILD.bazel"
    os.link(build, tmp_path / "elsewhere")
    out = run_cli("fix", "--write", str(root))
    assert out.returncode == 2
    assert "pkg/BUILD.bazel: has 2 hard links" in out.stderr
    assert build.read_text() == DIRECT and os.path.samefile(build, tmp_path / "elsewhere")
    assert b"no-remote-exec" in (root / "other" / "BUILD.bazel").read_bytes(), "the others are fixed"


def test_file_changed_after_analysis_is_not_written(tmp_path: Path) -> None:
    root = _workspace(tmp_path, DIRECT)
    build = root / "pkg" / "BUILD.bazel"
    options = Options()
    options.jobs = 1
    fix_plan = fix.plan(scan(root, options).inventory, root)
    assert fix_plan.edits
    edited = "# a comment added by someone else\n" + DIRECT
    build.write_text(edited)
    written, problems = fix.write(root, fix_plan)
    assert written == []
    assert [p.message for p in problems] == [
        "changed on disk since it was analyzed; not written (run fix again)"
    ]
    assert build.read_text() == edited
    assert fix.diff(root, fix_plan) == ""


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory another user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="hs-safety-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_unwritable_file_is_a_clear_error_and_others_are_fixed(shared_tmp: Path) -> None:
    root = _workspace(shared_tmp / "ws", DIRECT)
    write_tree(root, {"other/BUILD.bazel": DIRECT})
    command = [sys.executable, "-m", "hermetic_scan", "fix", "--write", str(root)]
    if os.getuid() == 0:  # root writes anywhere: run the tool as nobody, with pkg/ owned by root
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        os.chown(root / "pkg", 0, 0)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    else:
        (root / "pkg").chmod(0o555)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    (root / "pkg").chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert "hermetic-scan: pkg/BUILD.bazel: cannot write: Permission denied" in done.stderr
    assert "Traceback" not in done.stderr
    assert (root / "pkg" / "BUILD.bazel").read_text() == DIRECT
    assert b"no-remote-exec" in (root / "other" / "BUILD.bazel").read_bytes()
