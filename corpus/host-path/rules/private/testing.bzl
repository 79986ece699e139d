"""A schema conformance test (`bazel test`) and a dev server launcher (`bazel run`)."""

_SCHEMA_TEST = """\
#!/usr/bin/env bash
set -euo pipefail

schema="{schema}"
[ -f "$schema" ] || {{ echo "missing $schema" >&2; exit 1; }}

# The CI image used to keep its toolchain profile in /root.
. /root/.ci-profile  # expect: host-path
diff -u /nix/store/3x7k0d1q9m2v8c4z5l6p-api-schemas-2.1.0/share/api.json "$schema"  # expect: host-path
if cmp -s "$schema" /dev/null; then  # ok: host-path (/dev/null)
  echo "FAIL: $schema is empty" >&2
  exit 1
fi
echo "PASS"
"""

def _schema_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _SCHEMA_TEST.format(schema = ctx.file.schema.short_path),
        is_executable = True,
    )
    return [DefaultInfo(
        executable = executable,
        runfiles = ctx.runfiles(files = [ctx.file.schema]),
    )]

schema_test = rule(
    implementation = _schema_test_impl,
    attrs = {"schema": attr.label(allow_single_file = [".json"], mandatory = True)},
    test = True,
)

_DEV_LAUNCHER = """\
#!/usr/bin/env bash
# `bazel run`: starts the server against the developer's local settings.
set -euo pipefail
export JAVA_HOME=/opt/corp/jdk-17.0.9
cp "$HOME/.m2/settings.xml" "$BUILD_WORKSPACE_DIRECTORY/.mvn/settings.xml"  # expect: workspace-dir(info)  # ok: host-path (launcher)
exec "{server}" --config /Users/Shared/dev/server.yaml --jdk /opt/corp/jdk-17.0.9  # ok: host-path (launcher)
"""

def _dev_server_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name + ".run.sh")
    ctx.actions.write(
        output = launcher,
        content = _DEV_LAUNCHER.format(server = ctx.executable.server.short_path),
        is_executable = True,
    )
    return [DefaultInfo(
        executable = launcher,
        runfiles = ctx.runfiles(files = [ctx.executable.server]),
    )]

dev_server = rule(
    implementation = _dev_server_impl,
    attrs = {
        "server": attr.label(
            executable = True,
            cfg = "target",
            mandatory = True,
        ),
    },
    executable = True,
)
