"""The pre-commit hook's entry, run the way pre-commit runs it: entry + the staged file names."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from helpers import write_tree

HOOKS = (ROOT / ".pre-commit-hooks.yaml").read_text()


def _hook_entry() -> list[str]:
    entry = re.search(r"^\s*entry:\s*(.+)$", HOOKS, re.M).group(1)
    words = shlex.split(entry)
    assert words[0] == "hermetic-scan"
    return [sys.executable, "-m", "hermetic_scan", *words[1:]]


def _matches(path: str) -> bool:
    pattern = re.search(r"^\s*files:\s*(.+)$", HOOKS, re.M).group(1)
    return re.search(pattern, path) is not None


def test_files_pattern() -> None:
    for path in (
        "BUILD",
        "a/BUILD.bazel",
        "rules/defs.bzl",
        ".bazelrc",
        "MODULE.bazel",
        "tools/x.sh",
        "a/t.sh.tpl",
    ):
        assert _matches(path), path
    for path in ("README.md", "src/main.py", "BUILD.md"):
        assert not _matches(path), path


def test_hook_reports_only_staged_files_and_fails(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "a/BUILD.bazel": 'genrule(name = "a", outs = ["a"], cmd = "helm template > $@")\n',
            "b/BUILD.bazel": 'genrule(name = "b", outs = ["b"], cmd = "kubectl apply > $@")\n',
        },
    )
    staged = ["b/BUILD.bazel"]
    out = subprocess.run([*_hook_entry(), *staged], cwd=root, capture_output=True, text=True)
    assert out.returncode == 1
    assert "b/BUILD.bazel:1:" in out.stdout and "a/BUILD.bazel" not in out.stdout
    clean = subprocess.run([*_hook_entry(), "MODULE.bazel"], cwd=root, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout


def test_a_changed_build_file_reports_the_hazard_its_new_target_takes_from_an_unchanged_bzl(
    tmp_path: Path,
) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "rules/BUILD.bazel": "",
            "rules/deploy.bzl": (
                "def _impl(ctx):\n"
                "    out = ctx.actions.declare_file(ctx.label.name)\n"
                '    ctx.actions.run_shell(outputs = [out], command = "kubectl apply -f x > " + out.path,'
                ' mnemonic = "Deploy")\n'
                "    return [DefaultInfo(files = depset([out]))]\n\n"
                "deploy = rule(implementation = _impl)\n"
            ),
            "svc/BUILD.bazel": 'load("//rules:deploy.bzl", "deploy")\n\ndeploy(name = "svc")\n',
            "other/BUILD.bazel": 'genrule(name = "o", outs = ["o"], cmd = "echo > $@")\n',
        },
    )
    staged = subprocess.run([*_hook_entry(), "svc/BUILD.bazel"], cwd=root, capture_output=True, text=True)
    assert staged.returncode == 1, staged.stdout
    # Shown at the new target's line, where the hook's user looks, with the place of the hazard.
    assert "svc/BUILD.bazel:3:1: error:" in staged.stdout
    assert "(from rules/deploy.bzl:3)" in staged.stdout
    unrelated = subprocess.run(
        [*_hook_entry(), "other/BUILD.bazel"], cwd=root, capture_output=True, text=True
    )
    assert unrelated.returncode == 0, unrelated.stdout
