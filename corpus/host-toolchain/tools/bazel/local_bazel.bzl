"""Imports the programs on the fetching machine's PATH for integration tests."""

_BUILD = """
sh_binary(
    name = "{name}",
    srcs = ["{name}_link"],
    visibility = ["//visibility:public"],
)
"""

def _local_bazel_impl(rctx):
    program = "bazel.exe" if "windows" in rctx.os.name else "bazel"
    found = rctx.which(program)  # expect: repo-rule-ambient
    if found == None:
        fail("no bazel on PATH")
    rctx.symlink(found, "bazel_link")
    rctx.file("BUILD", _BUILD.format(name = "bazel"))

local_bazel = repository_rule(implementation = _local_bazel_impl, local = True)

def _local_bash_impl(rctx):
    rctx.symlink(rctx.which("bash"), "bash_link")  # expect: repo-rule-ambient
    rctx.file("BUILD", _BUILD.format(name = "bash"))

local_bash = repository_rule(implementation = _local_bash_impl, local = True)
