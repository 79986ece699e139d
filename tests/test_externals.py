"""External sources found in the output base an earlier build left, under Bazel's canonical names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import run_cli, write_tree

from hermetic_scan.externals import find_output_base, read_module_deps
from hermetic_scan.options import Options
from hermetic_scan.runner import scan

MODULE = """\
module(name = "shop")

bazel_dep(name = "rules_deploy", version = "1.2.0", repo_name = "deploy")
bazel_dep(name = "rules_lintkit", version = "0.3.0")

tools = use_extension("@rules_lintkit//lint:extensions.bzl", "tools")
use_repo(tools, "lint_tools", fmt = "formatter_tools")
"""

BUILD = """\
load("@deploy//deploy:defs.bzl", "release")
load("@rules_lintkit//lint:defs.bzl", "lint")
load("@lint_tools//:defs.bzl", "fetch_rules")
load("@fmt//:defs.bzl", "fmt_check")

release(name = "release")

lint(name = "lint", srcs = ["main.py"])

fetch_rules(name = "rules")

fmt_check(name = "fmt")
"""

# A rule whose action runs docker from the host's PATH (cannot run remotely).
DEPLOY = """\
def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".digest")
    ctx.actions.run_shell(outputs = [out], command = "docker build -q . > " + out.path, mnemonic = "DockerBuild")
    return [DefaultInfo(files = depset([out]))]

release = rule(implementation = _impl)
"""

# A rule whose action runs a declared tool (can run remotely).
LINT = """\
def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".report")
    ctx.actions.run(
        outputs = [out],
        inputs = ctx.files.srcs,
        executable = ctx.executable._linter,
        arguments = [out.path] + [f.path for f in ctx.files.srcs],
        mnemonic = "Lint",
    )
    return [DefaultInfo(files = depset([out]))]

lint = rule(
    implementation = _impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "_linter": attr.label(default = "//lint:linter", executable = True, cfg = "exec"),
    },
)
"""

FETCH = """\
def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.run_shell(outputs = [out], command = "curl -fsSL https://example.com/rules.json -o " + out.path, mnemonic = "FetchRules")
    return [DefaultInfo(files = depset([out]))]

fetch_rules = rule(implementation = _impl)
"""

FMT = """\
def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".ok")
    ctx.actions.write(out, "ok")
    return [DefaultInfo(files = depset([out]))]

