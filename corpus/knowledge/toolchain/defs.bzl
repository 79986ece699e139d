"""Rules of the workspace that call helpers of a ruleset whose source is absent."""

load("@rules_cc//cc:find_cc_toolchain.bzl", "find_cc_toolchain")  # expect: unresolved-load
load("@rules_cc//cc/private:link_helpers.bzl", "register_link")

def _report_impl(ctx):
    toolchain = find_cc_toolchain(ctx)
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run(
        outputs = [out],
        executable = ctx.executable._reporter,
        arguments = [out.path, toolchain.compiler],
        mnemonic = "ToolchainReport",
    )
    return [DefaultInfo(files = depset([out]))]

toolchain_report = rule(
    implementation = _report_impl,
    attrs = {"_reporter": attr.label(default = ":reporter", executable = True, cfg = "exec")},
)

def _link_impl(ctx):
    out = register_link(ctx, ctx.attr.name)
    return [DefaultInfo(files = depset([out]))]

custom_link = rule(implementation = _link_impl)
