"""Nothing outside the workspace or a declared external root is read (issue 16)."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli, write_tree

from hermetic_scan.options import Options
from hermetic_scan.runner import scan

SECRET = "curl https://secret.example/do-not-read\n"


def _found(root: Path, options: Options | None = None) -> set[tuple[str, int, str]]:
    return {(d.span.path, d.span.start_line + 1, d.rule) for d in scan(root, options).diagnostics}


def test_script_symlinked_outside_the_workspace_is_not_read(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.sh": SECRET})
    root = write_tree(
        tmp_path / "ws",
        {"MODULE.bazel": "", "a/BUILD.bazel": 'sh_test(name = "t", srcs = ["t.sh"])\n'},
    )
    (root / "a" / "t.sh").symlink_to(outside / "secret.sh")
    result = scan(root)
    assert not [d for d in result.diagnostics if "secret.example" in d.message]
    assert "secret.example" not in "".join(s.text for s in result.sources.values())
    assert ("a/t.sh", 1, "io-error") in _found(root)


def test_repository_named_dotdot_is_not_followed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"BUILD.bazel": 'sh_test(name = "t", srcs = ["secret.sh"])\n', "secret.sh": SECRET})
    externals = write_tree(tmp_path / "ext", {"dummy/BUILD.bazel": ""})
    root = write_tree(
        tmp_path / "ext" / "ws",
        {
            "MODULE.bazel": "",
            "a/BUILD.bazel": 'load("@..//:defs.bzl", "x")\nsh_test(name = "u", srcs = ["@..//:secret.sh"])\n',
        },
    )
    options = Options()
    options.external_dirs = [externals]
    result = scan(root, options)
    assert "secret.example" not in "".join(s.text for s in result.sources.values())
    out = run_cli("check", str(root), "--repo", "..=" + str(tmp_path))
    assert out.returncode == 2 and "'..' is not a repository name" in out.stderr
