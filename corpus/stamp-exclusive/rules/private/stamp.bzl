"""Rules that embed build information from the workspace status files.

ctx.info_file is bazel-out/stable-status.txt (STABLE_* keys, BUILD_EMBED_LABEL, BUILD_HOST, BUILD_USER);
ctx.version_file is bazel-out/volatile-status.txt (BUILD_TIMESTAMP and other volatile keys).
"""

# ok: stamped-action (the module docstring above only names the files)

BuildSettingInfo = provider(
    doc = "Value of a build setting.",
    fields = {"value": "the flag value"},
)

def _is_stamping(ctx):
    """True when the target asks for stamping: stamp = 1 always, -1 follows --stamp."""
    if ctx.attr.stamp == 1:  # ok: stamped-action (reads the attribute, not the status files)
        return True
    return ctx.attr.stamp == -1 and ctx.attr._stamp_flag[BuildSettingInfo].value

def _stamp_flag_impl(ctx):
    return [BuildSettingInfo(value = ctx.build_setting_value)]

stamp_flag = rule(
    implementation = _stamp_flag_impl,
    build_setting = config.bool(flag = True),
)

def _status_files(ctx):
    """Both status files, stable first. Helper shared by the rules below."""
    return [
        ctx.info_file,  # expect: stamped-action
        ctx.version_file,  # expect: stamped-action
    ]

def _version_header_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".h")
    args = ctx.actions.args()
    args.add("--output", out)
    args.add("--macro_prefix", ctx.attr.macro_prefix)
    inputs = []
    if _is_stamping(ctx):
        args.add("--stable", ctx.info_file)  # expect: stamped-action
        args.add("--volatile", ctx.version_file)  # expect: stamped-action
        inputs = [ctx.info_file, ctx.version_file]  # expect: stamped-action
    ctx.actions.run(
        executable = ctx.executable._stamper,
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "VersionHeader",
    )
    return [DefaultInfo(files = depset([out]))]

_STAMP_ATTRS = {
    "stamp": attr.int(
        default = -1,
        values = [-1, 0, 1],
        doc = "1: always read ctx.version_file; 0: never; -1: follow --stamp.",  # ok: stamped-action
    ),
    "_stamp_flag": attr.label(default = "//rules/private:stamp"),
    "_stamper": attr.label(
        default = "//tools:stamper",
        executable = True,
        cfg = "exec",
    ),
}

version_header = rule(
    implementation = _version_header_impl,
    attrs = dict(
        _STAMP_ATTRS,
        macro_prefix = attr.string(default = "BUILD"),
    ),
)

def _build_info_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    volatile = ctx.version_file  # expect: stamped-action
    ctx.actions.run_shell(
        inputs = [volatile],
        outputs = [out],
        command = "grep '^BUILD_TIMESTAMP ' {status} | cut -d' ' -f2 > {out}".format(
            out = out.path,
            status = volatile.path,
        ),
        mnemonic = "BuildInfo",
    )
    return [DefaultInfo(files = depset([out]))]

build_info = rule(
    implementation = _build_info_impl,
    doc = "Writes BUILD_TIMESTAMP from ctx.version_file to a text file.",  # ok: stamped-action (doc text)
)

ReleaseVersionInfo = provider(
    doc = "The version file a release's header was made from.",
    fields = ["version_file"],
)

def _release_tarball_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    status = _status_files(ctx) if ctx.attr.stamp else []
    srcs = list(ctx.files.srcs)
    if ctx.file.version_file:  # ok: stamped-action (a checked-in VERSION file, not ctx.version_file)
        srcs.append(ctx.file.version_file)
    for src in ctx.attr.srcs:
        if ReleaseVersionInfo in src:
            version_info = src[ReleaseVersionInfo]
            srcs.append(version_info.version_file)  # ok: stamped-action (a provider's file: its maker stamps, or not)
    ctx.actions.run(
        executable = ctx.executable._stamper,
        arguments = ["--tar", out.path] + [f.path for f in status + srcs],
        inputs = srcs + status,
        outputs = [out],
        mnemonic = "ReleaseTarball",
    )
    return [DefaultInfo(files = depset([out]))]

release_tarball = rule(
    implementation = _release_tarball_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "stamp": attr.bool(default = False),
        "version_file": attr.label(allow_single_file = True, doc = "A checked-in VERSION file."),
        "_stamper": attr.label(
            default = "//tools:stamper",
            executable = True,
            cfg = "exec",
        ),
    },
)
