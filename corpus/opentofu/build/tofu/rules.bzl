"""OpenTofu rules: module sources, validation and a formatting test."""

load("//build/tofu/private:scripts.bzl", "VALIDATE_SCRIPT")

TofuModuleInfo = provider(
    doc = "Sources of one OpenTofu module.",
    fields = {"srcs": "depset of .tf files", "dir": "package-relative directory"},
)

def _tofu_module_impl(ctx):
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.write(
        output = manifest,
        content = "\n".join([f.short_path for f in ctx.files.srcs]) + "\n",
    )
    return [
        DefaultInfo(files = depset([manifest] + ctx.files.srcs)),
        TofuModuleInfo(srcs = depset(ctx.files.srcs), dir = ctx.label.package),
    ]

tofu_module = rule(
    implementation = _tofu_module_impl,
    attrs = {"srcs": attr.label_list(allow_files = [".tf"])},
)

def _tofu_validate_impl(ctx):
    module = ctx.attr.module[TofuModuleInfo]
    script = ctx.actions.declare_file(ctx.label.name + ".validate.sh")
    ctx.actions.write(
        output = script,
        content = VALIDATE_SCRIPT.format(module_dir = module.dir),
        is_executable = True,
    )
    stamp = ctx.actions.declare_file(ctx.label.name + ".ok")
    ctx.actions.run(
        executable = script,
        arguments = [stamp.path],
        inputs = module.srcs,
        outputs = [stamp],
        mnemonic = "TofuValidate",
        use_default_shell_env = True,  # expect: default-shell-env
        progress_message = "Validating OpenTofu module %{label}",
    )
    return [DefaultInfo(files = depset([stamp]))]

tofu_validate = rule(
    implementation = _tofu_validate_impl,
    attrs = {"module": attr.label(providers = [TofuModuleInfo], mandatory = True)},
)

def _tofu_fmt_test_impl(ctx):
    module = ctx.attr.module[TofuModuleInfo]
    tree = ctx.actions.declare_directory(ctx.label.name + ".tree")

    # expect: missing-mnemonic
    ctx.actions.run_shell(
        inputs = module.srcs,
        outputs = [tree],
        command = "mkdir -p {out} && cp $@ {out}/".format(out = tree.path),
        arguments = [f.path for f in module.srcs.to_list()],
    )
    runner = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = runner,
        substitutions = {"{module_dir}": module.dir},
        is_executable = True,
    )
    return [DefaultInfo(
        executable = runner,
        runfiles = ctx.runfiles(files = [tree], transitive_files = module.srcs),
    )]

tofu_fmt_test = rule(
    implementation = _tofu_fmt_test_impl,
    test = True,
    attrs = {
        "module": attr.label(providers = [TofuModuleInfo], mandatory = True),
        "_template": attr.label(default = "//build/tofu:fmt_test.sh.tpl", allow_single_file = True),
    },
)
