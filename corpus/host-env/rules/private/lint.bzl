"""Proto lint and codegen actions.

Both used to merge ctx.configuration.default_shell_env into their env so that buf could find
protoc plugins on the developer's PATH; codegen still does.
"""

def _host_path(ctx):
    """The PATH the client was started with, for plugins that shell out."""
    return ctx.configuration.default_shell_env.get("PATH", "/usr/bin:/bin")  # expect: host-env

def _proto_lint_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".lint.txt")
    env = dict(ctx.configuration.default_shell_env)  # expect: host-env
    env["BUF_CACHE_DIR"] = "buf-cache"
    args = ctx.actions.args()
    args.add("lint")
    args.add("--error-format=text")
    args.add_all(ctx.files.srcs)
    args.add("--output", out)
    ctx.actions.run(
        executable = ctx.executable._buf,
        arguments = [args],
        inputs = ctx.files.srcs,
        outputs = [out],
        env = env,
        mnemonic = "BufLint",
        progress_message = "Linting protos of %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

proto_lint = rule(
    implementation = _proto_lint_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"], mandatory = True),
        "_buf": attr.label(
            default = "//tools:buf",
            executable = True,
            cfg = "exec",
        ),
    },
)

def _proto_codegen_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name + "_gen")
    index = ctx.actions.declare_file(ctx.label.name + ".index.txt")
    coverage = ctx.configuration.coverage_enabled  # ok: host-env
    ctx.actions.run(
        executable = ctx.executable._buf,
        arguments = ["generate", "--output", out.path] + [f.path for f in ctx.files.srcs],
        inputs = ctx.files.srcs,
        outputs = [out],
        env = {
            "BUF_COVERAGE": "1" if coverage else "0",
            "PATH": _host_path(ctx),
        },
        mnemonic = "BufGenerate",
    )
    ctx.actions.run_shell(
        inputs = [out],
        outputs = [index],
        command = 'find "$1" -type f | sort > "$2"',
        arguments = [out.path, index.path],
        use_default_shell_env = True,  # expect: default-shell-env  # ok: host-env (not a read of default_shell_env)
        mnemonic = "BufIndex",
    )
    return [DefaultInfo(files = depset([out, index]))]

proto_codegen = rule(
    implementation = _proto_codegen_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"], mandatory = True),
        "_buf": attr.label(
            default = "//tools:buf",
            executable = True,
            cfg = "exec",
        ),
    },
)
