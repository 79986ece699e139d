"""A toolchain that names an HTML-to-PDF converter by path."""

PdfInfo = provider(
    doc = "Where the converter is.",
    fields = {"path": "absolute path of the converter"},
)

def _pdf_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(pdf = PdfInfo(path = ctx.attr.path))]

pdf_toolchain = rule(
    implementation = _pdf_toolchain_impl,
    attrs = {"path": attr.string()},
)
