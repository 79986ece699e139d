"""Documentation rules: each runs the program its toolchain names."""

def _html_to_pdf_impl(ctx):
    pdf = ctx.toolchains["//toolchains/pdf:toolchain_type"].pdf
    out = ctx.actions.declare_file(ctx.label.name + ".pdf")
    ctx.actions.run(
        executable = pdf.path,
        arguments = [ctx.file.src.path, out.path],
        inputs = [ctx.file.src],
        outputs = [out],
        mnemonic = "HtmlToPdf",
    )
    return [DefaultInfo(files = depset([out]))]

html_to_pdf = rule(
    implementation = _html_to_pdf_impl,
    attrs = {"src": attr.label(allow_single_file = [".html"])},
    toolchains = ["//toolchains/pdf:toolchain_type"],  # expect: host-toolchain
)

def _diagram_impl(ctx):
    toolchain = ctx.toolchains["//toolchains/diagram:toolchain_type"]
    out = ctx.actions.declare_file(ctx.label.name + ".svg")
    ctx.actions.run(
        executable = toolchain.dot,
        arguments = ["-Tsvg", "-o", out.path, ctx.file.src.path],
        inputs = [ctx.file.src],
        outputs = [out],
        mnemonic = "Graphviz",
    )
    return [DefaultInfo(files = depset([out]))]

diagram = rule(
    implementation = _diagram_impl,
    attrs = {"src": attr.label(allow_single_file = [".dot"])},
    toolchains = [
        config_common.toolchain_type("//toolchains/diagram:toolchain_type", mandatory = False),  # expect: host-toolchain
    ],
)

def _pdf_available_impl(_ctx):
    return [config_common.FeatureFlagInfo(value = "1")]

# Runs nothing: whether the converter exists is a flag, not an action.
pdf_available = rule(
    implementation = _pdf_available_impl,
    toolchains = ["//toolchains/pdf:toolchain_type"],  # ok: host-toolchain
)

def _word_count_impl(ctx):
    bash = ctx.toolchains["//toolchains/shell:toolchain_type"]
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run(
        executable = bash.path,
        arguments = ["-c", "wc -w < \"$1\" > \"$2\"", "wc", ctx.file.src.path, out.path],
        inputs = [ctx.file.src],
        outputs = [out],
        mnemonic = "WordCount",
    )
    return [DefaultInfo(files = depset([out]))]

word_count = rule(
    implementation = _word_count_impl,
    attrs = {"src": attr.label(allow_single_file = True)},
    toolchains = ["//toolchains/shell:toolchain_type"],  # ok: host-toolchain
)

def _compressed_impl(ctx):
    zstd = ctx.toolchains["//toolchains/pinned:toolchain_type"]
    out = ctx.actions.declare_file(ctx.label.name + ".zst")
    ctx.actions.run(
        executable = zstd.zstd,
        arguments = ["-q", "-o", out.path, ctx.file.src.path],
        inputs = [ctx.file.src],
        outputs = [out],
        mnemonic = "Zstd",
    )
    return [DefaultInfo(files = depset([out]))]

compressed = rule(
    implementation = _compressed_impl,
    attrs = {"src": attr.label(allow_single_file = True)},
    toolchains = ["//toolchains/pinned:toolchain_type"],  # ok: host-toolchain
)
