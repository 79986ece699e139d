"""End-to-end tests: start the server binary, probe it, stop it."""

_E2E_TEMPLATE = """\
#!/usr/bin/env bash
set -euo pipefail

server="{server}"
log="${{TEST_UNDECLARED_OUTPUTS_DIR:-${{TEST_TMPDIR}}}}/server.log"

"$server" --port 0 > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2> /dev/null || true' EXIT

for _ in $(seq 1 50); do
  grep -q "listening" "$log" && break
  sleep 0.1
done
grep -q "listening" "$log" || {{ echo "FAIL: server did not start" >&2; exit 1; }}
echo "PASS"
"""

def _e2e_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _E2E_TEMPLATE.format(server = ctx.executable.server.short_path),
        is_executable = True,
    )
    return [DefaultInfo(
        executable = executable,
        runfiles = ctx.runfiles(files = [ctx.executable.server]),
    )]

e2e_test = rule(
    implementation = _e2e_test_impl,
    attrs = {
        "server": attr.label(
            executable = True,
            cfg = "target",
            mandatory = True,
        ),
    },
    test = True,
)
