"""A rule whose action runs a Python tool."""

def _rendered_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".html")
    ctx.actions.run(
        executable = ctx.executable._render,
        arguments = [ctx.file.src.path],
        inputs = [ctx.file.src],
        outputs = [out],
        mnemonic = "RenderPage",
    )
    return [DefaultInfo(files = depset([out]))]

rendered = rule(
    implementation = _rendered_impl,
    attrs = {
        "src": attr.label(allow_single_file = True),
        "_render": attr.label(default = "//tools:render", executable = True, cfg = "exec"),
    },
)
