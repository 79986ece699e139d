"""Scripts written inline in BUILD files: a genrule writes them with a here-document."""

def inline_sh_binary(name, cmd, srcs = [], **kwargs):
    native.genrule(
        name = name + "_genrule",
        srcs = srcs,
        outs = [name + ".sh"],
        # expect: ambient-tool
        cmd = "cat <<'EOF' >$(OUTS)\n#!/bin/bash -eu\n%s\nEOF\n" % cmd,
    )
    native.sh_binary(
        name = name,
        srcs = [name + "_genrule"],
        data = srcs,
        **kwargs
    )

def inline_sh_test(name, cmd, srcs = [], **kwargs):
    native.genrule(
        name = name + "_genrule",
        srcs = srcs,
        outs = [name + "_test.sh"],
        testonly = True,
        # expect: ambient-tool
        cmd = "cat <<'EOF' >$(OUTS)\n#!/bin/bash -eu\n%s\nEOF\n" % cmd,
    )
    native.sh_test(
        name = name,
        srcs = [name + "_genrule"],
        data = srcs,
        **kwargs
    )
