"""A rule used from two packages; one hazard waived for everyone, one not."""

def _bundle_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar")
    ctx.actions.run(
        # The bundler is baked into every worker image we run.
        executable = "bundler",  # hermetic-scan: disable=ambient-tool
        arguments = [out.path] + [f.path for f in ctx.files.srcs],
        inputs = ctx.files.srcs,
        outputs = [out],
        mnemonic = "Bundle",
    )
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [ctx.outputs.index],
        command = "zstd -q -o {} $@".format(ctx.outputs.index.path),  # expect: ambient-tool
        mnemonic = "BundleIndex",
    )
    return [DefaultInfo(files = depset([out]))]

bundle = rule(
    implementation = _bundle_impl,
    attrs = {"srcs": attr.label_list(allow_files = True)},
    outputs = {"index": "%{name}.idx.zst"},
)

def version_stamp(name):
    """Called from //docs only: the suppression below is used by the process that evaluates //docs
    and by no other, and must not be reported unused."""
    native.genrule(
        name = name,
        outs = [name + ".txt"],
        # Stamps are built on developer machines only: this team's rc runs genrules locally.
        cmd = "cat $$BUILD_WORKSPACE_DIRECTORY/VERSION > $@",  # hermetic-scan: disable=workspace-dir
    )
