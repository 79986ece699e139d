"""Code generation and container image rules."""

def _proto_gen_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".pb.go")
    args = ctx.actions.args()
    args.add("--out", out)
    args.add_all(ctx.files.srcs)
    ctx.actions.run(
        executable = ctx.executable._protoc,
        arguments = [args],
        inputs = ctx.files.srcs,
        outputs = [out],
        mnemonic = "ProtoGen",
    )
    return [DefaultInfo(files = depset([out]))]

proto_gen = rule(
    implementation = _proto_gen_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"]),
        "_protoc": attr.label(default = "//tools:protoc", executable = True, cfg = "exec"),
    },
)

def _docker_image_impl(ctx):
    tarball = ctx.actions.declare_file(ctx.label.name + ".tar")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [tarball],
        command = "docker build -q -t {tag} {dir} && docker save {tag} -o {out}".format(  # expect: ambient-tool, network-access
            tag = ctx.label.name,
            dir = ctx.label.package,
            out = tarball.path,
        ),
        mnemonic = "DockerBuild",
    )
    return [DefaultInfo(files = depset([tarball]))]

docker_image = rule(
    implementation = _docker_image_impl,
    attrs = {"srcs": attr.label_list(allow_files = True)},
)
