"""Commands assembled the ways real rules assemble them."""

_LINTER = "markdownlint"  # expect: ambient-tool
_FLAGS = ["--strict"]

def _bundle_impl(ctx):
    src = ctx.file.src
    out = ctx.actions.declare_file(ctx.label.name + ".tar")

    # A constant, .format() and list mutation.
    checks = ["set -e"]
    checks.append("{linter} {flags} {src}".format(linter = _LINTER, flags = " ".join(_FLAGS), src = src.path))
    checks.extend(["%s --check %s" % ("vale", src.path)])  # expect: ambient-tool
    ctx.actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = " && ".join(checks + ["tar -cf %s %s" % (out.path, src.path)]),
        mnemonic = "BundleCheck",
    )

    # A name bound differently in the branches of an `if` on an attribute.
    if ctx.attr.compress:
        packer = "zstd -19"  # expect: ambient-tool
    else:
        packer = "gzip -9"
    packed = ctx.actions.declare_file(ctx.label.name + ".tar.pack")
    ctx.actions.run_shell(
        inputs = [out],
        outputs = [packed],
        command = packer + " -c " + out.path + " > " + packed.path,
        mnemonic = "BundlePack",
    )

    # A conditional expression.
    listing = ctx.actions.declare_file(ctx.label.name + ".list")
    ctx.actions.run_shell(
        inputs = [packed],
        outputs = [listing],
        command = ("unzstd -c" if ctx.attr.compress else "gunzip -c") + " " + packed.path + " | tar -t > " + listing.path,  # expect: ambient-tool
        mnemonic = "BundleList",
    )
    return [DefaultInfo(files = depset([packed, listing]))]

bundle = rule(
    implementation = _bundle_impl,
    attrs = {
        "src": attr.label(allow_single_file = True),
        "compress": attr.bool(default = False),
    },
)
