"""`bazel run` launchers. These scripts run on the developer's machine only."""

def _workspace_runner_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = """#!/usr/bin/env bash
# Launched with `bazel run`; rewrites files in the source tree in place.
set -euo pipefail
tool="$PWD/{tool}"
cd "$BUILD_WORKSPACE_DIRECTORY"  # expect: workspace-dir(info)
if [[ $# -eq 0 ]]; then
  set -- "$BUILD_WORKING_DIRECTORY"  # expect: workspace-dir(info)
fi
git ls-files -z -- "$@" | xargs -0 "$tool" --in-place
""".format(tool = ctx.executable.tool.short_path),
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.attr.tool[DefaultInfo].default_runfiles,
    )]

workspace_runner = rule(
    implementation = _workspace_runner_impl,
    executable = True,
    doc = "Runs `tool` over files in $BUILD_WORKSPACE_DIRECTORY. Use with `bazel run`.",  # ok: workspace-dir
    attrs = {
        "tool": attr.label(executable = True, cfg = "target", mandatory = True),
    },
)

def _dev_launcher_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._launcher,
        output = script,
        is_executable = True,
        substitutions = {
            "%{binary}": ctx.executable.binary.short_path,
            "%{config}": ctx.file.config.short_path,
        },
    )
    runfiles = ctx.runfiles(files = [ctx.file.config])
    runfiles = runfiles.merge(ctx.attr.binary[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

dev_launcher = rule(
    implementation = _dev_launcher_impl,
    executable = True,
    attrs = {
        "binary": attr.label(executable = True, cfg = "target", mandatory = True),
        "config": attr.label(allow_single_file = True, mandatory = True),
        "_launcher": attr.label(
            default = "//rules/private:run_launcher.sh.tpl",
            allow_single_file = True,
        ),
    },
)
