"""`fix`: tags land where buildifier would put them, nothing else changes, twice is once."""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, external_tool
from helpers import run_cli

from hermetic_scan.options import load_options
from hermetic_scan.runner import scan

WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def _copy(workspace: Path, tmp_path: Path) -> Path:
    target = tmp_path / workspace.name
    shutil.copytree(workspace, target, symlinks=True)
    return target


def _builds(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.name in ("BUILD", "BUILD.bazel")}


def test_fixed_siblings_and_idempotence(tmp_path: Path) -> None:
    root = _copy(CORPUS / "fix-tags", tmp_path)
    out = run_cli("fix", "--write", str(root))
    assert out.returncode == 0, out.stderr
    assert "kustomize_pair() which does not pass tags" in out.stderr
    for fixed in (CORPUS / "fix-tags").rglob("*.fixed"):
        written = root / fixed.relative_to(CORPUS / "fix-tags").with_suffix("")
        assert written.read_bytes() == fixed.read_bytes(), f"{written} differs from {fixed.name}"
    before = _builds(root)
    assert run_cli("fix", "--write", str(root)).returncode == 0
    assert _builds(root) == before, "a second fix --write is a no-op"
    assert run_cli("fix", str(root)).stdout == "", "nothing left to diff"


def test_diff_is_the_default_and_writes_nothing(tmp_path: Path) -> None:
    root = _copy(CORPUS / "fix-tags", tmp_path)
    before = _builds(root)
    out = run_cli("fix", str(root))
    assert out.stdout.startswith("--- a/deploy/BUILD.bazel\n+++ b/deploy/BUILD.bazel\n")
    assert _builds(root) == before


def test_buildozer_format() -> None:
    out = run_cli("fix", str(CORPUS / "opentofu"), "--format", "buildozer")
    # The *_validate targets are kept local by the .bazelrc's TofuValidate line: no tag needed.
    # //infra/network:network_fmt_test is made by a macro that does not forward tags: no command
    # buildozer would reject, a comment saying what to change instead.
    assert out.stdout.splitlines() == [
        "buildozer 'add tags no-remote-exec' //infra/dns:dns_fmt_test",
        "# //infra/network:network_fmt_test: created by macro tofu_module_set() which does not pass tags "
        "or **kwargs to it; change the macro to accept tags for this target (infra/network/BUILD.bazel:3)",
    ]


def _suggested(root: Path) -> dict[str, list[str]]:
    return {t.label: t.suggested_tags for t in scan(root, load_options(root)).inventory.targets}


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_buildozer_commands_apply_with_the_real_buildozer(workspace: Path, tmp_path: Path) -> None:
    buildozer = external_tool("buildozer-bin")
    root = _copy(workspace, tmp_path / "buildozer")
    by_write = _copy(workspace, tmp_path / "write")
    out = run_cli("fix", str(root), "--format", "buildozer")
    assert out.returncode == 0, out.stderr
    commands = [line for line in out.stdout.splitlines() if not line.startswith("# ")]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "buildozer").symlink_to(buildozer.resolve())
    for line in commands:
        assert line.startswith("buildozer 'add tags "), line
        # Run as `fix --format buildozer | sh` would, with this buildozer first on PATH.
        done = subprocess.run(
            ["sh", "-c", line],
            cwd=root,
            capture_output=True,
            text=True,
            env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
            timeout=60,
        )
        assert done.returncode == 0, f"{line}: {done.stderr}"
    assert run_cli("fix", "--write", str(by_write)).returncode == 0
    # buildozer made the same changes `fix --write` makes: the same targets still want a tag after.
    assert _suggested(root) == _suggested(by_write)
    if commands:
        assert _suggested(root) != _suggested(_copy(workspace, tmp_path / "before"))


def test_write_keeps_the_file_mode(tmp_path: Path) -> None:
    root = _copy(CORPUS / "fix-tags", tmp_path)
    build = root / "deploy" / "BUILD.bazel"
    build.chmod(0o640)
    run_cli("fix", "--write", str(root))
    assert build.stat().st_mode & 0o777 == 0o640
    assert not [p for p in build.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_fix_every_corpus_workspace(workspace: Path, tmp_path: Path) -> None:
    buildifier = external_tool("buildifier-bin")
    root = _copy(workspace, tmp_path)
    before_inventory = {t.label: t for t in scan(root, load_options(root)).inventory.targets}
    before = _builds(root)
    out = run_cli("fix", "--write", str(root))
    assert out.returncode == 0, out.stderr
    after = _builds(root)
    for path, old in before.items():
        new = after[path]
        if new == old:
            continue
        removed = [
            line
            for line in difflib.ndiff(old.decode().splitlines(), new.decode().splitlines())
            if line.startswith("- ")
        ]
        for line in removed:
            assert "tags" in line or line.rstrip().endswith(")"), f"{path}: unrelated line changed: {line}"
        original = tmp_path / "original" / path.name
        original.parent.mkdir(exist_ok=True)
        original.write_bytes(old)
        formatted_before = (
            subprocess.run([str(buildifier), "--mode=check", str(original)], capture_output=True).returncode
            == 0
        )
        assert formatted_before, f"corpus BUILD files are kept buildifier-formatted: {path.relative_to(root)}"
        check = subprocess.run([str(buildifier), "--mode=check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, (
            f"fix broke buildifier formatting of {path}: {check.stdout}{check.stderr}"
        )
    after_inventory = {t.label: t for t in scan(root, load_options(root)).inventory.targets}
    notes = out.stderr
    for label, verdict in before_inventory.items():
        if verdict.suggested_tags and label not in notes:
            assert after_inventory[label].already_tagged, f"{label} should now be tagged"
            assert after_inventory[label].suggested_tags == []
    assert run_cli("fix", str(root)).stdout == "", "second run: nothing to change"
