"""Fixes that rules build themselves (`Diagnostic.fix`): applied by `fix`, offered by the editor,
written to JSON and SARIF. Each fix is applied twice on real files: the second run changes nothing,
the result parses, and the finding it fixes is gone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS
from helpers import run_cli, write_tree

from hermetic_scan import parse
from hermetic_scan.diagnostics import Applicability
from hermetic_scan.options import Options
from hermetic_scan.runner import scan

WORKSPACES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
STARLARK_SUFFIXES = (".bzl", ".bazel")
UNUSED = "unused-suppression"
GENRULE = 'genrule(\n    name = "v",\n    outs = ["v.txt"],\n    cmd = "echo 1 > $@",\n)\n'
HAZARD = 'genrule(\n    name = "h",\n    outs = ["h.txt"],\n    cmd = "terraform version > $@",{comment}\n)\n'


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _parses(data: bytes) -> bool:
    return parse.parse_starlark(data).first_error is None


def _findings(root: Path, *args: str) -> list[dict]:
    out = run_cli("check", "--no-cache", "--format", "json", *args, str(root))
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


@pytest.mark.parametrize("workspace", WORKSPACES, ids=lambda p: p.name)
def test_fixing_twice_is_fixing_once_and_the_fixed_findings_are_gone(workspace: Path, tmp_path: Path) -> None:
    root = tmp_path / workspace.name
    shutil.copytree(workspace, root, symlinks=True)
    fixable = [f for f in _findings(root) if "fix" in f]
    first = run_cli("fix", "--write", "--unsafe-fixes", str(root))
    assert first.returncode == 0, first.stderr
    once = _files(root)
    second = run_cli("fix", "--write", "--unsafe-fixes", str(root))
    assert second.returncode == 0, second.stderr
    assert "fixed " not in second.stderr
    assert _files(root) == once
    for path, data in once.items():
        original = workspace / path.relative_to(root)
        if path.name in ("BUILD", "WORKSPACE") or path.suffix in STARLARK_SUFFIXES:
            if _parses(original.read_bytes()):
                assert _parses(data), f"fix left {path.relative_to(root)} unparsable"
    left = {(f["rule"], f["path"], f["line"]) for f in _findings(root) if "fix" in f}
    assert not left, f"fixed findings are still reported: {sorted(left)}"
    if fixable:
        assert first.stderr.count("fixed ") >= 1


def test_missing_mnemonic_fixes_are_unsafe_and_only_applied_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "missing-mnemonic", root)
    fixes = [f["fix"] for f in _findings(root) if f["rule"] == "missing-mnemonic" and "fix" in f]
    assert fixes and all(f["applicability"] == Applicability.UNSAFE for f in fixes)
    assert 'mnemonic = "' not in run_cli("fix", str(root)).stdout
    diff = run_cli("fix", "--unsafe-fixes", str(root)).stdout
    assert '+        mnemonic = "CopyFile",' in diff
    # A call on one line gets the argument in front, on that line.
    assert '+    ctx.actions.run_shell(mnemonic = "ConfigHeader", outputs = [marker]' in diff


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('ctx.actions.run_shell(outputs = [o], command = "true")', 'run_shell(mnemonic = "Gen", outputs'),
        (
            'ctx.actions.run_shell(\n        outputs = [o],\n        command = "true",\n    )',
            '\n        mnemonic = "Gen",\n        outputs',
        ),
        ("ctx.actions.run_shell(*args)", None),
        ('ctx.actions.run_shell(outputs = [o], command = "true", mnemonic = None)', None),
        ('ctx.actions.run_shell(outputs = [o], command = "true", **kwargs)', None),
    ],
    ids=["one-line", "one-argument-per-line", "positional-first", "mnemonic-none", "kwargs"],
)
def test_mnemonic_fix_placement(tmp_path: Path, call: str, expected: str | None) -> None:
    rule = f'def _gen_impl(ctx):\n    o = ctx.actions.declare_file("o")\n    args = []\n    kwargs = {{}}\n    {call}\n    return []\n\ngen = rule(implementation = _gen_impl)\n'
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'module(name = "m")\n',
            "defs.bzl": rule,
            "BUILD.bazel": 'load(":defs.bzl", "gen")\n\ngen(name = "g")\n',
        },
    )
    result = scan(root, Options())
    missing = [d for d in result.diagnostics if d.rule == "missing-mnemonic"]
    if expected is None:
        assert all(d.fix is None for d in missing)
        return
    (finding,) = missing
    assert finding.fix is not None and finding.fix.title == 'Add mnemonic = "Gen" (review the name)'
    run_cli("fix", "--write", "--unsafe-fixes", str(root))
    fixed = (root / "defs.bzl").read_text()
    assert expected in fixed
    assert _parses(fixed.encode())


@pytest.mark.parametrize(
    ("comment", "after"),
    [
        ("\n", ""),
        (
            "  # hermetic-scan: disable=host-path\n",
            "\n",
        ),
        (
            "  # hermetic-scan: disable=ambient-tool,host-path\n",
            "  # hermetic-scan: disable=ambient-tool\n",
        ),
        (
            "  # hermetic-scan: disable=host-path, ambient-tool, no-such-rule\n",
            "  # hermetic-scan: disable=ambient-tool\n",
        ),
    ],
    ids=["whole-line", "after-code", "keeps-the-used-id", "several-unused"],
)
def test_unused_suppression_fix_removes_only_the_unused_ids(tmp_path: Path, comment: str, after: str) -> None:
    # The suppression sits on the genrule's cmd line, or alone on the line above it.
    if comment.startswith("\n"):
        build = GENRULE.replace('    cmd = "echo', '    # hermetic-scan: disable=host-path\n    cmd = "echo')
        fixed = GENRULE
    else:
        build = HAZARD.replace("{comment}", "").replace('> $@",\n', '> $@",' + comment)
        fixed = HAZARD.replace("{comment}", "").replace('> $@",\n', '> $@",' + after)
    root = write_tree(tmp_path, {"MODULE.bazel": 'module(name = "m")\n', "BUILD.bazel": build})
    unused = [f for f in _findings(root) if f["rule"] == UNUSED]
    assert unused and all(f["fix"]["applicability"] == "safe" for f in unused)
    assert len({json.dumps(f["fix"], sort_keys=True) for f in unused}) == 1  # one comment, one fix
    out = run_cli("fix", "--write", str(root))
    assert out.returncode == 0, out.stderr
    text = (root / "BUILD.bazel").read_text()
    if "terraform" in build:
        # The tag is added too (the genrule runs terraform); only the comment is compared.
        text = text.replace('    tags = ["no-remote-exec"],\n', "")
    assert text == fixed
    assert not [f for f in _findings(root) if f["rule"] == UNUSED]


def test_a_suppression_followed_by_other_words_gets_no_fix(tmp_path: Path) -> None:
    build = GENRULE.replace(
        '> $@",\n', '> $@",  # hermetic-scan: disable=ambient-tool (kept for the old toolchain)\n'
    )
    root = write_tree(tmp_path, {"MODULE.bazel": 'module(name = "m")\n', "BUILD.bazel": build})
    (unused,) = [f for f in _findings(root) if f["rule"] == UNUSED]
    assert "fix" not in unused
    assert run_cli("fix", str(root)).stdout == ""


def test_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    build = ("# hermetic-scan: disable=host-path\n" + GENRULE).replace("\n", "\r\n")
    root = write_tree(tmp_path, {"MODULE.bazel": 'module(name = "m")\n', "BUILD.bazel": build.encode()})
    run_cli("fix", "--write", str(root))
    assert (root / "BUILD.bazel").read_bytes() == GENRULE.replace("\n", "\r\n").encode()


def test_suppressions_in_scripts_and_bazelrc_are_fixed_too(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'module(name = "m")\n',
            ".bazelrc": "# hermetic-scan: disable-file=rc-env-placeholder\nbuild --jobs=4\n",
            "BUILD.bazel": 'sh_test(\n    name = "t",\n    srcs = ["t.sh"],\n)\n',
            "t.sh": "#!/bin/sh\necho ok  # hermetic-scan: disable=silent-skip\n",
        },
    )
    assert {f["path"] for f in _findings(root) if f["rule"] == UNUSED} == {".bazelrc", "t.sh"}
    run_cli("fix", "--write", str(root))
    assert (root / ".bazelrc").read_text() == "build --jobs=4\n"
    assert (root / "t.sh").read_text() == "#!/bin/sh\necho ok\n"


def test_a_suppression_of_a_rule_that_did_not_run_is_not_called_unused(tmp_path: Path) -> None:
    build = GENRULE.replace('> $@",\n', '> $@",  # hermetic-scan: disable=ambient-tool\n')
    root = write_tree(tmp_path, {"MODULE.bazel": 'module(name = "m")\n', "BUILD.bazel": build})
    assert [f["rule"] for f in _findings(root)] == [UNUSED]
    assert [f["rule"] for f in _findings(root, "--ignore", "ambient-tool")] == []
