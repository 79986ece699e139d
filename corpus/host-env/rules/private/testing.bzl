"""Integration tests (`bazel test`) and the dev server launcher (`bazel run`)."""

_INTEGRATION_TEST = """\
#!/usr/bin/env bash
set -euo pipefail

manifest="{manifest}"
[ -s "$manifest" ] || {{ echo "empty manifest: $manifest" >&2; exit 1; }}
while read -r key size; do
  [ -n "$key" ] || continue
  echo "would upload $key ($size bytes) with profile ${{AWS_PROFILE:-default}}"
done < "$manifest"
echo "PASS"
"""

def _integration_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _INTEGRATION_TEST.format(manifest = ctx.file.manifest.short_path),
        is_executable = True,
    )
    return [
        DefaultInfo(
            executable = executable,
            runfiles = ctx.runfiles(files = [ctx.file.manifest]),
        ),
        RunEnvironmentInfo(inherited_environment = ctx.attr.env_inherit),
    ]

integration_test = rule(
    implementation = _integration_test_impl,
    attrs = {
        "env_inherit": attr.string_list(doc = "Variables taken from the client environment."),
        "manifest": attr.label(allow_single_file = True, mandatory = True),
    },
    test = True,
)

_DEV_SERVER = """\
#!/usr/bin/env bash
set -euo pipefail
exec "{server}" --port "${{PORT:-8080}}" "$@"
"""

def _dev_server_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name + ".run.sh")
    ctx.actions.write(
        output = launcher,
        content = _DEV_SERVER.format(server = ctx.executable.server.short_path),
        is_executable = True,
    )
    return [
        DefaultInfo(
            executable = launcher,
            runfiles = ctx.runfiles(files = [ctx.executable.server]),
        ),
        RunEnvironmentInfo(inherited_environment = ctx.attr.env_inherit),
    ]

dev_server = rule(
    implementation = _dev_server_impl,
    attrs = {
        "env_inherit": attr.string_list(),
        "server": attr.label(
            executable = True,
            cfg = "target",
            mandatory = True,
        ),
    },
    executable = True,
)
