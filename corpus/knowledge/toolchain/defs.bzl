"""Rules of the workspace that call helpers of a ruleset whose source is absent."""

load("@rules_cc//cc:find_cc_toolchain.bzl", "find_cc_toolchain")  # expect: unresolved-load
load("@rules_cc//cc/private:link_helpers.bzl", "register_link")
load("@rules_java//toolchains:toolchain_utils.bzl", "find_java_toolchain")  # expect: unresolved-load

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

def _version_impl(ctx):
    java_toolchain = find_java_toolchain(ctx, ctx.attr._java_toolchain)
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run(
        outputs = [out],
        executable = ctx.executable._reporter,
        arguments = [out.path, str(java_toolchain.source_version)],
        mnemonic = "JavaVersionReport",
    )
    return [DefaultInfo(files = depset([out]))]

java_version_report = rule(
    implementation = _version_impl,
    attrs = {
        "_java_toolchain": attr.label(default = "@bazel_tools//tools/jdk:current_java_toolchain"),
        "_reporter": attr.label(default = ":reporter", executable = True, cfg = "exec"),
    },
)
