"""Workspace discovery: root, kinds of files, .bazelignore, output symlinks, nested repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import SAME_NAME_REPOSITORIES, SAME_NAME_VERDICTS, write_tree

from hermetic_scan import workspace as workspace_module
from hermetic_scan.model.modules import Loader
from hermetic_scan.options import Options
from hermetic_scan.runner import scan
from hermetic_scan.workspace import discover, find_root, read_file

HAZARD = 'genrule(name = "g", outs = ["o"], cmd = "terraform fmt > $@")\n'


def test_root_is_found_walking_up(tmp_path: Path) -> None:
    write_tree(tmp_path, {"WORKSPACE.bazel": "", "a/b/BUILD": ""})
    assert find_root(tmp_path / "a" / "b") == tmp_path
    write_tree(tmp_path, {"a/REPO.bazel": ""})
    assert find_root(tmp_path / "a" / "b") == tmp_path / "a"


def test_files_of_each_kind(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "WORKSPACE": "",
            ".bazelrc": "build --jobs=4\n",
            "BUILD.bazel": "",
            "pkg/BUILD": "",
            "pkg/defs.bzl": "",
            "pkg/sub/BUILD.bazel": "",
            "pkg/sub/BUILD": "",
            "notes/readme.md": "",
        },
    )
    ws = discover(tmp_path)
    assert sorted(ws.main.build_files) == ["BUILD.bazel", "pkg/BUILD", "pkg/sub/BUILD.bazel"]
    assert ws.main.bzl_files == ["pkg/defs.bzl"]
    assert sorted(ws.main.other_starlark) == ["MODULE.bazel", "WORKSPACE"]
    assert ws.main.packages == {"", "pkg", "pkg/sub"}
    assert ws.bazelrc == [".bazelrc"]


def test_bazelignore_output_symlinks_and_git_are_skipped(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            ".bazelignore": "# generated\nnode_modules\nthird_party/vendored/\n",
            "node_modules/x/BUILD": HAZARD,
            "third_party/vendored/BUILD": HAZARD,
            "third_party/kept/BUILD": HAZARD,
            ".git/BUILD": HAZARD,
            "out/BUILD": HAZARD,
        },
    )
    os.symlink(tmp_path / "out", tmp_path / "bazel-out")
    paths = {d.span.path for d in scan(tmp_path).diagnostics}
    assert paths == {"third_party/kept/BUILD", "out/BUILD"}


def test_nested_repository_is_scanned_with_its_own_labels(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'module(name = "outer")\n',
            "tools/BUILD.bazel": HAZARD,
            "examples/demo/MODULE.bazel": 'module(name = "demo")\n',
            "examples/demo/BUILD.bazel": HAZARD,
            "examples/demo/defs.bzl": "X = 1\n",
            "examples/demo/pkg/BUILD.bazel": 'load("//:defs.bzl", "X")\nfilegroup(name = "f", srcs = [])\n',
        },
    )
    result = scan(tmp_path)
    paths = {d.span.path for d in result.diagnostics}
    assert paths == {"tools/BUILD.bazel", "examples/demo/BUILD.bazel"}, (
        "paths relative to the root; //:defs.bzl resolves inside demo"
    )
    labels = {t.label for t in result.inventory.targets}
    assert labels == {"//tools:g", "@demo//:g", "@demo//pkg:f"}
    targets = {d.target for d in result.diagnostics}
    assert targets == {"//tools:g", "@demo//:g"}


def test_nested_repositories_sharing_a_name_are_labelled_by_their_paths(tmp_path: Path) -> None:
    root = write_tree(tmp_path, SAME_NAME_REPOSITORIES)
    workspace = discover(root)
    assert [(repo.prefix, repo.apparent, repo.name) for repo in workspace.nested] == [
        ("a", "a", "a"),
        ("a/tools", "tools", "tools~a~tools"),
        ("b", "b", "b"),
        ("b/tools", "tools", "tools~b~tools"),
        ("c", "outer", "outer~c"),
    ]
    loader = Loader(workspace)
    a, a_tools, b, b_tools, c = workspace.nested
    # A shared name names the nearest repository of that name; the first in path order on a tie.
    assert loader.repository("tools", a) is a_tools and loader.repository("tools", b) is b_tools
    assert (
        loader.repository("tools", b_tools) is b_tools
        and loader.repository("tools", workspace.main) is a_tools
    )
    assert loader.repository("tools~b~tools", a) is b_tools
    # A repository's own name names itself, even when the main repository has it too.
    assert loader.repository("outer", c) is c and loader.repository("outer", b) is workspace.main

    result = scan(root)
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts == SAME_NAME_VERDICTS, "every target once, each repository's @tools its own"
    assert len(result.inventory.targets) == len(verdicts)
    findings = {(d.rule, d.span.path, d.span.start_line + 1, d.target) for d in result.diagnostics}
    assert findings == {
        ("ambient-tool", "a/tools/defs.bzl", 2, "@a//:lint"),
        ("ambient-tool", "a/tools/fmt.sh", 2, "@a//:gen"),
        ("ambient-tool", "c/defs.bzl", 2, "@outer~c//:top"),
    }


def test_main_repository_answers_to_its_module_name_and_at(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": 'module(name = "shop")\n',
            "defs.bzl": 'def _impl(ctx):\n    ctx.actions.run_shell(command = "make", outputs = [], mnemonic = "Make")\nmake_rule = rule(implementation = _impl)\n',
            "BUILD.bazel": "",
            "a/BUILD.bazel": 'load("@shop//:defs.bzl", "make_rule")\nmake_rule(name = "a")\n',
            "b/BUILD.bazel": 'load("@//:defs.bzl", "make_rule")\nmake_rule(name = "b")\n',
        },
    )
    result = scan(tmp_path)
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts == {"//a:a": "no-remote-exec", "//b:b": "no-remote-exec"}
    assert not [d for d in result.diagnostics if d.rule == "unresolved-load"]


def test_external_repositories_resolve_with_repo_and_external(tmp_path: Path) -> None:
    rules_tf = write_tree(
        tmp_path / "ext" / "rules_tf+",
        {
            "MODULE.bazel": "",
            "tf/BUILD.bazel": "",
            "tf/defs.bzl": 'def _impl(ctx):\n    ctx.actions.run_shell(command = "terraform validate", outputs = [], mnemonic = "TfValidate")\ntf_validate = rule(implementation = _impl)\n',
        },
    )
    ws = write_tree(
        tmp_path / "ws",
        {
            "MODULE.bazel": "",
            "BUILD.bazel": 'load("@rules_tf//tf:defs.bzl", "tf_validate")\ntf_validate(name = "v")\n',
        },
    )
    unresolved = scan(ws)
    assert {t.label: t.verdict for t in unresolved.inventory.targets} == {"//:v": "unknown"}
    assert [d.rule for d in unresolved.diagnostics] == ["unresolved-load"]
    for options in (Options(repos={"rules_tf": rules_tf}), Options(external_dirs=[tmp_path / "ext"])):
        resolved = scan(ws, options)
        assert {t.label: t.verdict for t in resolved.inventory.targets} == {"//:v": "no-remote-exec"}
        assert {(d.rule, d.span.path) for d in resolved.diagnostics} == {
            ("ambient-tool", "external/rules_tf/tf/defs.bzl")
        }


def test_load_cycle_is_reported_once_and_does_not_loop(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "MODULE.bazel": "",
            "BUILD.bazel": 'load(":a.bzl", "A")\n',
            "a.bzl": 'load(":b.bzl", "B")\nA = 1\n',
            "b.bzl": 'load(":a.bzl", "A")\nB = 2\n',
        },
    )
    cycles = [d for d in scan(tmp_path).diagnostics if d.rule == "load-cycle"]
    assert len(cycles) == 1 and "a.bzl" in cycles[0].message


def test_label_climbing_out_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"MODULE.bazel": "", "BUILD.bazel": 'load("//../outside:x.bzl", "X")\n'})
    found = [d for d in scan(tmp_path).diagnostics if d.rule == "unresolved-load"]
    assert len(found) == 1 and "climbs out" in found[0].message


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="Linux's list of memory mappings")
def test_files_read_do_not_each_keep_a_memory_mapping(tmp_path: Path) -> None:
    """Linux allows 65,530 mappings a process: asking to read `limit + 1` bytes of every file left
    each one in a mapping of its own, and a 100,000-file workspace failed with MemoryError."""
    paths = []
    for index in range(600):
        path = tmp_path / f"BUILD{index}"
        path.write_bytes(b'sh_test(name = "t%d")\n' % index)
        paths.append(path)

    def mappings() -> int:
        with open("/proc/self/maps", "rb") as handle:
            return sum(1 for _ in handle)

    before = mappings()
    held = [read_file(path) for path in paths]
    assert held[7] == b'sh_test(name = "t7")\n'
    assert mappings() - before < 60


def test_a_file_that_grew_after_it_was_measured_is_read_whole_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grown = tmp_path / "BUILD"
    grown.write_bytes(b"x" * 150)
    real_fstat = os.fstat

    def measured_earlier(fd: int) -> os.stat_result:
        found = real_fstat(fd)
        return os.stat_result((*found[:6], 10, *found[7:]))  # st_size as it was: 10 bytes

    monkeypatch.setattr(workspace_module.os, "fstat", measured_earlier)
    monkeypatch.setattr(workspace_module, "READ_PIECE", 16)
    assert read_file(grown, limit=200) == b"x" * 150
    with pytest.raises(OSError, match="over the 100 bytes limit"):
        read_file(grown, limit=100)
