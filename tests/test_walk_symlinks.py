"""Directory symbolic links met while walking the workspace (issue 16): none is walked. One leaving
the workspace is an io-error, a loop is one io-error per link, one to another directory of the
workspace is skipped silently (that directory is scanned at its own path). Run through the real CLI,
with the analysis cache on as by default (its walk must not follow them either)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'
OUTSIDE_HAZARD = 'genrule(name = "leak", outs = ["o"], cmd = "curl http://example.com > $@")\n'


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace, and a sibling directory outside it holding a BUILD file of its own."""
    root = write_tree(tmp_path / "ws", {"MODULE.bazel": 'module(name = "w")\n', "ok/BUILD.bazel": HAZARD})
    outside = write_tree(tmp_path / "outside", {"pkg/BUILD.bazel": OUTSIDE_HAZARD})
    return root, outside


def _check(root: Path) -> tuple[list[dict[str, object]], float]:
    started = time.monotonic()
    out = run_cli("check", "--format", "json", str(root))
    elapsed = time.monotonic() - started
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    return json.loads(out.stdout)["findings"], elapsed


def _inventory(root: Path) -> str:
    out = run_cli("inventory", "--format", "json", str(root))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    return out.stdout


def _io_errors(findings: list[dict[str, object]]) -> dict[str, str]:
    return {str(f["path"]): str(f["message"]) for f in findings if f["rule"] == "io-error"}


def _paths(findings: list[dict[str, object]]) -> set[str]:
    return {str(f["path"]) for f in findings}


@pytest.mark.parametrize("target", ["/", "../..", "../../outside", "OUTSIDE_ABS"])
def test_a_directory_link_leaving_the_workspace_is_not_followed(
    layout: tuple[Path, Path], target: str
) -> None:
    root, outside = layout
    (root / "ok" / "escape").symlink_to(str(outside) if target == "OUTSIDE_ABS" else target)
    findings, elapsed = _check(root)
    assert elapsed < 20, "a link to / must not be walked"
    assert _io_errors(findings) == {
        "ok/escape": "directory symbolic link resolves outside the workspace; not followed"
    }
    assert _paths(findings) == {"ok/BUILD.bazel", "ok/escape"}
    report = _inventory(root)
    assert "leak" not in report and str(outside) not in report and "curl" not in report
    assert "//ok:g" in report


def test_a_link_to_the_root_walks_in_a_few_seconds(layout: tuple[Path, Path]) -> None:
    root, _ = layout
    (root / "root").symlink_to("/")
    started = time.monotonic()
    _inventory(root)
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("links", [{"a": "."}, {"a": ".."}, {"a": "b", "b": "a"}, {"a": "a"}])
def test_a_symlink_loop_ends_and_is_reported_once(layout: tuple[Path, Path], links: dict[str, str]) -> None:
    root, _ = layout
    where = root / "ok" / "deep"
    where.mkdir()
    for name, target in links.items():
        (where / name).symlink_to(target)
    findings, elapsed = _check(root)
    assert elapsed < 20
    errors = _io_errors(findings)
    assert set(errors) == {f"ok/deep/{name}" for name in links}, "one finding per link, none repeated"
    assert set(errors.values()) == {"symbolic link loop; skipped"}
    assert [f["path"] for f in findings].count("ok/deep/a") == 1
    assert "//ok:g" in _inventory(root)


def test_a_link_between_directories_of_the_workspace_is_skipped_silently(
    layout: tuple[Path, Path],
) -> None:
    root, _ = layout
    (root / "alias").symlink_to("ok")
    (root / "other").mkdir()
    (root / "other" / "again").symlink_to("../ok")
    findings, _ = _check(root)
    # The hazard is reported once, at the real path: the links add neither findings nor packages.
    assert [(f["path"], f["rule"]) for f in findings] == [("ok/BUILD.bazel", "ambient-tool")]
    report = json.loads(_inventory(root))
    labels = [t["label"] for t in report["targets"]]
    assert labels == ["//ok:g"]


def test_a_chain_of_links_does_not_multiply_the_walk(tmp_path: Path) -> None:
    # Each level links twice to the next: followed, the walk would visit 2**18 directories.
    root = write_tree(tmp_path, {"MODULE.bazel": "", "l18/BUILD.bazel": HAZARD})
    for level in range(18):
        (root / f"l{level}").mkdir(exist_ok=True)
        (root / f"l{level}" / "x").symlink_to(f"../l{level + 1}")
        (root / f"l{level}" / "y").symlink_to(f"../l{level + 1}")
    findings, elapsed = _check(root)
    assert elapsed < 20
    assert _paths(findings) == {"l18/BUILD.bazel"}


def test_a_file_linked_to_a_device_does_not_hang_the_cached_scan(layout: tuple[Path, Path]) -> None:
    root, _ = layout
    (root / "dev").mkdir()
    (root / "dev" / "defs.bzl").symlink_to("/dev/zero")
    (root / "dev" / "BUILD.bazel").write_text('load(":defs.bzl", "x")\n')
    os.mkfifo(root / "dev" / "fifo.sh")
    findings, elapsed = _check(root)  # with the cache on: its walk must not read them either
    assert elapsed < 20
    assert "ok/BUILD.bazel" in _paths(findings)
