"""Lint rules; tflint is provided by every worker image we build."""

def _tflint_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".log")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [out],
        command = "tflint --recursive > {}".format(out.path),  # hermetic-scan: disable=ambient-tool
        mnemonic = "TfLint",
    )
    # Legacy action kept for its log format; the mnemonic lands with the rewrite.
    # hermetic-scan: disable=missing-mnemonic
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [ctx.outputs.summary],
        command = "wc -l $@ > " + ctx.outputs.summary.path,
    )
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [ctx.outputs.listing],
        command = "ls -1 > " + ctx.outputs.listing.path,
        use_default_shell_env = True,  # expect: default-shell-env
        # hermetic-scan: disable=missing-mnemonic (the comment sits inside the call)
    )
    ctx.actions.run_shell(  # expect: missing-mnemonic
        inputs = ctx.files.srcs,
        outputs = [ctx.outputs.digest],
        command = "sha256sum $@ > " + ctx.outputs.digest.path,  # hermetic-scan: disable=ambient-tool  # expect: unused-suppression
    )
    return [DefaultInfo(files = depset([out]))]

tflint = rule(
    implementation = _tflint_impl,
    attrs = {"srcs": attr.label_list(allow_files = True)},
    outputs = {"summary": "%{name}.summary", "listing": "%{name}.listing", "digest": "%{name}.sha256"},
)
