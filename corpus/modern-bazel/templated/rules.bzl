"""A rule whose scripts come from templates: shell run with toolchain tools only, and JavaScript."""

def _layer_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + "_build.sh")
    ctx.actions.expand_template(
        template = ctx.file._build_sh,
        output = script,
        substitutions = {"{{jq_dir}}": ctx.executable._jq.dirname},
        is_executable = True,
    )
    manifest = ctx.actions.declare_file(ctx.label.name + "_manifest.mjs")
    ctx.actions.expand_template(
        template = ctx.file._manifest_mjs,
        output = manifest,
        substitutions = {"{{name}}": ctx.label.name},
    )
    out = ctx.actions.declare_file(ctx.label.name + ".tar")
    ctx.actions.run(
        executable = script,
        arguments = [out.path],
        inputs = [manifest],
        tools = [ctx.executable._jq],
        outputs = [out],
        mnemonic = "LayerBuild",
    )
    return [DefaultInfo(files = depset([out]))]

layer = rule(
    implementation = _layer_impl,
    attrs = {
        "_build_sh": attr.label(default = "build.sh.tpl", allow_single_file = True),
        "_manifest_mjs": attr.label(default = "manifest.mjs.tpl", allow_single_file = True),
        "_jq": attr.label(default = "//tools:jq", executable = True, cfg = "exec"),
    },
)
