"""A toolchain that names Graphviz's dot by path."""

def _diagram_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(dot = ctx.attr.dot)]

diagram_toolchain = rule(
    implementation = _diagram_toolchain_impl,
    attrs = {"dot": attr.string()},
)
