"""Rules that differ only in the arguments they give the shared helper."""

load(":steps.bzl", "run_step")

def _output(ctx, suffix):
    return ctx.actions.declare_file(ctx.label.name + suffix)

def _stamp_impl(ctx):
    # No mnemonic: Bazel calls the action `Action`, which the helper's line reports.
    out = _output(ctx, ".stamp")
    run_step(ctx, "date -u > " + out.path, [out])
    return [DefaultInfo(files = depset([out]))]

def _env_dump_impl(ctx):
    # env_default = True: this rule's action inherits the client's environment.
    out = _output(ctx, ".env")
    run_step(ctx, "env | sort > " + out.path, [out], mnemonic = "DumpEnv", env_default = True)
    return [DefaultInfo(files = depset([out]))]

def _image_impl(ctx):
    # Runs the host's docker, but its action is pinned local by the argument it passes.
    out = _output(ctx, ".iid")
    run_step(
        ctx,
        "docker build --iidfile " + out.path + " .",  # expect: ambient-tool, network-access
        [out],
        mnemonic = "ImageBuild",
        requirements = {"no-remote-exec": "1"},
    )
    return [DefaultInfo(files = depset([out]))]

def _lint_impl(ctx):
    # Runs the host's shellcheck; .bazelrc keeps ShellLint local under --config=rbe.
    out = _output(ctx, ".lint")
    run_step(ctx, "shellcheck --version > " + out.path, [out], mnemonic = "ShellLint")  # expect: ambient-tool
    return [DefaultInfo(files = depset([out]))]

def _hermetic_impl(ctx):
    out = _output(ctx, ".txt")
    run_step(ctx, "echo ok > " + out.path, [out], mnemonic = "Hermetic", env_default = False)
    return [DefaultInfo(files = depset([out]))]

stamp = rule(implementation = _stamp_impl)
env_dump = rule(implementation = _env_dump_impl)
image = rule(implementation = _image_impl)
lint = rule(implementation = _lint_impl)
hermetic = rule(implementation = _hermetic_impl)
