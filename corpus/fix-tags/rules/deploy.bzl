"""Deployment helpers that shell out to the host's kubectl."""

def _render_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".yaml")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [out],
        command = "kubectl kustomize {} > {}".format(ctx.label.package, out.path),  # expect: ambient-tool
        mnemonic = "KustomizeRender",
    )
    return [DefaultInfo(files = depset([out]))]

kustomize = rule(
    implementation = _render_impl,
    attrs = {"srcs": attr.label_list(allow_files = True)},
)

def kustomize_env(name, srcs, **kwargs):
    """One rendered overlay per environment; forwards tags and other common attributes."""
    kustomize(name = name, srcs = srcs, **kwargs)

def kustomize_pair(name, srcs):
    """Renders base and overlay; takes no common attributes."""
    kustomize(name = name + "_base", srcs = srcs)
    kustomize(name = name + "_overlay", srcs = srcs)
