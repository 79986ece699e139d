"""Test rules. Their generated scripts run under `bazel test`, possibly remotely."""

def _golden_test_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = """#!/usr/bin/env bash
set -euo pipefail
actual="{actual}"
golden="{golden}"
if ! diff -u "$golden" "$actual"; then
  echo "golden mismatch between $golden and $actual" >&2
  echo '  to update: bazel run //app:update_golden (copies into $BUILD_WORKSPACE_DIRECTORY)' >&2  # ok: workspace-dir
  exit 1
fi
echo PASS
""".format(
            actual = ctx.file.actual.short_path,
            golden = ctx.file.golden.short_path,
        ),
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = [ctx.file.actual, ctx.file.golden]),
    )]

golden_test = rule(
    implementation = _golden_test_impl,
    test = True,
    attrs = {
        "actual": attr.label(allow_single_file = True, mandatory = True),
        "golden": attr.label(allow_single_file = True, mandatory = True),
    },
)

def _layout_test_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = """#!/usr/bin/env bash
set -euo pipefail
# Compares the checked-in tree against the expected layout file.
ws="${{BUILD_WORKSPACE_DIRECTORY:-$TEST_SRCDIR/_main}}"  # expect: workspace-dir(info)
status=0
while read -r path; do
  if ! test -e "$ws/$path"; then
    echo "missing: $path" >&2
    status=1
  fi
done < "{layout}"
exit "$status"
""".format(layout = ctx.file.layout.short_path),
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = [ctx.file.layout] + ctx.files.data),
    )]

layout_test = rule(
    implementation = _layout_test_impl,
    test = True,
    attrs = {
        "layout": attr.label(allow_single_file = [".txt"], mandatory = True),
        "data": attr.label_list(allow_files = True),
    },
)

def _script_check_test_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        is_executable = True,
        substitutions = {
            "%{checker}": ctx.executable.checker.short_path,
            "%{targets}": " ".join([f.short_path for f in ctx.files.srcs]),
        },
    )
    runfiles = ctx.runfiles(files = ctx.files.srcs)
    runfiles = runfiles.merge(ctx.attr.checker[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

script_check_test = rule(
    implementation = _script_check_test_impl,
    test = True,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "checker": attr.label(executable = True, cfg = "target", mandatory = True),
        "_template": attr.label(
            default = "//rules/private:check_test.sh.tpl",
            allow_single_file = True,
        ),
    },
)
