"""Test scripts written by bazel_skylib's write_file: its `content` lines are the script."""

load("@bazel_skylib//rules:write_file.bzl", "write_file")  # expect: unresolved-load

def file_contains_test(name, actual, expected):
    """Fails unless `actual` holds `expected` (one grep, which every worker image has)."""
    write_file(
        name = "_" + name,
        out = "_%s_test.sh" % name,
        content = [
            "#!/usr/bin/env bash",
            "set -o errexit",
            "grep --fixed-strings --quiet '%s' \"$1\"" % expected,
        ],
    )
    native.sh_test(
        name = name,
        srcs = ["_%s_test.sh" % name],
        args = ["$(rootpath %s)" % actual],
        data = [actual],
    )

def published_test(name, url):
    """Checks that a release was published: it asks the server."""
    write_file(
        name = name + "_script",
        out = name + ".sh",
        content = [
            "#!/usr/bin/env bash",
            "curl --fail --silent --head %s > /dev/null" % url,  # expect: ambient-tool, network-access
        ],
    )
    native.sh_test(
        name = name,
        srcs = [":" + name + "_script"],
    )
