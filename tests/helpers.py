"""Small helpers to build throwaway workspaces in tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hermetic_scan", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


# Nested repositories sharing a name (as rules_python's examples/bzlmod/other_module and
# examples/bzlmod_build_file_generation/other_module do): two examples `a` and `b`, each with a nested
# module named `tools` of its own whose macro and script differ (a's run tflint and terraform, b's
# nothing from the host), and a nested module `c` named like the main one. Each target must be listed
# once, under a label of its own, and `@tools` / `@outer` written in a file must name its own.
SAME_NAME_REPOSITORIES: dict[str, str | bytes] = {
    "MODULE.bazel": 'module(name = "outer")\n',
    "BUILD.bazel": 'genrule(name = "top", outs = ["top.txt"], cmd = "echo top > $@")\n',
    "a/MODULE.bazel": 'module(name = "a")\n',
    "a/BUILD.bazel": (
        'load("@tools//:defs.bzl", "lint")\n'
        'lint(name = "lint")\n'
        'genrule(name = "gen", outs = ["a.txt"], cmd = "$(location @tools//:fmt) > $@", tools = ["@tools//:fmt"])\n'
    ),
    "a/tools/MODULE.bazel": 'module(name = "tools")\n',
    "a/tools/BUILD.bazel": 'sh_binary(name = "fmt", srcs = ["fmt.sh"])\n',
    "a/tools/fmt.sh": "#!/bin/sh\nterraform fmt\n",
    "a/tools/defs.bzl": 'def lint(name):\n    native.genrule(name = name, outs = [name + ".txt"], cmd = "tflint > $@")\n',
    "b/MODULE.bazel": 'module(name = "b")\n',
    "b/BUILD.bazel": (
        'load("@tools//:defs.bzl", "lint")\n'
        'lint(name = "lint")\n'
        'genrule(name = "gen", outs = ["b.txt"], cmd = "$(location @tools//:fmt) > $@", tools = ["@tools//:fmt"])\n'
    ),
    "b/tools/MODULE.bazel": 'module(name = "tools")\n',
    "b/tools/BUILD.bazel": 'sh_binary(name = "fmt", srcs = ["fmt.sh"])\n',
    "b/tools/fmt.sh": "#!/bin/sh\necho formatted\n",
    "b/tools/defs.bzl": 'def lint(name):\n    native.genrule(name = name, outs = [name + ".txt"], cmd = "echo ok > $@")\n',
    "b/tools/self/BUILD.bazel": (
        'genrule(name = "gen", outs = ["s.txt"], cmd = "$(location @tools//:fmt) > $@", tools = ["@tools//:fmt"])\n'
    ),
    "c/MODULE.bazel": 'module(name = "outer")\n',
    "c/defs.bzl": 'def fmt(name):\n    native.genrule(name = name, outs = [name + ".txt"], cmd = "terraform fmt > $@")\n',
    "c/BUILD.bazel": 'load("@outer//:defs.bzl", "fmt")\nfmt(name = "top")\n',
}

# The verdict of every target of SAME_NAME_REPOSITORIES, each listed once.
SAME_NAME_VERDICTS = {
    "//:top": "remote-ok",
    "@a//:gen": "no-remote-exec",
    "@a//:lint": "no-remote-exec",
    "@b//:gen": "remote-ok",
    "@b//:lint": "remote-ok",
    "@outer~c//:top": "no-remote-exec",
    "@tools~a~tools//:fmt": "remote-ok",
    "@tools~b~tools//:fmt": "remote-ok",
    "@tools~b~tools//self:gen": "remote-ok",
}
