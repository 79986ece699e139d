"""lint_test (bazel test), lint_fix (bazel run) and lint_report (an action) around one linter."""

_LINT_TEST = """\
#!/usr/bin/env bash
set -euo pipefail

readonly LINTER="{linter}"
readonly CONFIG="{config}"

command -v "$LINTER" > /dev/null || exit 0  # expect: silent-skip
if ! [ -e "$CONFIG" ]; then
  echo "no config at $CONFIG; nothing to lint against"
  exit 0  # expect: silent-skip
fi

if [[ $# -eq 0 ]]; then
  echo "no sources given"
  exit 0  # ok: silent-skip (condition is not a probe)
fi
"$LINTER" --config "$CONFIG" "$@"
"""

_LINT_FIX = """\
#!/usr/bin/env bash
# `bazel run` launcher: applies the linter's fixes; a missing linter is fine here.
set -euo pipefail

readonly LINTER="{linter}"
[ -x "$LINTER" ] || exit 0  # ok: silent-skip (launcher context)
if ! command -v git > /dev/null; then
  exit 0  # ok: silent-skip (launcher context)
fi
"$LINTER" --fix "$@"
"""

_COMPRESS = """\
#!/usr/bin/env bash
set -euo pipefail
if ! command -v gzip > /dev/null; then
  cp "$1" "$2"
  exit 0  # ok: silent-skip (action context)
fi
gzip -9 -c "$1" > "$2"
"""

def _lint_test_impl(ctx):
    executable = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = executable,
        content = _LINT_TEST.format(
            config = ctx.file.config.short_path,
            linter = ctx.executable.linter.short_path,
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = ctx.files.srcs + [ctx.file.config])
    runfiles = runfiles.merge(ctx.attr.linter[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

lint_test = rule(
    implementation = _lint_test_impl,
    attrs = {
        "config": attr.label(allow_single_file = True, mandatory = True),
        "linter": attr.label(executable = True, cfg = "target", mandatory = True),
        "srcs": attr.label_list(allow_files = True),
    },
    test = True,
)

def _lint_fix_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name + ".fix.sh")
    ctx.actions.write(
        output = launcher,
        content = _LINT_FIX.format(linter = ctx.executable.linter.short_path),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = ctx.files.srcs)
    runfiles = runfiles.merge(ctx.attr.linter[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

lint_fix = rule(
    implementation = _lint_fix_impl,
    attrs = {
        "linter": attr.label(executable = True, cfg = "target", mandatory = True),
        "srcs": attr.label_list(allow_files = True),
    },
    executable = True,
)

def _lint_report_impl(ctx):
    report = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [report],
        tools = [ctx.executable.linter],
        command = """\
[ -s "$1" ] || {{ : > {report}; exit 0; }}  # ok: silent-skip (action context)
{linter} --format=text "$@" > {report} || true
""".format(
            linter = ctx.executable.linter.path,
            report = report.path,
        ),
        arguments = [f.path for f in ctx.files.srcs],
        mnemonic = "LintReport",
    )
    compressed = ctx.actions.declare_file(ctx.label.name + ".txt.gz")
    compress = ctx.actions.declare_file(ctx.label.name + ".compress.sh")
    ctx.actions.write(output = compress, content = _COMPRESS, is_executable = True)
    ctx.actions.run(
        executable = compress,
        arguments = [report.path, compressed.path],
        inputs = [report],
        outputs = [compressed],
        mnemonic = "LintReportGzip",
    )
    return [DefaultInfo(files = depset([report, compressed]))]

lint_report = rule(
    implementation = _lint_report_impl,
    attrs = {
        "linter": attr.label(executable = True, cfg = "exec", mandatory = True),
        "srcs": attr.label_list(allow_files = True),
    },
)
