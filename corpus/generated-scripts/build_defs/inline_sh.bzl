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

def script_test(name, scriptfile, tools = {}):
    """A test whose script is a generated header (one variable per tool) followed by `scriptfile`."""
    lines = ["set -e", 'cat >$@ <<"EOF"'] + [
        'readonly %s="$${%d:?missing %s tool}"' % (base, i + 1, base)
        for i, base in enumerate(sorted(tools.keys()))
    ] + ["EOF", 'cat >>$@ "$(location %s)"' % scriptfile]
    native.genrule(
        name = name + "_script",
        srcs = [scriptfile],
        outs = [name + "_script.sh"],
        testonly = True,
        cmd = "\n".join(lines),
    )
    native.sh_test(
        name = name,
        srcs = [name + "_script"],
        data = sorted(tools.values()),
        args = ["$(location %s)" % tools[base] for base in sorted(tools.keys())],
    )