fmt_check = rule(implementation = _impl)
"""


def _layout(tmp_path: Path, separator: str) -> tuple[Path, Path]:
    """A workspace built once: its output base keeps the rulesets under canonical names written
    the way Bazel 8 (`+`) or Bazel 7 (`~`) writes them, and the workspace links into it."""
    ws = write_tree(tmp_path / "shop", {"MODULE.bazel": MODULE, "BUILD.bazel": BUILD, "main.py": ""})
    base = tmp_path / "cache" / "_bazel_user" / "5f1c" / "outbase"
    s = separator
    module_dir = "rules_lintkit+" if s == "+" else "rules_lintkit~0.3.0"
    write_tree(
        base / "external",
        {
            f"rules_deploy{s}/MODULE.bazel": 'module(name = "rules_deploy")\n',
            f"rules_deploy{s}/deploy/BUILD.bazel": "",
            f"rules_deploy{s}/deploy/defs.bzl": DEPLOY,
            f"{module_dir}/MODULE.bazel": 'module(name = "rules_lintkit")\n',
            f"{module_dir}/lint/BUILD.bazel": 'sh_binary(name = "linter", srcs = ["linter.sh"])\n',
            f"{module_dir}/lint/linter.sh": "#!/bin/sh\nexit 0\n",
            f"{module_dir}/lint/defs.bzl": LINT,
            f"rules_lintkit{s}{s}tools{s}lint_tools/BUILD.bazel": "",
            f"rules_lintkit{s}{s}tools{s}lint_tools/defs.bzl": FETCH,
            f"rules_lintkit{s}{s}tools{s}formatter_tools/BUILD.bazel": "",
            f"rules_lintkit{s}{s}tools{s}formatter_tools/defs.bzl": FMT,
            f"@rules_deploy{s}.marker": "a1\n",
        },
    )
    execroot = base / "execroot" / "_main"
    (execroot / "bazel-out" / "k8-fastbuild" / "bin").mkdir(parents=True)
    os.symlink(execroot, ws / "bazel-shop")
    os.symlink(execroot / "bazel-out" / "k8-fastbuild" / "bin", ws / "bazel-bin")
    return ws, base


@pytest.mark.parametrize("separator", ["+", "~"], ids=["bazel8", "bazel7"])
def test_rulesets_in_the_output_base_are_found_and_analyzed(tmp_path: Path, separator: str) -> None:
    ws, base = _layout(tmp_path, separator)
    found = find_output_base(ws)
    assert found is not None and found.external == (base / "external").resolve()

    result = scan(ws)
    verdicts = {t.label: t.verdict for t in result.inventory.targets}
    assert verdicts == {
        "//:release": "no-remote-exec",
        "//:lint": "remote-ok",
        "//:rules": "no-remote-exec",
        "//:fmt": "remote-ok",
    }
    assert {(d.rule, d.span.path) for d in result.diagnostics} == {
        ("ambient-tool", "external/deploy/deploy/defs.bzl"),
        ("network-access", "external/deploy/deploy/defs.bzl"),  # docker build pulls its base image
        ("ambient-tool", "external/lint_tools/defs.bzl"),
        ("network-access", "external/lint_tools/defs.bzl"),
    }

    blind = scan(ws, Options(auto_external=False))
    assert {t.verdict for t in blind.inventory.targets} == {"unknown"}
    assert {d.rule for d in blind.diagnostics} == {"unresolved-load"}


def test_module_deps_name_modules_and_extension_repositories(tmp_path: Path) -> None:
    write_tree(tmp_path, {"MODULE.bazel": MODULE})
    deps = read_module_deps(tmp_path)
    assert deps.modules == {"deploy": "rules_deploy", "rules_lintkit": "rules_lintkit"}
    assert deps.versions == {"rules_deploy": "1.2.0", "rules_lintkit": "0.3.0"}
    assert deps.extension_repos == {
        "lint_tools": ("tools", "lint_tools"),
        "fmt": ("tools", "formatter_tools"),
    }


def test_no_auto_external_flag_and_config_turn_discovery_off(tmp_path: Path) -> None:
    ws, _ = _layout(tmp_path, "+")

    def verdicts(*flags: str) -> set[str]:
        done = run_cli("inventory", "--format", "json", "--no-cache", *flags, str(ws))
        return {target["verdict"] for target in json.loads(done.stdout)["targets"]}

    assert verdicts() == {"remote-ok", "no-remote-exec"}
    assert verdicts("--no-auto-external") == {"unknown"}
    (ws / ".hermetic-scan.toml").write_text("auto-external = false\n")
    assert verdicts() == {"unknown"}


def test_a_repository_linked_out_of_the_output_base_is_not_read(tmp_path: Path) -> None:
    ws, base = _layout(tmp_path, "+")
    outside = write_tree(tmp_path / "elsewhere", {"defs.bzl": DEPLOY, "BUILD.bazel": ""})
    os.symlink(outside, base / "external" / "rules_deploy+" / "deploy" / "linked")
    (ws / "BUILD.bazel").write_text(
        'load("@deploy//deploy/linked:defs.bzl", "release")\nrelease(name = "r")\n'
    )
    result = scan(ws)
    assert {t.label: t.verdict for t in result.inventory.targets} == {"//:r": "unknown"}
    assert sorted(d.rule for d in result.diagnostics) == ["io-error", "unresolved-load"]
    assert "outside the workspace" in next(d.message for d in result.diagnostics if d.rule == "io-error")


def test_the_cache_follows_a_refetch_not_every_file(tmp_path: Path) -> None:
    ws, base = _layout(tmp_path, "+")
    first = find_output_base(ws)
    assert first is not None
    defs = base / "external" / "rules_deploy+" / "deploy" / "defs.bzl"
    defs.write_text(FMT.replace("fmt_check", "release"))
    marker = base / "external" / "@rules_deploy+.marker"
    assert find_output_base(ws) == first  # nothing refetched: the same fingerprint
    marker.write_text("b2 refetched\n")
    os.utime(marker, ns=(1, 1))
    again = find_output_base(ws)
    assert again is not None and again.fingerprint != first.fingerprint
    cache = tmp_path / "scan-cache"
    assert {t.verdict for t in scan(ws, Options(cache_dir=cache)).inventory.targets} >= {"remote-ok"}
