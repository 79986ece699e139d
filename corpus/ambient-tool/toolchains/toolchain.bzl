"""The OpenTofu toolchain: which `tofu` binary the rules run."""

TOFU_TOOLCHAIN_TYPE = "//toolchains:toolchain_type"

TofuInfo = provider(
    doc = "A tofu binary and its version.",
    fields = {
        "tofu": "File: the tofu executable",
        "version": "string: the OpenTofu version",
    },
)

def _tofu_toolchain_impl(ctx):
    info = TofuInfo(
        tofu = ctx.executable.tofu,
        version = ctx.attr.version,
    )
    return [
        platform_common.ToolchainInfo(tofuinfo = info),
        DefaultInfo(files = depset([ctx.executable.tofu])),
    ]

tofu_toolchain = rule(
    implementation = _tofu_toolchain_impl,
    attrs = {
        "tofu": attr.label(
            mandatory = True,
            executable = True,
            cfg = "exec",
            allow_single_file = True,
        ),
        "version": attr.string(mandatory = True),
    },
)
