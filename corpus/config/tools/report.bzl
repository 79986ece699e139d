"""A report rule whose actions the config tunes."""

def _report_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run_shell(  # ok: missing-mnemonic (disabled in .hermetic-scan.toml)
        inputs = ctx.files.srcs,
        outputs = [out],
        command = "jq -r '.total' {} > {}".format(ctx.files.srcs[0].path, out.path),
        use_default_shell_env = True,  # expect: default-shell-env(info)
    )
    return [DefaultInfo(files = depset([out]))]

report = rule(
    implementation = _report_impl,
    attrs = {"srcs": attr.label_list(allow_files = True)},
)
