"""Proto and schema rules. Some of their tools still need the host PATH."""

load(":actions.bzl", "TOOL_ATTRS", "run_tool")

# The descriptor generator shells out to a host interpreter through PATH.
_NEEDS_HOST_ENV = True

# Linting is pure: it only reads its inputs.
_LINT_USES_HOST_ENV = False

def _proto_descriptor_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".pb")
    args = ctx.actions.args()
    args.add("--descriptor_set_out", out)
    args.add_all(ctx.files.srcs)
    ctx.actions.run(
        executable = ctx.executable._gen,
        arguments = [args],
        inputs = ctx.files.srcs,
        outputs = [out],
        mnemonic = "ProtoDescriptor",
        use_default_shell_env = _NEEDS_HOST_ENV,  # expect: default-shell-env
    )
    return [DefaultInfo(files = depset([out]))]

proto_descriptor = rule(
    implementation = _proto_descriptor_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = [".proto"]),
    ),
)

def _proto_lint_impl(ctx):
    stamp = ctx.actions.declare_file(ctx.label.name + ".lint_ok")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [stamp],
        tools = [ctx.executable._gen],
        arguments = [stamp.path] + [f.path for f in ctx.files.srcs],
        command = """set -euo pipefail
stamp="$1"
shift
{gen} --lint "$@"
touch "$stamp"
""".format(gen = ctx.executable._gen.path),
        mnemonic = "ProtoLint",
        use_default_shell_env = _LINT_USES_HOST_ENV,  # ok: default-shell-env
    )
    return [DefaultInfo(files = depset([stamp]))]

proto_lint = rule(
    implementation = _proto_lint_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = [".proto"]),
    ),
)

def _emit_stub(ctx, src, lang, host_env):
    out = ctx.actions.declare_file("{}/{}.{}".format(ctx.label.name, src.basename, lang))
    ctx.actions.run(
        executable = ctx.executable._gen,
        arguments = ["--lang=" + lang, "--out", out.path, src.path],
        inputs = [src],
        outputs = [out],
        mnemonic = "ProtoStub",
        use_default_shell_env = host_env,  # expect: default-shell-env(info)
    )
    return out

def _proto_stubs_impl(ctx):
    """Generates one stub per source and language.

    The Python plugin is a script with a `#!/usr/bin/env python3` line, so
    those actions need use_default_shell_env = True to find the interpreter.
    """
    outs = []
    for src in ctx.files.srcs:
        for lang in ctx.attr.langs:
            # Only the Python plugin needs the host environment; the helper's
            # parameter is what gets reported, not this call.
            outs.append(_emit_stub(ctx, src, lang, host_env = lang == "py"))  # ok: default-shell-env

    # Index of everything generated above; a plain concatenation.
    index = ctx.actions.declare_file(ctx.label.name + ".index")
    ctx.actions.run_shell(  # ok: default-shell-env
        inputs = outs,
        outputs = [index],
        arguments = [index.path] + [f.path for f in outs],
        command = 'out="$1"; shift; printf "%s\\n" "$@" | sort > "$out"',
        mnemonic = "ProtoStubIndex",
    )

    # Each language also gets a marker file; the packer is a wrapper that
    # looks up its compressor on the host PATH.
    actions = ctx.actions
    for lang in ctx.attr.langs:
        marker = actions.declare_file("{}/{}.marker".format(ctx.label.name, lang))
        actions.run(
            executable = ctx.executable._pack,
            arguments = ["--marker", lang, marker.path],
            outputs = [marker],
            mnemonic = "ProtoStubMarker",
            use_default_shell_env = True,  # expect: default-shell-env
        )
        outs.append(marker)
    return [DefaultInfo(files = depset(outs + [index]))]

proto_stubs = rule(
    implementation = _proto_stubs_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = [".proto"]),
        langs = attr.string_list(default = ["cc", "py"]),
    ),
)

def _schema_bundle_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".bundle")
    host_env = True
    pure = False

    # Resolve $ref links with the bundler; it needs a writable $HOME cache.
    ctx.actions.run(
        executable = ctx.executable._pack,
        arguments = ["--bundle", out.path] + [f.path for f in ctx.files.srcs],
        inputs = ctx.files.srcs,
        outputs = [out],
        mnemonic = "SchemaBundle",
        use_default_shell_env = host_env,  # expect: default-shell-env
    )

    # Validation needs nothing from the host.
    check = ctx.actions.declare_file(ctx.label.name + ".check")
    ctx.actions.run(
        executable = ctx.executable._gen,
        arguments = ["--validate", out.path, "--stamp", check.path],
        inputs = [out],
        outputs = [check],
        mnemonic = "SchemaCheck",
        use_default_shell_env = pure,  # ok: default-shell-env
    )

    # Optional pretty-printed copy; its formatter is configurable per target.
    pretty = ctx.actions.declare_file(ctx.label.name + ".pretty")
    ctx.actions.run(
        executable = ctx.executable._gen,
        arguments = ["--pretty", out.path, pretty.path],
        inputs = [out],
        outputs = [pretty],
        mnemonic = "SchemaPretty",
        use_default_shell_env = not ctx.attr.hermetic,  # expect: default-shell-env(info)
    )
    return [
        DefaultInfo(files = depset([out, pretty])),
        OutputGroupInfo(validation = depset([check])),
    ]

schema_bundle = rule(
    implementation = _schema_bundle_impl,
    attrs = dict(
        TOOL_ATTRS,
        srcs = attr.label_list(allow_files = [".json"]),
        hermetic = attr.bool(default = True),
    ),
)
