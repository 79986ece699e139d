"""Bad input never crashes the scan: it becomes a finding and the rest is analyzed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

from hermetic_scan.runner import scan

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'


def _findings(root: Path) -> set[tuple[str, int, str]]:
    return {(d.span.path, d.span.start_line + 1, d.rule) for d in scan(root).diagnostics}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {"MODULE.bazel": 'module(name = "bad")\n', "ok/BUILD.bazel": HAZARD})


def test_non_utf8_file(workspace: Path) -> None:
    (workspace / "latin1").mkdir()
    (workspace / "latin1" / "BUILD").write_bytes(b"# caf\xe9\n" + HAZARD.encode())
    found = _findings(workspace)
    assert ("latin1/BUILD", 1, "parse-error") in found
    assert ("latin1/BUILD", 2, "ambient-tool") in found, "the rest of the file is analyzed"
    assert ("ok/BUILD.bazel", 1, "ambient-tool") in found


def test_binary_and_empty_files(workspace: Path) -> None:
    write_tree(
        workspace, {"bin/BUILD": b"\x00\x01\x02\xff" * 100, "empty/BUILD.bazel": "", "empty/defs.bzl": ""}
    )
    found = _findings(workspace)
    assert ("bin/BUILD", 1, "parse-error") in found
    assert not {f for f in found if f[0].startswith("empty/")}
    assert ("ok/BUILD.bazel", 1, "ambient-tool") in found


def test_syntax_error_reported_and_rest_analyzed(workspace: Path) -> None:
    write_tree(workspace, {"broken/BUILD.bazel": 'genrule(\n    name = "a"\n    outs = ["x"],\n)\n' + HAZARD})
    found = _findings(workspace)
    assert any(f[0] == "broken/BUILD.bazel" and f[2] == "parse-error" for f in found)
    assert ("broken/BUILD.bazel", 5, "ambient-tool") in found


def test_huge_file_is_skipped_with_a_finding(workspace: Path) -> None:
    big = workspace / "big" / "BUILD.bazel"
    big.parent.mkdir()
    with open(big, "wb") as handle:
        handle.write(b"# padding\n" * (2 * 1024 * 1024))  # 20 MB
    found = _findings(workspace)
    assert ("big/BUILD.bazel", 1, "io-error") in found
    assert ("ok/BUILD.bazel", 1, "ambient-tool") in found


def test_unreadable_file(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(workspace, {"secret/BUILD.bazel": HAZARD})
    original = os.open

    def deny(path: str | Path, flags: int, *args: int, **kwargs: object) -> int:
        if Path(path).parent.name == "secret":  # root reads anything: deny it as the kernel would
            raise PermissionError(13, "Permission denied")
        return original(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    found = _findings(workspace)
    assert ("secret/BUILD.bazel", 1, "io-error") in found
    assert ("ok/BUILD.bazel", 1, "ambient-tool") in found


def test_directory_named_build_and_symlink_loops(workspace: Path) -> None:
    (workspace / "weird" / "BUILD").mkdir(parents=True)
    (workspace / "weird" / "BUILD" / "BUILD.bazel").write_text(HAZARD)
    os.symlink("loop", workspace / "loop")
    (workspace / "cycle").mkdir()
    os.symlink("..", workspace / "cycle" / "up")
    found = _findings(workspace)
    assert ("loop", 1, "io-error") in found
    assert ("weird/BUILD/BUILD.bazel", 1, "ambient-tool") in found
    assert ("ok/BUILD.bazel", 1, "ambient-tool") in found


def test_missing_script_and_template_do_not_crash(workspace: Path) -> None:
    write_tree(workspace, {"t/BUILD.bazel": 'sh_test(name = "t", srcs = ["gone.sh"])\n'})
    result = scan(workspace)
    verdict = {t.label: t for t in result.inventory.targets}["//t:t"]
    assert verdict.verdict == "unknown" and "gone.sh" in verdict.unknown_because[0]


def test_cli_on_unreadable_root_exits_2(tmp_path: Path) -> None:
    out = run_cli("check", str(tmp_path / "missing"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
