"""Test rules. Their tags are ordinary target tags: Bazel reads `exclusive` from them."""

_INTEGRATION = """\
#!/usr/bin/env bash
set -euo pipefail

readonly SERVER="{server}"
readonly PORT="{port}"
readonly LOG="${{TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}}/server.log"

"$SERVER" --port "$PORT" > "$LOG" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2> /dev/null || true' EXIT

for _ in $(seq 1 50); do
  if grep -q "listening on $PORT" "$LOG"; then
    echo "PASS"
    exit 0
  fi
  sleep 0.1
done
echo "FAIL: server did not start" >&2
exit 1
"""

def _integration_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _INTEGRATION.format(
            port = ctx.attr.port,
            server = ctx.executable.server.short_path,
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles().merge(ctx.attr.server[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

integration_test = rule(
    implementation = _integration_test_impl,
    attrs = {
        "port": attr.int(default = 8080),
        "server": attr.label(executable = True, cfg = "target", mandatory = True),
    },
    test = True,
)

def _smoke_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = "#!/bin/bash\nexec \"$(dirname \"$0\")/{}\" --self-test\n".format(ctx.executable.binary.basename),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [ctx.executable.binary])
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

smoke_test = rule(
    implementation = _smoke_test_impl,
    attrs = {"binary": attr.label(executable = True, cfg = "target", mandatory = True)},
    test = True,
)
