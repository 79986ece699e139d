"""bench/fuzz.py on a few cases, and the crashes and hangs it found (issue 16), each kept as a test."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from helpers import write_tree

from hermetic_scan import parse
from hermetic_scan.model.actions import ActionAnalyzer
from hermetic_scan.runner import scan

ROOT = Path(__file__).resolve().parent.parent


def _fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hs_fuzz", ROOT / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hs_fuzz"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _rules(root: Path) -> list[tuple[str, str]]:
    return [(d.span.path, d.rule) for d in scan(root).diagnostics]


def test_fifty_cases_neither_crash_nor_hang(tmp_path: Path) -> None:
    started = time.monotonic()
    summary = _fuzz().run(50, seed=7, save_dir=tmp_path, timeout=20.0)
    assert summary.cases == 50
    assert summary.crashes == [] and summary.hangs == [], "\n".join(summary.lines())
    assert time.monotonic() - started < 30


def test_cases_are_a_function_of_the_seed() -> None:
    fuzz = _fuzz()
    seeds = fuzz.seed_files()
    first = [fuzz.make_case(3, i, seeds) for i in range(20)]
    again = [fuzz.make_case(3, i, seeds) for i in range(20)]
    assert [(c.path, c.data, c.extra) for c in first] == [(c.path, c.data, c.extra) for c in again]


# Regressions, each reduced from a fuzz case of seed 1.

WORKSPACE = {"MODULE.bazel": 'module(name = "f")\n'}


def test_a_broken_file_nested_thousands_deep_gets_its_parse_error(tmp_path: Path) -> None:
    # parse.first_error recursed once per level, outside the per-file guard: RecursionError ended the scan.
    root = write_tree(tmp_path, {**WORKSPACE, "p/BUILD.bazel": "X = " + "[" * 3000 + " \\U0010FFFF ?\n"})
    assert ("p/BUILD.bazel", "parse-error") in _rules(root)


@pytest.mark.parametrize("stray", ["[", "+ ", "( "])
def test_a_huge_run_of_stray_tokens_is_analyzed_in_seconds(tmp_path: Path, stray: str) -> None:
    # tree-sitter queries take time quadratic in such a run (minutes for 500 KB); the run and what
    # follows it are left out of the analysis.
    hazard = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'
    root = write_tree(tmp_path, {**WORKSPACE, "p/BUILD.bazel": hazard + "X = " + stray * 200_000 + "\n"})
    script = "#!/bin/bash\ntofu init\n" + "( " * 200_000 + "\n"
    write_tree(root, {"s/run.sh": script, "s/BUILD.bazel": 'sh_test(name = "r", srcs = ["run.sh"])\n'})
    assert len(parse.parse_starlark(("X = " + stray * 200_000).encode()).tree.root_node.children) < 10
    started = time.monotonic()
    found = _rules(root)
    assert time.monotonic() - started < 15
    assert ("p/BUILD.bazel", "ambient-tool") in found and ("p/BUILD.bazel", "parse-error") in found
    assert ("s/run.sh", "ambient-tool") in found


def test_a_shell_command_with_many_words_is_linear(tmp_path: Path) -> None:
    # shell._commands_of looked each word's position up in a fresh list of the children: quadratic.
    script = "#!/bin/bash\n" + "terraform " + "a " * 100_000 + "\n"
    root = write_tree(
        tmp_path,
        {**WORKSPACE, "s/run.sh": script, "s/BUILD.bazel": 'sh_test(name = "r", srcs = ["run.sh"])\n'},
    )
    started = time.monotonic()
    assert ("s/run.sh", "ambient-tool") in _rules(root)
    assert time.monotonic() - started < 15


def test_format_and_percent_over_a_huge_string_are_linear(tmp_path: Path) -> None:
    # `.format` and `%` added the template to the result one character at a time: a 1 MB template
    # took minutes (bench/fuzz.py's hangs 2211, 4557, 5501).
    filler = "echo " + "x" * 1_000_000
    build = (
        f'genrule(name = "f", outs = ["f.txt"], cmd = "{filler} && {{tool}} fmt > $@".format(tool = "terraform"))\n'
        f'genrule(name = "p", outs = ["p.txt"], cmd = "{filler} && %s fmt > $@" % "tofu")\n'
    )
    root = write_tree(tmp_path, {**WORKSPACE, "g/BUILD.bazel": build})
    started = time.monotonic()
    found = {(d.target, d.subject) for d in scan(root).diagnostics if d.rule == "ambient-tool"}
    assert found == {("//g:f", "terraform"), ("//g:p", "tofu")}
    assert time.monotonic() - started < 15


def test_a_template_label_no_file_system_can_name_is_no_internal_error(tmp_path: Path) -> None:
    # `\\ud800` in a label decodes to a lone surrogate, which os.path.realpath cannot encode
    # (bench/fuzz.py's UnicodeEncodeError, seed 1 case 5584).
    rules = (
        "def _impl(ctx):\n"
        "    out = ctx.actions.declare_file(ctx.label.name)\n"
        "    ctx.actions.expand_template(template = ctx.file._tpl, output = out, substitutions = {},\n"
        "                                is_executable = True)\n"
        "    return [DefaultInfo(executable = out)]\n"
        'x_test = rule(_impl, test = True, attrs = {"_tpl": attr.label(default = "t\\ud800.sh", allow_single_file = True)})\n'
    )
    root = write_tree(
        tmp_path,
        {
            **WORKSPACE,
            "r/BUILD.bazel": "",
            "r/defs.bzl": rules,
            "BUILD.bazel": 'load("//r:defs.bzl", "x_test")\nx_test(name = "t")\n',
        },
    )
    assert "internal-error" not in {d.rule for d in scan(root).diagnostics}


def test_a_nul_in_a_bazelrc_import_is_an_io_error(tmp_path: Path) -> None:
    # Path.resolve raised ValueError ("embedded null byte") out of the scan.
    root = write_tree(tmp_path, {**WORKSPACE, ".bazelrc": "import %workspace%/a\0b.rc\nbuild --jobs=4\n"})
    assert (".bazelrc", "io-error") in _rules(root)


def test_a_helper_whose_analysis_failed_is_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `helper is not None and helper.actions or helper.sites` read .sites of None.
    def fail(*_args: object) -> None:
        raise IndexError("boom")

    monkeypatch.setattr(ActionAnalyzer, "analyze_free_function", fail)
    helpers = 'def helper(ctx):\n    ctx.actions.run_shell(outputs = [], command = "true", mnemonic = "H")\n'
    root = write_tree(tmp_path, {**WORKSPACE, "p/defs.bzl": helpers, "p/BUILD.bazel": ""})
    assert ("p/defs.bzl", "internal-error") in _rules(root)


def test_deep_indentation_after_an_open_string_does_not_crash_the_process(tmp_path: Path) -> None:
    # tree-sitter-python (the fallback grammar) dies with SIGSEGV on this; it is no longer tried on
    # files indented 256 columns deep. In a child process: a regression must fail, not kill pytest.
    nested = "".join(" " * i + "if x:\n" for i in range(600)) + " " * 600 + "pass\n"
    write_tree(tmp_path, {**WORKSPACE, "p/BUILD.bazel": '"\\""x """\n' + nested})
    out = subprocess.run(
        [sys.executable, "-m", "hermetic_scan", "check", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "p/BUILD.bazel:1:" in out.stdout and "[parse-error]" in out.stdout


def test_a_backtick_string_is_no_internal_error(tmp_path: Path) -> None:
    # tree-sitter-starlark reads `tool` as a string node with no quote: decode_literal raised IndexError.
    root = write_tree(tmp_path, {**WORKSPACE, "p/BUILD.bazel": 'X = `tool`\ngenrule(name = "g", cmd = X)\n'})
    assert not [rule for _, rule in _rules(root) if rule == "internal-error"]


@pytest.mark.parametrize("index", [1303, 1925])
def test_replayed_fuzz_cases(index: int, tmp_path: Path) -> None:
    # 1303: tree-sitter-python crashed the process (the test above); 1925: the helper above. A case is a
    # function of the seed and the corpus: if corpus/ changes, these replay other cases.
    fuzz = _fuzz()
    case = fuzz.make_case(1, index, fuzz.seed_files())
    report = fuzz.run_case(case, 20.0)
    assert report["outcome"] not in ("crash", "hang"), report
